package websocket

import (
	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/protocol"
)

// Lost reports that bytes of direction dir were not captured without
// saying how many: what HTTP/2 knows when a gap took its frame
// boundaries, and with them the share of the lost bytes that belonged to
// the stream carrying this WebSocket. Unlike Gap, which skips n bytes of
// a payload in progress, Lost never trusts the position: the message in
// progress is emitted as partial, with a gap note, and the direction
// looks for the next frame header, as after a gap between frames.
func (p *Parser) Lost(dir event.Dir, at uint64, emit protocol.Emit) {
	p.stats.Gaps++
	h := &p.half[dir&1]
	h.lastAt = at
	if h.st == stSync {
		h.skip(h.sync, at)
		h.sync = h.sync[:0]
		return
	}
	h.lose("bytes not captured (how many of them were this stream's is not known)",
		"after bytes that were not captured", at, emit)
}
