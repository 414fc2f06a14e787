package http1

import (
	"sync"

	"github.com/tapir-dev/tapir/protocol/body"
)

// decoders holds body decoders between bodies, so that a connection holds
// one only while a body is in flight: idle connections stay small.
var decoders = sync.Pool{New: func() any { return new(body.Decoder) }}

// decoder returns the direction's body decoder, taking one from the pool
// if it has none.
func (h *half) decoder() *body.Decoder {
	if h.dec == nil {
		h.dec = decoders.Get().(*body.Decoder)
		h.dec.SetLimits(h.p.lim)
	}
	return h.dec
}

// releaseDecoder discards what the decoder holds and gives it back.
func (h *half) releaseDecoder() {
	if h.dec != nil {
		h.dec.Discard()
		decoders.Put(h.dec)
		h.dec = nil
	}
}
