package websocket

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// state is where a direction is in its byte stream.
type state uint8

const (
	stHeader  state = iota // at or inside a frame header
	stPayload              // inside a frame's payload
	stSync                 // looking for a frame header
)

// half is the parsing state of one direction.
type half struct {
	p    *Parser
	dir  event.Dir
	role role
	st   state

	// hb holds a frame header cut by the end of a Feed; hn is its length
	// and hAt the time of its first byte.
	hb  [maxHeader]byte
	hn  int
	hAt uint64
	// fr is the frame whose payload is being read; left is how much of
	// it remains and pos how much came.
	fr   header
	left uint64
	pos  uint64

	// msg is the data message in progress; ctl a control frame (or one
	// with a reserved opcode) in progress; frm the frame in progress
	// shown on its own (Config.Frames).
	msg, ctl, frm *build
	// ctlBuf holds a control frame's payload, unmasked.
	ctlBuf [maxControl]byte
	ctlN   int
	// cur is msg or ctl: what the frame in progress belongs to.
	cur *build
	// compressed is set while msg is a compressed message.
	compressed bool

	infl inflater

	// sync holds bytes while the direction looks for a frame header:
	// from the start when the connection was first seen after its
	// handshake, or after a gap. syncAt is the time of its first byte,
	// syncWhy why it is looking; skipped gathers the bytes skipped.
	sync    []byte
	syncAt  uint64
	syncWhy string
	skipped *build
	// midstream is set when the direction's frames were not followed
	// from the handshake on: a continuation frame with no message may be
	// the rest of one whose start was not captured.
	midstream bool
	lastAt    uint64
}

// maxPrealloc bounds what is allocated for a frame ahead of its bytes.
const maxPrealloc = 64 << 10

// syncLimit bounds the bytes held while looking for a frame header.
const syncLimit = 256 << 10

// feed takes the next bytes of the direction.
func (h *half) feed(b []byte, at uint64, emit protocol.Emit) {
	h.lastAt = at
	for len(b) > 0 {
		switch h.st {
		case stSync:
			if len(h.sync) == 0 {
				h.syncAt = at
			}
			h.sync = append(h.sync, b...)
			b = h.resync(at, false, emit)
		case stHeader:
			if h.hn == 0 {
				hd, n := parseHeader(b)
				if n > 0 {
					h.frame(hd, b[:n], at, at, emit)
					b = b[n:]
					continue
				}
				h.hAt = at
			}
			need := 2
			if h.hn+len(b) >= 2 || h.hn >= 2 {
				var b1 byte
				if h.hn >= 2 {
					b1 = h.hb[1]
				} else {
					b1 = b[1-h.hn]
				}
				need = headerLen(b1)
			}
			c := copy(h.hb[h.hn:need], b)
			h.hn += c
			b = b[c:]
			if h.hn == need {
				hd, _ := parseHeader(h.hb[:need])
				h.hn = 0
				h.frame(hd, h.hb[:need], h.hAt, at, emit)
			}
		case stPayload:
			n := len(b)
			if uint64(n) > h.left {
				n = int(h.left)
			}
			h.payload(b[:n])
			b = b[n:]
			h.left -= uint64(n)
			h.pos += uint64(n)
			if h.left == 0 {
				h.endFrame(at, emit)
			}
		}
	}
}

// frame begins the frame whose header is hb, its first byte seen at
// start and its last at at.
func (h *half) frame(hd header, hb []byte, start, at uint64, emit protocol.Emit) {
	p := h.p
	if hd.long {
		// No length can be trusted: look for the next frame.
		h.lose("a frame header with a 64-bit length over 2^63", "after a frame header with an impossible length", at, emit)
		h.sync = append(h.sync, hb...)
		return
	}
	p.stats.Frames++
	h.fr = hd
	h.left, h.pos = hd.n, 0
	var errs []string
	if hd.rsv&(bitRSV2|bitRSV3) != 0 {
		errs = append(errs, fmt.Sprintf("reserved bits RSV2/RSV3 set (0x%02x)", hd.rsv))
	}
	switch h.role {
	case client:
		if !hd.masked {
			errs = append(errs, "a client frame not masked")
		}
	case server:
		if hd.masked {
			errs = append(errs, "a server frame masked")
		}
	default:
		h.learnRole(hd.masked)
	}
	if hd.loose {
		errs = append(errs, "payload length not in its shortest form")
	}
	switch {
	case isControl(hd.op) && !reserved(hd.op):
		if !hd.fin {
			errs = append(errs, "a fragmented control frame")
		}
		if hd.n > maxControl {
			errs = append(errs, fmt.Sprintf("a control frame of %d bytes (at most 125)", hd.n))
		}
		if hd.rsv&bitRSV1 != 0 {
			errs = append(errs, "RSV1 set on a control frame")
		}
		h.ctl = p.newBuild(h, message.Data, hd.op, start)
		h.ctl.ws.Stream = p.stream
		h.ctlN = 0
		h.cur = h.ctl
	case reserved(hd.op):
		errs = append(errs, fmt.Sprintf("reserved opcode 0x%x", hd.op))
		h.ctl = p.newBuild(h, message.Data, hd.op, start)
		h.ctl.ws.Stream = p.stream
		h.ctlN = 0
		h.cur = h.ctl
	case hd.op == opContinuation:
		if hd.rsv&bitRSV1 != 0 {
			errs = append(errs, "RSV1 set on a continuation frame")
		}
		if h.msg == nil {
			h.msg = p.newBuild(h, message.Data, opContinuation, start)
			h.msg.ws.Stream = p.stream
			h.compressed = false
			if h.midstream {
				h.msg.note(message.Gap, "the rest of a message whose first frame was not captured")
			} else {
				errs = append(errs, "a continuation frame with no message to continue")
			}
			h.infl.forget("the first frames of an earlier message were not captured")
		} else if h.msg.lazy {
			h.msg.materialize()
		}
		h.cur = h.msg
	default: // text or binary
		if h.msg != nil {
			h.msg.note(message.Error, "a new message began before this one's last frame")
			h.emitMsg(true, emit)
		}
		h.msg = p.newBuild(h, message.Data, hd.op, start)
		h.msg.ws.Stream = p.stream
		h.compressed = hd.rsv&bitRSV1 != 0
		if h.compressed {
			h.msg.ws.Compressed = true
			if p.neg.Known && !p.neg.Deflate {
				errs = append(errs, "RSV1 set but permessage-deflate was not negotiated")
			}
		} else if !hd.masked && uint64(hd.size)+min(hd.n, uint64(p.bodyKeep)) <= uint64(p.rawKeep) {
			h.msg.lazy, h.msg.hdr = true, hd.size
		}
		h.cur = h.msg
	}
	b := h.cur
	if b == h.msg {
		b.ws.Fragments++
	}
	if b.m.Raw == nil && p.rawKeep > 0 {
		b.m.Raw = make([]byte, 0, min(uint64(p.rawKeep), uint64(len(hb))+hd.n, maxPrealloc))
	}
	b.addRaw(hb, p.rawKeep)
	for _, e := range errs {
		b.note(message.Error, e)
	}
	if p.cfg.Frames {
		h.frm = p.newBuild(h, message.Frame, hd.op, start)
		f := h.frm
		f.ws.Stream = p.stream
		f.ws.Fragments = 1
		f.ws.Compressed = hd.rsv&bitRSV1 != 0
		f.addRaw(hb, p.rawKeep)
		f.note(message.Info, frameFlags(hd))
		for _, e := range errs {
			f.note(message.Error, e)
		}
	}
	if hd.n == 0 {
		h.endFrame(at, emit)
		return
	}
	h.st = stPayload
}

// frameFlags describes a frame's header for --frames.
func frameFlags(hd header) string {
	s := "fin"
	if !hd.fin {
		s = "more"
	}
	if hd.rsv&bitRSV1 != 0 {
		s += ", rsv1"
	}
	if hd.masked {
		s += fmt.Sprintf(", masked 0x%08x", binary.BigEndian.Uint32(hd.key[:]))
	}
	return s + fmt.Sprintf(", %d-byte payload", hd.n)
}

// learnRole sets the direction's role from the first frame seen, and the
// other direction's with it.
func (h *half) learnRole(masked bool) {
	r, o := server, client
	if masked {
		r, o = client, server
	}
	h.role = r
	if other := &h.p.half[h.dir.Other()]; other.role == unknownRole {
		other.role = o
	}
	for d := range h.p.half {
		h.p.half[d].setupInflater()
	}
}

// payload takes bytes of the frame in progress.
func (h *half) payload(b []byte) {
	p := h.p
	fr := &h.fr
	cur := h.cur
	cur.addRaw(b, p.rawKeep)
	cur.pay += int64(len(b))
	switch {
	case cur == h.ctl:
		if h.ctlN < maxControl {
			n := min(len(b), maxControl-h.ctlN)
			unmask(h.ctlBuf[h.ctlN:h.ctlN], b[:n], fr.key, h.pos, fr.masked)
			h.ctlN += n
		}
		if fr.n > maxControl {
			// A control frame over 125 bytes (an error): keep what the
			// display allows.
			if room := p.bodyKeep - len(cur.data); room > 0 {
				cur.data = unmask(cur.data, b[:min(len(b), room)], fr.key, h.pos, fr.masked)
			}
		}
	case h.compressed:
		if cur.over {
			break
		}
		if len(cur.comp)+len(b) > p.lim.MaxBuffer {
			cur.over = true
			cur.comp = nil
			break
		}
		if cur.comp == nil {
			cur.comp = make([]byte, 0, int(min(uint64(p.lim.MaxBuffer), h.left, maxPrealloc))+len(deflateTail))
		}
		cur.comp = unmask(cur.comp, b, fr.key, h.pos, fr.masked)
	case cur.lazy:
	default:
		if room := p.bodyKeep - len(cur.data); room > 0 {
			if cur.data == nil {
				cur.data = make([]byte, 0, min(uint64(p.bodyKeep), h.left, maxPrealloc))
			}
			cur.data = unmask(cur.data, b[:min(len(b), room)], fr.key, h.pos, fr.masked)
		}
	}
	if f := h.frm; f != nil {
		f.addRaw(b, p.rawKeep)
		f.pay += int64(len(b))
		if room := p.bodyKeep - len(f.data); room > 0 {
			f.data = unmask(f.data, b[:min(len(b), room)], fr.key, h.pos, fr.masked)
		}
	}
}

// endFrame ends the frame in progress, its last byte seen at at.
func (h *half) endFrame(at uint64, emit protocol.Emit) {
	h.st = stHeader
	cur := h.cur
	cur.m.End = at
	h.cur = nil
	if f := h.frm; f != nil {
		h.frm = nil
		f.m.End = at
		f.m.Partial = f.lost > 0
		if f.pay > 0 {
			f.body = message.Body{Size: f.pay, DecodedSize: f.pay - f.lost, Binary: !printable(f.data)}
			h.setData(f, f.data, f.pay-f.lost)
		}
		h.p.emit(f, emit)
	}
	if cur == h.ctl {
		h.ctl = nil
		h.endControl(cur, emit)
		return
	}
	if h.fr.fin {
		h.emitMsg(false, emit)
	}
}

// endControl emits a control frame (or one with a reserved opcode).
func (h *half) endControl(b *build, emit protocol.Emit) {
	var pl []byte
	switch {
	case len(b.data) > 0:
		pl = b.data
	case h.ctlN > 0:
		pl = append([]byte(nil), h.ctlBuf[:h.ctlN]...)
	}
	b.m.Partial = b.m.Partial || b.lost > 0
	if h.fr.op == opClose && b.lost == 0 {
		switch {
		case len(pl) == 1:
			b.note(message.Error, "a close frame with a 1-byte payload")
		case len(pl) >= 2:
			code := int(binary.BigEndian.Uint16(pl))
			b.ws.CloseCode = code
			b.ws.CloseReason = string(pl[2:])
			if !validCloseCode(code) {
				b.note(message.Error, fmt.Sprintf("close code %d is not one a peer may send", code))
			}
			if !utf8.Valid(pl[2:]) {
				b.note(message.Error, "close reason is not valid UTF-8")
			}
			pl = nil
		}
	}
	if len(pl) > 0 || b.lost > 0 {
		b.body = message.Body{Size: b.pay, DecodedSize: b.pay - b.lost, Binary: !printable(pl)}
		h.setData(b, pl, b.pay-b.lost)
	}
	h.p.emit(b, emit)
}

// validCloseCode reports whether a close frame may carry code (RFC 6455,
// section 7.4).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// emitMsg emits the data message in progress; partial says it did not
// end with its final frame.
func (h *half) emitMsg(partial bool, emit protocol.Emit) {
	b := h.msg
	h.msg = nil
	if b == nil {
		return
	}
	p := h.p
	b.m.Partial = b.m.Partial || partial || b.lost > 0
	b.body = message.Body{Size: b.pay, DecodedSize: b.pay - b.lost, Binary: b.ws.Opcode != "text"}
	switch {
	case !h.compressed:
		data := b.payload()
		if b.ws.Opcode == "continuation" {
			b.body.Binary = !printable(data)
		}
		h.setData(b, data, b.pay-b.lost)
	case b.over:
		b.note(message.Limit, fmt.Sprintf("not inflated: compressed message longer than the %d-byte buffer limit", p.lim.MaxBuffer))
		h.infl.forget("an earlier compressed message was longer than the buffer limit")
		h.rawBody(b)
	case b.lost > 0:
		b.note(message.Gap, "not inflated: bytes of it were not captured")
		h.infl.forget("bytes of an earlier compressed message were not captured")
		h.rawBody(b)
	case partial:
		b.note(message.Info, "not inflated: the message did not end")
		h.infl.forget("an earlier compressed message did not end")
		h.rawBody(b)
	default:
		r := h.infl.inflate(b.comp, p.bodyKeep, p.lim.MaxBody)
		if r.note != "" {
			p.stats.NotInflated++
			kind := message.Error
			if r.missing {
				kind = message.Gap
			}
			b.note(kind, r.note)
			h.rawBody(b)
			break
		}
		b.body.Encoding = "permessage-deflate"
		b.body.DecodedSize = r.total
		b.body.Data = r.out
		b.body.Cut = r.total - int64(len(r.out))
		if r.cut {
			b.note(message.Limit, fmt.Sprintf("inflated size over the %d-byte limit: the rest was not inflated", p.lim.MaxBody))
		}
		b.m.Body = &b.body
		b.comp = nil
	}
	h.compressed = false
	p.emit(b, emit)
}

// rawBody sets a compressed message's body to its payload as received.
func (h *half) rawBody(b *build) {
	b.body.Binary = true
	h.setData(b, b.comp, int64(len(b.comp)))
	if b.over {
		b.body.Cut = b.pay
	}
	b.comp = nil
}

// setData sets b's body to data, cut to the display limit; total is the
// size of what data is the start of.
func (h *half) setData(b *build, data []byte, total int64) {
	if len(data) > h.p.bodyKeep {
		data = data[:h.p.bodyKeep]
	}
	b.body.Data = data
	b.body.Cut = max(0, total-int64(len(data)))
	b.m.Body = &b.body
}

// printable reports whether a payload reads as text.
func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return utf8.Valid(b)
}

// started returns the time the direction's pending message began, or the
// largest time when nothing is pending.
func (h *half) started() uint64 {
	t := ^uint64(0)
	for _, b := range []*build{h.msg, h.ctl, h.frm} {
		if b != nil {
			t = min(t, b.m.Start)
		}
	}
	if h.st == stSync && len(h.sync) > 0 {
		t = min(t, h.syncAt)
	}
	return t
}

// gap takes n bytes that were not captured.
func (h *half) gap(n int, at uint64, emit protocol.Emit) {
	h.lastAt = at
	text := fmt.Sprintf("%d bytes not captured", n)
	if h.st == stPayload && uint64(n) <= h.left {
		for _, b := range []*build{h.cur, h.frm} {
			if b == nil {
				continue
			}
			b.materialize()
			if b.lost == 0 {
				b.note(message.Gap, text)
			}
			b.lost += int64(n)
			b.pay += int64(n)
			b.m.Size += int64(n)
			b.rawStop = true
		}
		h.left -= uint64(n)
		h.pos += uint64(n)
		if h.left == 0 {
			h.endFrame(at, emit)
		}
		return
	}
	// The frame boundaries are lost: end what is in progress and look
	// for the next frame.
	if h.st == stSync {
		h.skip(h.sync, at)
		h.sync = h.sync[:0]
		return
	}
	h.lose(text, "after bytes that were not captured", at, emit)
}

// lose emits what the direction has in progress as partial, with a gap
// note, when the stream can no longer be followed, and makes it look for
// the next frame header.
func (h *half) lose(text, why string, at uint64, emit protocol.Emit) {
	busy := h.st == stPayload || h.hn > 0 || h.msg != nil
	h.hn = 0
	for _, b := range []*build{h.frm, h.ctl} {
		if b != nil {
			b.m.Partial = true
			b.note(message.Gap, text)
			b.m.End = at
			h.p.emit(b, emit)
		}
	}
	h.frm, h.ctl, h.cur = nil, nil, nil
	if h.msg != nil {
		h.msg.note(message.Gap, text)
		h.msg.m.End = at
		h.emitMsg(true, emit)
	}
	if busy {
		h.infl.forget("bytes of an earlier message were lost")
	} else {
		h.infl.forget("bytes were lost between messages")
	}
	h.st = stSync
	h.sync = h.sync[:0]
	h.syncAt = at
	h.syncWhy = why
	h.midstream = true
}

// resync looks in h.sync for the start of a frame: a plausible header
// followed by another, or, at the start of the bytes (or anywhere when
// final is set), one frame that ends where the bytes do. Bytes before it
// are skipped and emitted as a partial message. It returns the bytes from
// the frame on, to be parsed, or nil while it has not found one.
func (h *half) resync(at uint64, final bool, emit protocol.Emit) []byte {
	deflate := !h.p.neg.Known || h.p.neg.Deflate
	buf := h.sync
	for i := 0; i < len(buf); i++ {
		if !plausibleByte0(buf[i], deflate) {
			continue
		}
		r := scan(buf[i:], h.role, deflate, syncLimit)
		ok := r.strong() || r.good() && (i == 0 && h.skipped == nil || final)
		if !ok && r.more && !final && len(buf)-i < syncLimit {
			// Wait for more bytes to tell.
			h.skip(buf[:i], at)
			h.sync = append(h.sync[:0], buf[i:]...)
			return nil
		}
		if !ok {
			continue
		}
		h.skip(buf[:i], at)
		if h.skipped != nil {
			h.p.stats.Resyncs++
			h.emitSkipped(emit)
		}
		h.sync = nil
		h.st = stHeader
		return buf[i:]
	}
	// Nothing here starts a frame; keep the last bytes, in case a header
	// begins there.
	keep := min(len(buf), maxHeader-1)
	if final {
		keep = 0
	}
	h.skip(buf[:len(buf)-keep], at)
	h.sync = append(h.sync[:0], buf[len(buf)-keep:]...)
	if final {
		h.emitSkipped(emit)
	}
	return nil
}

// skip counts b, bytes of h.sync that start no frame, into the skipped
// message.
func (h *half) skip(b []byte, at uint64) {
	if len(b) == 0 {
		return
	}
	s := h.skipped
	if s == nil {
		s = h.p.newBuild(h, message.Data, 0, h.syncAt)
		s.m.WS = nil
		h.skipped = s
	}
	s.addRaw(b, h.p.rawKeep)
	s.pay += int64(len(b))
	if room := h.p.bodyKeep - len(s.data); room > 0 {
		s.data = append(s.data, b[:min(room, len(b))]...)
	}
	s.m.End = at
	h.p.stats.Skipped += int64(len(b))
	h.syncAt = at
}

// emitSkipped emits the bytes skipped while looking for a frame.
func (h *half) emitSkipped(emit protocol.Emit) {
	s := h.skipped
	if s == nil {
		return
	}
	h.skipped = nil
	s.m.Partial = true
	s.note(message.Gap, fmt.Sprintf("%d bytes skipped looking for a frame header (%s)", s.pay, h.syncWhy))
	s.body = message.Body{Size: s.pay, DecodedSize: s.pay, Binary: !printable(s.data)}
	h.setData(s, s.data, s.pay)
	h.p.emit(s, emit)
}

// flush emits what the direction has pending, as partial.
func (h *half) flush(why protocol.End, emit protocol.Emit) {
	text := "the connection was " + why.String() + " before the end of the message"
	if why == protocol.Closed {
		text = "the connection closed before the end of the message"
	}
	if h.st == stSync {
		for len(h.sync) > 0 {
			rest := h.resync(h.lastAt, true, emit)
			if rest == nil {
				break
			}
			h.feed(rest, h.lastAt, emit)
		}
		h.emitSkipped(emit)
	}
	if h.hn > 0 {
		b := h.p.newBuild(h, message.Data, h.hb[0]&0x0f, h.hAt)
		b.ws.Opcode = ""
		b.m.WS = nil
		b.addRaw(h.hb[:h.hn], h.p.rawKeep)
		b.m.Partial = true
		b.note(message.Info, fmt.Sprintf("%d bytes of a frame header: %s", h.hn, text))
		h.hn = 0
		h.p.emit(b, emit)
	}
	for _, b := range []*build{h.frm, h.ctl} {
		if b != nil {
			b.m.Partial = true
			b.note(message.Info, text)
			h.p.emit(b, emit)
		}
	}
	h.frm, h.ctl, h.cur = nil, nil, nil
	if h.msg != nil {
		h.msg.note(message.Info, text)
		h.emitMsg(true, emit)
	}
	h.st = stHeader
}
