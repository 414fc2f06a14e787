package websocket

import (
	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/protocol"
	"math"
)

// Name is the protocol name WebSocket messages carry.
const Name = "websocket"

// Spec is the WebSocket protocol: detection of a connection first seen
// after its handshake (Detect), and the parser HTTP/1 hands a connection
// to after 101 Switching Protocols.
var Spec = protocol.Spec{
	Name:   Name,
	Doc:    "WebSocket: after an HTTP/1 upgrade or from frame structure; messages reassembled, permessage-deflate",
	Detect: Detect,
	New:    func(cfg protocol.Config) protocol.Parser { return New(cfg) },
}

// Parser decodes the frames of one WebSocket connection, or of one HTTP/2
// stream carrying a WebSocket (RFC 8441), in both directions: it emits
// one message per WebSocket message, reassembled from its fragments,
// unmasked and inflated, each from within the Feed call that brings its
// last byte; every control frame as a message of its own; and, when
// protocol.Config.Frames is set, every frame too.
//
// A Parser is used by one goroutine at a time. It keeps, per direction, a
// frame header cut by the end of a Feed, what is shown of the message in
// progress (Raw and Body.Data, within the display limit), the payload of
// a compressed message until its last frame (at most MaxBuffer), the
// deflate window (at most 32 KiB) and, while it looks for a frame header,
// at most 256 KiB of bytes.
type Parser struct {
	cfg      protocol.Config
	lim      protocol.Limits
	neg      Negotiation
	rawKeep  int // wire bytes kept in Message.Raw
	bodyKeep int // payload bytes kept in Body.Data
	stream   uint32
	half     [2]half
	stats    Stats
}

// Stats counts what a Parser met. The same events are marked on the
// messages as notes.
type Stats struct {
	// Emitted counts the messages emitted (data messages, control frames
	// and, with Config.Frames, frames), those of them that were
	// incomplete, and their Error and Limit notes.
	protocol.Emitted
	// Frames counts frame headers read.
	Frames uint64
	// Gaps counts the calls to Gap.
	Gaps uint64
	// NotInflated counts compressed messages that could not be inflated.
	NotInflated uint64
	// Resyncs counts the times a direction found frames again after
	// looking for them; Skipped the bytes it skipped to do so.
	Resyncs uint64
	Skipped int64
}

// Options configure a Parser made with NewWith.
type Options struct {
	// Server is the direction of the server's frames (not masked); the
	// other direction is the client's.
	Server event.Dir
	// Negotiation is what the handshake agreed; see Negotiate.
	Negotiation Negotiation
	// Stream is the HTTP/2 stream id put on every message's WS.Stream,
	// for a WebSocket carried over HTTP/2 (RFC 8441); 0 otherwise.
	Stream uint32
}

// New returns a parser for one connection. When cfg.Upgrade is set (the
// connection was handed over after its handshake) the parser knows which
// side is the server and what the handshake negotiated, and reads frames
// from the first byte; otherwise (the connection was detected mid-stream)
// it learns the sides from the masking of the frames, takes RSV1 to mean
// permessage-deflate with context takeover, and first looks for a frame
// header in each direction.
func New(cfg protocol.Config) *Parser {
	if u := cfg.Upgrade; u != nil {
		return NewWith(cfg, Options{Server: u.Server, Negotiation: Negotiate(u.Response)})
	}
	p := newParser(cfg)
	for d := range p.half {
		h := &p.half[d]
		h.st = stSync
		h.midstream = true
		h.syncWhy = "the capture began after the handshake"
		h.setupInflater()
	}
	return p
}

// NewWith returns a parser for a WebSocket whose handshake was seen: the
// way for HTTP/2 to decode the DATA of an extended CONNECT stream whose
// :protocol is websocket (RFC 8441). Make it when the server's 2xx
// response arrives, with the stream's id and Negotiate(response), then
// hand it each DATA frame's payload with Feed, in the direction it
// travelled, Gap for lost bytes, and Flush when the stream ends. cfg's
// Upgrade is not used.
func NewWith(cfg protocol.Config, o Options) *Parser {
	p := newParser(cfg)
	p.neg = o.Negotiation
	p.neg.Known = true
	p.stream = o.Stream
	p.half[o.Server&1].role = server
	p.half[o.Server.Other()&1].role = client
	for d := range p.half {
		p.half[d].setupInflater()
	}
	return p
}

func newParser(cfg protocol.Config) *Parser {
	p := &Parser{cfg: cfg, lim: cfg.Limits.WithDefaults()}
	p.rawKeep = p.lim.Keep(p.lim.MaxBuffer)
	p.bodyKeep = p.lim.Keep(int(min(p.lim.MaxBody, math.MaxInt)))
	for d := range p.half {
		h := &p.half[d]
		h.p, h.dir = p, event.Dir(d)
	}
	return p
}

// setupInflater sets the direction's deflate parameters from the
// negotiation and its role.
func (h *half) setupInflater() {
	noContext, bits := h.p.neg.params(h.role)
	if !h.p.neg.Known {
		noContext, bits = false, 15
	}
	lost := ""
	if h.midstream {
		lost = "the capture began after the connection's first messages"
	}
	h.infl.setup(noContext, bits, !h.midstream, lost)
}

// Feed takes the next bytes of direction dir, captured at time at, and
// emits every message they complete. It never fails: what it cannot parse
// it marks and skips.
func (p *Parser) Feed(dir event.Dir, b []byte, at uint64, emit protocol.Emit) error {
	p.half[dir&1].feed(b, at, emit)
	return nil
}

// Gap reports that n bytes of direction dir were not captured. A gap
// inside a frame's payload cuts that payload (and makes a compressed
// message impossible to inflate); elsewhere the message in progress is
// emitted as partial and the direction looks for the next frame header.
func (p *Parser) Gap(dir event.Dir, n int, at uint64, emit protocol.Emit) {
	if n <= 0 {
		return
	}
	p.stats.Gaps++
	p.half[dir&1].gap(n, at, emit)
}

// Flush emits what is pending, as partial, the direction whose message
// began first first.
func (p *Parser) Flush(why protocol.End, emit protocol.Emit) {
	first := event.Out
	if p.half[event.In].started() < p.half[event.Out].started() {
		first = event.In
	}
	p.half[first].flush(why, emit)
	p.half[first.Other()].flush(why, emit)
}

// Stats returns the counts so far.
func (p *Parser) Stats() Stats { return p.stats }

// Negotiation returns what the handshake negotiated, as far as it is known.
func (p *Parser) Negotiation() Negotiation { return p.neg }

// emit counts b's message and hands it on.
func (p *Parser) emit(b *build, emit protocol.Emit) {
	m := &b.m
	m.RawCut = m.Size - int64(len(m.Raw))
	p.stats.Count(m)
	emit(m)
}
