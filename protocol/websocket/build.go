package websocket

import (
	"github.com/tapir-dev/tapir/message"
)

// build is a message being put together: a data message from its frames,
// a control frame, or one frame of either shown on its own (--frames). The
// message, its WebSocket description and its body share one allocation.
type build struct {
	m    message.Message
	ws   message.WebSocket
	body message.Body

	// data holds the payload kept for display, unmasked; while lazy is
	// set it is not filled: the payload is read from m.Raw after the
	// frame header (hdr bytes) when the message is emitted.
	data []byte
	lazy bool
	hdr  int
	// comp holds a compressed message's whole payload, unmasked, up to
	// the buffer limit; over is set when it went past it.
	comp []byte
	over bool
	// rawStop stops m.Raw from growing: bytes were lost, so what follows
	// is not what crossed the wire next to it.
	rawStop bool
	// pay counts the payload bytes on the wire, lost counts those of
	// them not captured.
	pay, lost int64
}

// newBuild starts a message of direction d at time at.
func (p *Parser) newBuild(h *half, typ message.Type, op byte, at uint64) *build {
	b := &build{}
	b.m = message.Message{Proto: Name, Type: typ, Dir: h.dir, Start: at, End: at}
	b.ws.Opcode = opName(op)
	b.m.WS = &b.ws
	return b
}

// addRaw appends wire bytes to the message's Raw, up to keep.
func (b *build) addRaw(p []byte, keep int) {
	b.m.Size += int64(len(p))
	if b.rawStop {
		return
	}
	if room := keep - len(b.m.Raw); room > 0 {
		if b.m.Raw == nil {
			b.m.Raw = make([]byte, 0, min(keep, max(len(p), 64)))
		}
		b.m.Raw = append(b.m.Raw, p[:min(room, len(p))]...)
	}
}

// materialize turns a lazy payload into data: the bytes kept in Raw
// after the header.
func (b *build) materialize() {
	if !b.lazy {
		return
	}
	b.lazy = false
	if len(b.m.Raw) > b.hdr {
		b.data = append(b.data, b.m.Raw[b.hdr:]...)
	}
}

// payload returns the payload kept for display.
func (b *build) payload() []byte {
	if b.lazy {
		if len(b.m.Raw) <= b.hdr {
			return nil
		}
		return b.m.Raw[b.hdr:len(b.m.Raw):len(b.m.Raw)]
	}
	return b.data
}

// note appends a note.
func (b *build) note(k message.NoteKind, text string) {
	b.m.Notes = append(b.m.Notes, message.Note{Kind: k, Text: text})
}
