package http1

import (
	"bytes"
	"fmt"
	"math/bits"
	"strings"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/body"
)

// state is where a direction is in its stream of messages.
type state uint8

const (
	stIdle      state = iota // between messages
	stHead                   // gathering a head
	stBody                   // a body of known length: rem bytes to go
	stChunkLine              // a chunk-size line
	stChunkData              // chunk data: rem bytes to go
	stChunkEnd               // the CRLF after chunk data
	stTrailers               // the trailer section
	stClose                  // a body that ends when the connection does
	stHold                   // after an upgrade or CONNECT request, until its response
	stResync                 // skipping to the next start line
)

// msg is one message and what it points to, in one allocation with room
// for its header fields (see newMsg).
type msg struct {
	m    message.Message
	http message.HTTP
	// x is the message's Body, RequestRef and Latency, allocated with it
	// for a response (and requests likely to have a body); nil for other
	// requests, whose Body, should they have one, is allocated apart.
	x *extra
}

// extra is the part of a message that only responses always need.
type extra struct {
	body message.Body
	ref  message.RequestRef
	lat  message.Latency
}

// extra returns mm's extra part, allocating it if mm was made without.
func (mm *msg) extra() *extra {
	if mm.x == nil {
		mm.x = new(extra)
	}
	return mm.x
}

// body returns the room kept for mm's Body, or a new Body when mm was
// made without its extra part (a request seldom needs more than that).
func (mm *msg) body() *message.Body {
	if mm.x == nil {
		return new(message.Body)
	}
	return &mm.x.body
}

// seg is a piece of held bytes, or a gap among them.
type seg struct {
	at  uint64
	n   int
	gap bool
}

// junk is bytes skipped while looking for a start line.
type junk struct {
	active     bool
	start, end uint64
	size       int64
	raw        []byte
	notes      []message.Note
	// bad is where in raw a would-be start line that is not one begins,
	// or -1.
	bad int
}

// half is the state of one direction.
type half struct {
	p    *Parser
	dir  event.Dir
	st   state
	role lineKind // what this direction sends: requests or responses

	// Flags, together so that they pack.
	lineOK     bool // the start line is complete and valid
	resyncing  bool // the head was found by skipping bytes
	boundary   bool // resync: the next byte starts a line
	hasBody    bool
	alias      bool   // an identity body kept whole in Raw; Body.Data aliases it
	rawStop    bool   // a gap: Raw keeps nothing more
	cr         bool   // stChunkEnd: the CR came
	paired     bool   // response: it has a request
	expectWait bool   // request: Expect: 100-continue and no body byte yet
	closeSeen  bool   // a message said Connection: close
	lastAt     uint64 // time of the latest bytes

	// An unfinished head, chunk line or trailer section.
	buf    []byte
	scan   int     // start of the first line of buf not yet scanned
	ends   []int32 // offsets of the '\n' of the lines scanned
	headAt uint64  // time of the head's first byte

	// The message in progress, after its head.
	cur      *msg
	headLen  int
	rem      int64
	ctype    string
	bodyN    int64
	seq      uint64 // request: its place in the queue; response: its request's
	upgrade  string // response: its Upgrade field
	answered int    // request: the status of a final response that came before its end

	held *held // bytes held after an upgrade request (holdBytes)

	jk    *junk          // skipped bytes, while there are some (see junkp)
	notes []message.Note // for the next message of this direction
	dec   *body.Decoder  // while a body is decoded; from decoders
}

func (h *half) feed(b []byte, at uint64, emit protocol.Emit) error {
	h.lastAt = at
	for len(b) > 0 {
		if h.p.up != nil {
			return h.p.up.Feed(h.dir, b, at, emit)
		}
		var n int
		switch h.st {
		case stIdle:
			n = h.idle(b, at)
		case stHead:
			n = h.headBytes(b, at, emit)
		case stBody:
			n = h.fixed(b, at, emit)
		case stChunkLine:
			n = h.chunkLine(b, at, emit)
		case stChunkData:
			n = h.chunkData(b)
		case stChunkEnd:
			n = h.chunkEnd(b, at, emit)
		case stTrailers:
			n = h.trailers(b, at, emit)
		case stClose:
			h.keepRaw(b)
			h.bodyBytes(b)
			n = len(b)
		case stHold:
			n = h.holdBytes(b, at, emit)
		case stResync:
			n = h.resync(b, at, emit)
		}
		b = b[n:]
	}
	return nil
}

// idle skips the empty lines a sender may put between messages and starts
// a head at the first other byte.
func (h *half) idle(b []byte, at uint64) int {
	i := 0
	for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
		i++
	}
	h.p.stats.Skipped += int64(i)
	if i < len(b) {
		h.startHead(at)
	}
	return i
}

func (h *half) startHead(at uint64) {
	h.st = stHead
	h.headAt = at
	h.lineOK = false
	if cap(h.buf) > 8<<10 {
		h.buf = nil // a long head is rare: do not keep its buffer
	}
	h.buf = h.buf[:0]
	h.ends = h.ends[:0]
	h.scan = 0
}

// check checks the start line at the beginning of b.
func (h *half) check(b []byte) protocol.Verdict {
	rule := anyToken
	if h.resyncing {
		rule = registeredOnly
	}
	v, kind := startLineKind(b, rule)
	if v != protocol.No && h.resyncing && h.role != lineNone && kind != h.role {
		return protocol.No
	}
	return v
}

// headBytes gathers a head. A head that arrives whole is parsed where it
// lies; one that spans calls is gathered in buf, up to MaxHeaderBytes.
func (h *half) headBytes(b []byte, at uint64, emit protocol.Emit) int {
	limit := h.p.lim.MaxHeaderBytes
	if len(h.buf) == 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 || i >= limit {
			// No complete start line: judge what the limit allows of it,
			// as if it had come in pieces.
			line := b[:min(len(b), limit)]
			if h.check(line) == protocol.No {
				h.reject(line, false, at)
				return len(line)
			}
			if len(line) == limit {
				h.tooLong(line, at, emit)
				return limit
			}
			h.buf = append(h.buf, b...)
			return len(b)
		}
		if h.check(b[:i+1]) != protocol.Yes {
			h.reject(b[:i+1], true, at)
			return i + 1
		}
		h.lineOK = true
		n, next, ends := scanHead(b, i+1, i+1, append(h.ends[:0], int32(i)))
		h.ends = ends
		switch {
		case n > limit || n < 0 && len(b) >= limit:
			h.ends = trimEnds(h.ends, limit)
			h.tooLong(b[:limit], at, emit)
			return limit
		case n > 0:
			h.head(b[:n], at, emit)
			return n
		}
		h.buf = append(h.buf, b...)
		h.scan = next
		return len(b)
	}

	old := len(h.buf)
	take := b
	if !h.lineOK {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			take = b[:i+1]
		}
	}
	if room := limit - old; len(take) > room {
		take = take[:room]
	}
	h.buf = append(h.buf, take...)
	if !h.lineOK {
		// A start line that keeps coming is checked again only when it
		// ends, at the limit, and each time it doubles: linear time
		// however it is cut.
		eol := h.buf[len(h.buf)-1] == '\n'
		if !eol && len(h.buf) < limit && len(h.buf) > 64 && bits.Len(uint(old)) == bits.Len(uint(len(h.buf))) {
			return len(take)
		}
		switch h.check(h.buf) {
		case protocol.No:
			h.reject(h.buf, eol, at)
			h.buf = h.buf[:0]
		case protocol.NeedMore:
			if len(h.buf) >= limit {
				h.tooLong(h.buf, at, emit)
				h.buf = h.buf[:0]
			}
		case protocol.Yes:
			h.lineOK = true
			h.ends = append(h.ends[:0], int32(len(h.buf)-1))
			h.scan = len(h.buf)
		}
		return len(take)
	}
	n, next, ends := scanHead(h.buf, h.scan, old, h.ends)
	h.ends = ends
	if n > 0 {
		h.head(h.buf[:n], at, emit)
		h.buf = h.buf[:0]
		return n - old
	}
	h.scan = next
	if len(h.buf) >= limit {
		h.tooLong(h.buf, at, emit)
		h.buf = h.buf[:0]
	}
	return len(take)
}

// trimEnds drops the line ends at or past limit.
func trimEnds(ends []int32, limit int) []int32 {
	for len(ends) > 0 && int(ends[len(ends)-1]) >= limit {
		ends = ends[:len(ends)-1]
	}
	return ends
}

// reject turns the bytes of a would-be head whose start line is not one
// into skipped bytes, and starts looking for the next start line. eol says
// whether b ends a line.
func (h *half) reject(b []byte, eol bool, at uint64) {
	if !h.resyncing && h.junkp().bad < 0 {
		h.junkp().bad = len(h.junkp().raw)
	}
	h.skip(b, h.headAt)
	h.junkp().end = at
	h.st = stResync
	h.boundary = eol
}

// tooLong emits what there is of a head longer than MaxHeaderBytes as a
// partial message, or skips it if its start line is not complete.
func (h *half) tooLong(b []byte, at uint64, emit protocol.Emit) {
	text := "head longer than " + h.p.headLimit()
	if !h.lineOK {
		h.junkp().notes = append(h.junkp().notes, message.Note{Kind: message.Limit, Text: text})
		h.skip(b, h.headAt)
		h.st, h.boundary = stResync, false
		return
	}
	h.partialHead(b, at, emit, message.Limit, text)
	h.st, h.boundary = stResync, false
}

// partialHead emits the complete lines of an unfinished head as a partial
// message.
func (h *half) partialHead(b []byte, at uint64, emit protocol.Emit, kind message.NoteKind, text string) {
	hd := h.parseHead(b, h.ends, false)
	h.begin(&hd, b, 0, emit)
	h.cut(at, emit, kind, text)
}

// resync skips bytes up to the next line that starts with a request line
// (registered method) or status line, as this direction sends them.
func (h *half) resync(b []byte, at uint64, emit protocol.Emit) int {
	i := 0
	if !h.boundary {
		j := bytes.IndexByte(b, '\n')
		if j < 0 {
			h.skip(b, at)
			return len(b)
		}
		i = j + 1
	}
	h.resyncing = true
	for i < len(b) {
		if h.check(b[i:]) != protocol.No {
			h.skip(b[:i], at)
			h.startHead(at)
			return i
		}
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			h.skip(b, at)
			h.boundary = false
			return len(b)
		}
		i += j + 1
	}
	h.skip(b, at)
	h.boundary = true
	return len(b)
}

// skip adds b, from time at, to the skipped bytes.
func (h *half) skip(b []byte, at uint64) {
	if len(b) == 0 {
		return
	}
	j := h.junkp()
	if !j.active {
		j.active, j.start = true, at
	}
	j.end = max(j.end, at)
	j.size += int64(len(b))
	if room := h.p.rawKeep - len(j.raw); room > 0 {
		j.raw = append(j.raw, b[:min(room, len(b))]...)
	}
	h.p.stats.Skipped += int64(len(b))
}

// emitJunk emits the skipped bytes, if any, as a partial message of type
// Data, with the notes waiting for the next message.
func (h *half) emitJunk(emit protocol.Emit) {
	if h.jk == nil && len(h.notes) == 0 {
		return
	}
	j := h.junkp()
	m := &message.Message{
		Proto: Name, Type: message.Data, Dir: h.dir,
		Start: j.start, End: j.end, Size: j.size,
		Raw: j.raw, RawCut: j.size - int64(len(j.raw)),
		Partial: true,
		Notes:   append(h.notes, j.notes...),
	}
	if !j.active {
		m.Start, m.End = h.lastAt, h.lastAt
	}
	h.notes = nil
	if j.bad >= 0 {
		m.AddNote(message.Error, "not a request or status line: %.40q", j.raw[j.bad:])
	}
	if j.size > 0 {
		m.AddNote(message.Info, "%d bytes skipped: no HTTP/1 message found in them", j.size)
		m.Body = &message.Body{Data: j.raw, Cut: m.RawCut, Size: j.size, DecodedSize: j.size,
			Binary: body.Binary("", j.raw)}
	}
	h.jk = nil
	h.p.emit(m, emit)
}

// head takes a complete head, b, and sets up its body.
func (h *half) head(b []byte, at uint64, emit protocol.Emit) {
	if h.resyncing {
		h.p.stats.Resyncs++
	}
	hd := h.parseHead(b, h.ends, true)
	f := &hd.f
	var length int64 = -1
	var errText string
	chunked, closed, none := false, false, false
	if hd.rq {
		switch {
		case f.te && !f.chunked:
			errText = fmt.Sprintf("request body length unknown: Transfer-Encoding %q does not end in chunked", f.codings)
		case f.te:
			chunked = true
		case f.lengthErr:
			errText = "invalid Content-Length"
		case f.length > 0:
			length = f.length
		default:
			none = true
		}
	} else {
		status := hd.m.http.Status
		e := h.p.q[h.dir.Other()].front()
		switch {
		case status < 200:
			none = true
		case e != nil && e.head:
			none = true
		case status == 204 || status == 304:
			none = true
		case e != nil && e.connect && status < 300:
			none = true
		case f.te && f.chunked:
			chunked = true
		case f.te:
			closed = true
		case f.lengthErr:
			errText = "invalid Content-Length"
		case f.length == 0:
			none = true
		case f.length > 0:
			length = f.length
		default:
			closed = true
		}
	}
	hint := int64(0)
	if length > 0 {
		hint = length
	}
	h.begin(&hd, b, hint, emit)
	m := &h.cur.m
	if f.te && f.length >= 0 && !none {
		m.AddNote(message.Info, "Transfer-Encoding and Content-Length both present: Content-Length ignored")
	}
	switch {
	case errText != "":
		h.cut(at, emit, message.Error, errText)
		h.st, h.boundary = stResync, true
		return
	case none:
		h.finish(at, emit)
		return
	}
	h.hasBody = true
	h.ctype = f.ctype
	enc := joinList(f.encoding, f.codings)
	if enc == "" && length >= 0 && int64(h.headLen)+length <= int64(h.p.rawKeep) {
		h.alias = true
	} else {
		h.decoder().Reset(enc, f.ctype, length)
	}
	switch {
	case chunked:
		h.st = stChunkLine
		h.buf = h.buf[:0]
	case closed:
		h.st = stClose
	default:
		h.st = stBody
		h.rem = length
	}
}

// maxPrealloc bounds the room made in Raw for a body ahead of its bytes: a
// huge Content-Length costs nothing until its bytes come.
const maxPrealloc = 16 << 10

// begin makes hd's message the one in progress, its head being b. hint is
// the length of its body, if known, to size Raw.
func (h *half) begin(hd *head, b []byte, hint int64, emit protocol.Emit) {
	mm := hd.m
	m := &mm.m
	m.Start = h.headAt
	m.Size = int64(len(b))
	// Raw starts with the head, and the head's strings move there; when
	// the display limit keeps less than the head, they get a copy of
	// their own.
	rawCap := min(int64(len(b))+hint, int64(h.p.rawKeep), int64(len(b))+maxPrealloc)
	if rawCap > 0 {
		m.Raw = make([]byte, 0, rawCap)
		m.Raw = append(m.Raw, b[:min(len(b), h.p.rawKeep)]...)
	}
	if len(m.Raw) == len(b) {
		own(hd, b, m.Raw)
	} else {
		own(hd, b, bytes.Clone(b))
	}
	if h.jk != nil && h.jk.active {
		h.emitJunk(emit)
	} else if len(h.notes) > 0 {
		m.Notes = append(h.notes, m.Notes...)
		h.notes = nil
	}
	if h.closeSeen {
		m.AddNote(message.Info, "message after Connection: close")
	}
	h.resyncing = false
	if hd.f.close {
		h.closeSeen = true
	}
	h.cur = mm
	h.headLen = len(b)
	h.bodyN = 0
	h.hasBody, h.alias, h.rawStop = false, false, false
	h.paired, h.expectWait, h.answered = false, false, 0
	h.upgrade = ""
	if hd.rq {
		h.role = lineRequest
		e := pending{method: mm.http.Method, target: mm.http.Target, expect: hd.f.expect}
		if hint > 0 {
			// The queue, and the response's RequestRef, outlive the
			// request: their strings must not keep its Raw, and the body
			// in it, alive.
			e.method, e.target = ownMethod(e.method), strings.Clone(e.target)
		}
		e.head = mm.http.Method == "HEAD"
		e.connect = mm.http.Method == "CONNECT"
		if hd.f.upgrade != "" {
			e.upgrade = hd.f.upgrade
			e.req = &mm.http
		}
		h.seq = h.p.q[h.dir].push(e)
		h.expectWait = hd.f.expect
		return
	}
	h.role = lineStatus
	h.upgrade = hd.f.upgrade
	q := &h.p.q[h.dir.Other()]
	if e := q.front(); e != nil {
		h.seq, h.paired = e.seq, true
		x := mm.extra()
		x.ref = message.RequestRef{Method: e.method, Target: e.target}
		m.Request = &x.ref
		if mm.http.Status >= 200 {
			e.final = mm.http.Status
		}
		if q.doubt.on(e.seq) {
			m.AddNote(message.Info, "%s", q.doubt.note())
			h.p.stats.Doubtful++
		}
	} else {
		h.p.stats.Unpaired++
	}
}

// junkp returns the direction's skipped bytes, making the record of them
// on first use: most connections never skip a byte.
func (h *half) junkp() *junk {
	if h.jk == nil {
		h.jk = &junk{bad: -1}
	}
	return h.jk
}

// held is what a client sent after an upgrade or CONNECT request, kept
// until the response says whether the connection still speaks HTTP/1.
type held struct {
	hold []byte
	segs []seg
}

// heldp returns the held bytes, making the record on first use.
func (h *half) heldp() *held {
	if h.held == nil {
		h.held = &held{}
	}
	return h.held
}
