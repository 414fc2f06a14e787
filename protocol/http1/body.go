package http1

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/body"
)

// keepRaw counts b as wire bytes of the message in progress and keeps
// what Raw has room for.
func (h *half) keepRaw(b []byte) {
	m := &h.cur.m
	m.Size += int64(len(b))
	if h.rawStop {
		return
	}
	if room := h.p.rawKeep - len(m.Raw); room > 0 {
		m.Raw = append(m.Raw, b[:min(room, len(b))]...)
	}
}

// bodyBytes takes payload bytes of the message in progress.
func (h *half) bodyBytes(b []byte) {
	h.bodyN += int64(len(b))
	if !h.alias {
		h.decoder().Write(b)
	}
}

// fixed takes bytes of a body of known length.
func (h *half) fixed(b []byte, at uint64, emit protocol.Emit) int {
	if h.expectWait && h.bodyN == 0 && h.noBodyAfterFinal(b) {
		h.finish(at, emit)
		return 0
	}
	h.expectWait = false
	n := int(min(h.rem, int64(len(b))))
	h.keepRaw(b[:n])
	h.bodyBytes(b[:n])
	h.rem -= int64(n)
	if h.rem == 0 {
		h.finish(at, emit)
	}
	return n
}

// noBodyAfterFinal reports whether a request that asked for 100-continue
// got a final response instead and the client, as it may, went on with its
// next request without sending the body: b starts a request line.
func (h *half) noBodyAfterFinal(b []byte) bool {
	if h.answered == 0 || startLine(b, registeredOnly) == protocol.No {
		return false
	}
	h.hasBody = false
	h.releaseDecoder()
	h.cur.m.AddNote(message.Info, "no body sent: the server answered Expect: 100-continue with %d", h.answered)
	return true
}

// chunkLine takes bytes of a chunk-size line.
func (h *half) chunkLine(b []byte, at uint64, emit protocol.Emit) int {
	if h.expectWait && h.bodyN == 0 && len(h.buf) == 0 && h.noBodyAfterFinal(b) {
		h.finish(at, emit)
		return 0
	}
	h.expectWait = false
	limit := h.p.lim.MaxHeaderBytes
	i := bytes.IndexByte(b, '\n')
	if len(h.buf) == 0 && i >= 0 {
		h.chunkSize(b[:i+1], at, emit)
		return i + 1
	}
	take := b
	if i >= 0 {
		take = b[:i+1]
	}
	if room := limit - len(h.buf); len(take) > room {
		take = take[:room]
	}
	h.buf = append(h.buf, take...)
	if take[len(take)-1] == '\n' {
		h.chunkSize(h.buf, at, emit)
		h.buf = h.buf[:0]
	} else if len(h.buf) >= limit {
		h.keepRaw(h.buf)
		h.buf = h.buf[:0]
		h.cut(at, emit, message.Limit, "chunk-size line longer than "+h.p.headLimit())
		h.st, h.boundary = stResync, false
	}
	return len(take)
}

// chunkSize acts on a complete chunk-size line.
func (h *half) chunkSize(line []byte, at uint64, emit protocol.Emit) {
	h.keepRaw(line)
	n, ok := parseChunkSize(line)
	switch {
	case !ok:
		h.cut(at, emit, message.Error, fmt.Sprintf("malformed chunk-size line %.40q", line))
		h.st, h.boundary = stResync, true
	case n == 0:
		h.st = stTrailers
		h.buf, h.ends, h.scan = h.buf[:0], h.ends[:0], 0
	default:
		h.st, h.rem = stChunkData, n
		// Make room for the chunk (and its CRLF) at once.
		m := &h.cur.m
		if room := int64(h.p.rawKeep - len(m.Raw)); !h.rawStop && room > 0 {
			if k := min(n+2, room, maxPrealloc); k > int64(cap(m.Raw)-len(m.Raw)) {
				m.Raw = slices.Grow(m.Raw, int(k))
			}
		}
		h.decoder().Grow(n)
	}
}

// parseChunkSize parses chunk-size [BWS] [; extensions] CRLF. Bare LF and
// trailing whitespace are tolerated.
func parseChunkSize(line []byte) (int64, bool) {
	line = bytes.TrimRight(line, "\r\n")
	var n int64
	i := 0
	for ; i < len(line); i++ {
		c := line[i]
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			v = c - 'A' + 10
		default:
			goto end
		}
		if i >= 15 {
			return 0, false // more than 2^60: no real chunk is that long
		}
		n = n<<4 | int64(v)
	}
end:
	if i == 0 {
		return 0, false
	}
	rest := bytes.TrimLeft(line[i:], " \t")
	if len(rest) > 0 && rest[0] != ';' {
		return 0, false
	}
	return n, true
}

// chunkData takes bytes of chunk data.
func (h *half) chunkData(b []byte) int {
	n := int(min(h.rem, int64(len(b))))
	h.keepRaw(b[:n])
	h.bodyBytes(b[:n])
	h.rem -= int64(n)
	if h.rem == 0 {
		h.st, h.cr = stChunkEnd, false
	}
	return n
}

// chunkEnd takes the CRLF (or bare LF) after chunk data.
func (h *half) chunkEnd(b []byte, at uint64, emit protocol.Emit) int {
	switch {
	case b[0] == '\r' && !h.cr:
		h.cr = true
		h.keepRaw(b[:1])
		return 1
	case b[0] == '\n':
		h.keepRaw(b[:1])
		h.st = stChunkLine
		h.buf = h.buf[:0]
		return 1
	}
	h.cut(at, emit, message.Error, "chunk data not followed by CRLF")
	h.st, h.boundary = stResync, true
	return 0
}

// trailers gathers the trailer section after the last chunk.
func (h *half) trailers(b []byte, at uint64, emit protocol.Emit) int {
	limit := h.p.lim.MaxHeaderBytes
	if len(h.buf) == 0 {
		n, next, ends := scanHead(b, 0, 0, h.ends[:0])
		h.ends = ends
		switch {
		case n > 0 && n <= limit:
			h.endTrailers(b[:n], at, emit)
			return n
		case n < 0 && len(b) < limit:
			h.buf = append(h.buf, b...)
			h.scan = next
			return len(b)
		}
		h.trailersTooLong(b[:limit], at, emit)
		return limit
	}
	old := len(h.buf)
	take := b[:min(len(b), limit-old)]
	h.buf = append(h.buf, take...)
	n, next, ends := scanHead(h.buf, h.scan, old, h.ends)
	h.ends, h.scan = ends, next
	if n > 0 {
		h.endTrailers(h.buf[:n], at, emit)
		h.buf = h.buf[:0]
		return n - old
	}
	if len(h.buf) >= limit {
		h.trailersTooLong(h.buf, at, emit)
		h.buf = h.buf[:0]
	}
	return len(take)
}

func (h *half) trailersTooLong(b []byte, at uint64, emit protocol.Emit) {
	h.keepRaw(b)
	h.cut(at, emit, message.Limit, "trailer section longer than "+h.p.headLimit())
	h.st, h.boundary = stResync, false
}

// endTrailers takes the complete trailer section b and ends the message.
func (h *half) endTrailers(b []byte, at uint64, emit protocol.Emit) {
	h.keepRaw(b)
	m := &h.cur.m
	m.HTTP.Trailers = h.parseFields(b, h.ends, m)
	h.finish(at, emit)
}

// holdBytes keeps what a client sends after an upgrade or CONNECT request
// until the response says whether it is still HTTP/1.
func (h *half) holdBytes(b []byte, at uint64, emit protocol.Emit) int {
	hd := h.heldp()
	if len(hd.hold)+len(b) > h.p.lim.MaxBuffer {
		h.notes = append(h.notes, message.Note{Kind: message.Limit,
			Text: fmt.Sprintf("more than %d bytes sent before the response to an upgrade: parsed as HTTP/1", h.p.lim.MaxBuffer)})
		h.release(emit)
		return 0
	}
	hd.hold = append(hd.hold, b...)
	hd.segs = append(hd.segs, seg{at: at, n: len(b)})
	return len(b)
}

// release parses the held bytes as HTTP/1 after all.
func (h *half) release(emit protocol.Emit) {
	if h.st != stHold {
		return
	}
	h.st = stIdle
	hd := h.heldp()
	hold, segs := hd.hold, hd.segs
	h.held = nil
	off := 0
	for _, s := range segs {
		switch {
		case s.gap && h.p.up != nil:
			h.p.up.Gap(h.dir, s.n, s.at, emit)
		case s.gap:
			h.gap(s.n, s.at, emit)
		default:
			if err := h.p.Feed(h.dir, hold[off:off+s.n], s.at, emit); err != nil {
				h.p.fail(err)
			}
			off += s.n
		}
	}
}

// finish emits the message in progress, its last byte having come at at.
func (h *half) finish(at uint64, emit protocol.Emit) {
	mm := h.cur
	m := &mm.m
	m.End = at
	h.endBody(m)
	m.RawCut = m.Size - int64(len(m.Raw))
	h.cur = nil
	h.st = stIdle
	var (
		sw      bool
		connect bool
		release bool
		upgrade = h.upgrade
		req     *message.HTTP
	)
	// Drop what would keep the message's head alive after it: an idle
	// connection holds little.
	h.ctype, h.upgrade = "", ""
	if m.Type == message.Request {
		if e := h.p.q[h.dir].get(h.seq); e != nil {
			e.done, e.end = true, at
			if (e.upgrade != "" || e.connect) && e.final == 0 && !m.Partial {
				h.st = stHold
			}
		}
	} else {
		status := m.HTTP.Status
		var e *pending
		if h.paired {
			e = h.p.q[h.dir.Other()].get(h.seq)
		}
		if e != nil {
			req = e.req
			if upgrade == "" {
				upgrade = e.upgrade
			}
			end := e.end
			if !e.done {
				end = h.p.half[h.dir.Other()].lastAt
			}
			x := mm.extra()
			x.lat = message.Latency{First: since(m.Start, end), Last: since(m.End, end)}
			m.Latency = &x.lat
		}
		switch {
		case status == 101 && !m.Partial:
			sw = true
		case e != nil && e.connect && status/100 == 2 && !m.Partial:
			sw, connect = true, true
		case e != nil && (e.upgrade != "" || e.connect) && status >= 200:
			release = true
		}
		if e != nil && status >= 200 {
			if c := &h.p.half[h.dir.Other()]; c.cur != nil && c.seq == e.seq {
				c.answered = status
			}
			q, seq := &h.p.q[h.dir.Other()], e.seq
			q.pop(seq) // clears *e
			if q.doubt.on(seq) && q.front() == nil {
				q.doubt = doubt{} // in step again (see doubt)
			}
		}
	}
	if !sw {
		h.p.emit(m, emit)
		if release {
			h.p.half[h.dir.Other()].release(emit)
		}
		return
	}
	spec, note := h.p.switchTarget(upgrade, connect)
	m.AddNote(message.Info, "%s", note)
	h.p.emit(m, emit)
	if err := h.p.switchTo(spec, h.dir, req, m.HTTP, emit); err != nil {
		h.p.fail(err)
	}
}

// since returns t-from, or 0 if t is earlier.
func since(t, from uint64) uint64 {
	if t < from {
		return 0
	}
	return t - from
}

// endBody sets the Body of m from the body in progress, if it has one.
func (h *half) endBody(m *message.Message) {
	if !h.hasBody {
		return
	}
	h.hasBody = false
	if h.bodyN == 0 {
		if !h.alias {
			h.releaseDecoder()
		}
		return
	}
	if !h.alias {
		h.decoder().Finish(m, h.cur.body())
		h.releaseDecoder()
		return
	}
	data := m.Raw[min(h.headLen, len(m.Raw)):]
	if int64(len(data)) > h.p.bodyKeep {
		data = data[:h.p.bodyKeep]
	}
	b := h.cur.body()
	*b = message.Body{Data: data, Cut: h.bodyN - int64(len(data)), Size: h.bodyN, DecodedSize: h.bodyN,
		ContentType: h.ctype, Binary: body.Binary(h.ctype, data)}
	m.Body = b
}

// cut emits the message in progress as partial, with a note.
func (h *half) cut(at uint64, emit protocol.Emit, kind message.NoteKind, text string) {
	m := &h.cur.m
	m.Partial = true
	m.Notes = append(m.Notes, message.Note{Kind: kind, Text: text})
	h.finish(at, emit)
}

// gap handles n bytes lost at time at.
func (h *half) gap(n int, at uint64, emit protocol.Emit) {
	text := fmt.Sprintf("%d bytes not captured", n)
	switch h.st {
	case stBody, stChunkData:
		if int64(n) <= h.rem {
			h.lose(n, text)
			h.rem -= int64(n)
			if h.rem > 0 {
				return
			}
			if h.st == stChunkData {
				h.st, h.cr = stChunkEnd, false
				return
			}
			h.finish(at, emit)
			return
		}
		h.lose(int(h.rem), fmt.Sprintf("%d bytes not captured", h.rem))
		h.cut(at, emit, message.Gap, fmt.Sprintf("%d more bytes not captured past the end of the body", int64(n)-h.rem))
	case stClose:
		h.lose(n, text)
		return
	case stHold:
		hd := h.heldp()
		hd.segs = append(hd.segs, seg{at: at, n: n, gap: true})
		return
	case stIdle:
		h.notes = append(h.notes, message.Note{Kind: message.Gap, Text: text + " between messages"})
	case stResync:
		h.junkp().notes = append(h.junkp().notes, message.Note{Kind: message.Gap, Text: text})
		h.junkp().size += int64(n)
		h.junkp().end = at
	case stHead:
		if h.lineOK {
			h.partialHead(h.buf, at, emit, message.Gap, text+" in the head")
		} else {
			h.skip(h.buf, h.headAt)
			h.junkp().notes = append(h.junkp().notes, message.Note{Kind: message.Gap, Text: text})
		}
		h.buf = h.buf[:0]
	default: // chunk line, chunk end, trailers
		if len(h.buf) > 0 {
			h.keepRaw(h.buf)
			h.buf = h.buf[:0]
		}
		h.cut(at, emit, message.Gap, text+" in the chunked framing")
	}
	h.st, h.boundary = stResync, true
	h.p.lost(h.dir)
}

// lose counts n body bytes of the message in progress as not captured.
func (h *half) lose(n int, text string) {
	m := &h.cur.m
	m.Partial = true
	m.Notes = append(m.Notes, message.Note{Kind: message.Gap, Text: text})
	m.Size += int64(n)
	h.rawStop = true
	h.bodyN += int64(n)
	if !h.alias {
		h.decoder().Gap(n)
	}
}

// flush emits what the direction has pending.
func (h *half) flush(why protocol.End, emit protocol.Emit) {
	h.release(emit)
	if h.p.up != nil {
		return
	}
	text := "the connection was " + why.String() + " before the end of the message"
	if why == protocol.Closed {
		text = "the connection closed before the end of the message"
	}
	switch h.st {
	case stHead:
		if h.lineOK {
			h.partialHead(h.buf, h.lastAt, emit, message.Info, text)
		} else {
			h.skip(h.buf, h.headAt)
		}
	case stClose:
		if why == protocol.Closed {
			// Complete, but only the close says so: a close that came
			// early looks the same.
			h.cur.m.AddNote(message.Info, "body delimited by the connection's close")
			h.finish(h.lastAt, emit)
		} else {
			h.cut(h.lastAt, emit, message.Info, text)
		}
	case stBody, stChunkLine, stChunkData, stChunkEnd, stTrailers:
		if len(h.buf) > 0 {
			h.keepRaw(h.buf)
		}
		h.cut(h.lastAt, emit, message.Info, text)
	}
	h.buf = h.buf[:0]
	h.st = stIdle
	h.emitJunk(emit)
	h.releaseDecoder()
}
