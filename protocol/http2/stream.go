package http2

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/http2"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/body"
	"github.com/tapir-dev/tapir/protocol/grpc"
)

// block is a header block in progress: a HEADERS or PUSH_PROMISE frame
// and the CONTINUATION frames after it.
type block struct {
	on        bool
	stream    uint32
	promised  uint32 // PUSH_PROMISE: the promised stream
	push      bool
	endStream bool
	priority  bool
	at        uint64 // time of its first byte
	size      int64  // its frames' bytes
	raw       []byte // what of them is kept
	frames    int
	list      fieldList
}

func (b *block) start(stream uint32, push bool, promised uint32, end bool, at uint64) {
	b.on, b.stream, b.push, b.promised, b.endStream, b.priority = true, stream, push, promised, end, false
	b.at, b.size, b.raw, b.frames = at, 0, nil, 0
}

// msg is a message and everything it points to, in one allocation.
type msg struct {
	m    message.Message
	http message.HTTP
	body message.Body
	ref  message.RequestRef
	lat  message.Latency
}

// stream is one stream of the connection.
type stream struct {
	id        uint32
	req, resp part
	// init is the direction that opened the stream, whose half is the
	// request (for a pushed stream, the promise is the request and both
	// halves are the server's).
	init      event.Dir
	initKnown bool
	pushed    bool
	upgrade   bool // stream 1 after an h2c upgrade: its request came over HTTP/1.1
	// The request, once its head is known, for pairing.
	hasReq         bool
	method, target string
	reqDone        bool
	reqEnd         uint64
	last           uint64 // Parser.tick at its latest frame
	// tn is set for an extended CONNECT that asks for a WebSocket (RFC
	// 8441): its DATA go to the websocket parser.
	tn *tunnel
}

// part is one half of a stream: its request or its response.
type part struct {
	st      *stream
	req     bool
	dir     event.Dir
	mm      *msg // the message in progress, nil between messages
	done    bool // the half ended
	heads   int  // header blocks taken
	dataN   int64
	dec     *body.Decoder
	grpc    *grpc.Reader
	rawStop bool // a gap: Raw keeps nothing more
	// A body whose decoding waits for its first bytes (sniff): the
	// head's content type, coding and length.
	sniff         bool
	ctype, coding string
	size          int64
}

// stream returns the stream id, making it if it is new. It reports nil
// for a stream that was closed.
func (p *Parser) stream(id uint32, opens bool) *stream {
	p.tick++
	if st := p.streams[id]; st != nil {
		st.last = p.tick
		return st
	}
	par := id & 1
	if p.first[par] != 0 && id >= p.first[par] && id <= p.opened[par] {
		return nil // closed
	}
	if opens {
		if p.first[par] == 0 {
			p.first[par] = id
		}
		p.opened[par] = max(p.opened[par], id)
	}
	return p.reopen(id)
}

// reopen makes a stream for id again, closed or not.
func (p *Parser) reopen(id uint32) *stream {
	if len(p.streams) >= DefaultMaxStreams {
		p.evict()
	}
	st := &stream{id: id, last: p.tick}
	st.req.st, st.req.req = st, true
	st.resp.st = st
	p.streams[id] = st
	p.stats.Streams++
	return st
}

// evict drops the least recently active stream, emitting what it had in
// progress as partial.
func (p *Parser) evict() {
	var old *stream
	for _, st := range p.streams {
		if st.tn != nil && st.tn.mode == tunOpen {
			continue // at most DefaultMaxTunnels: others are there
		}
		if old == nil || st.last < old.last {
			old = st
		}
	}
	if old == nil {
		for _, st := range p.streams {
			if old == nil || st.last < old.last {
				old = st
			}
		}
	}
	p.stats.Evicted++
	text := fmt.Sprintf("stream dropped: more than %d streams open on the connection", DefaultMaxStreams)
	if old.tn != nil {
		p.endTunnel(old, protocol.Evicted, text)
	}
	for _, pt := range []*part{&old.req, &old.resp} {
		if pt.mm != nil {
			pt.mm.m.Partial = true
			pt.mm.m.AddNote(message.Limit, "%s", text)
			p.endPart(pt, pt.mm.m.End)
		}
	}
	delete(p.streams, old.id)
}

// closeIfDone forgets a stream whose halves are both over.
func (p *Parser) closeIfDone(st *stream) {
	if st.tn != nil && st.tn.accepted && !st.req.done {
		return // a tunnel's client may send after the server's half ended
	}
	if st.tn != nil && st.tn.mode == tunWait && st.resp.done {
		// The response ended without a head that answered the CONNECT
		// (its HEADERS were not captured): what the client sent is a
		// message of the stream.
		p.tunnelOff(st, "no response head answered it")
	}
	if st.req.mm == nil && st.resp.mm == nil && st.resp.done {
		delete(p.streams, st.id)
	}
}

// partFor returns the half of st that direction dir sends.
func (p *Parser) partFor(st *stream, dir event.Dir) *part {
	if st.pushed {
		return &st.resp
	}
	if !st.initKnown {
		st.initKnown = true
		st.init = dir.Other() // a body with no head seen: most likely a response
		if p.clientKnown {
			st.init = p.client
		}
	}
	if dir == st.init {
		return &st.req
	}
	return &st.resp
}

// decoder returns a body decoder for a stream half.
func (p *Parser) decoder() *body.Decoder {
	if n := len(p.decs); n > 0 {
		d := p.decs[n-1]
		p.decs = p.decs[:n-1]
		return d
	}
	return body.NewDecoder(p.lim)
}

func (p *Parser) release(d *body.Decoder) {
	if len(p.decs) < 8 {
		p.decs = append(p.decs, d)
	}
}

// begin starts the message of a half.
func (p *Parser) begin(pt *part, dir event.Dir, start uint64) *message.Message {
	mm := &msg{}
	pt.mm, pt.dir = mm, dir
	m := &mm.m
	m.Proto, m.Dir, m.Start, m.End = Name, dir, start, start
	m.Type = message.Response
	if pt.req {
		m.Type = message.Request
	}
	mm.http = message.HTTP{Version: "HTTP/2", Stream: pt.st.id}
	m.HTTP = &mm.http
	return m
}

// keepRaw keeps wire bytes of a half's message, within the display limit
// and a budget of Limits.MaxBuffer for all the halves in progress.
func (p *Parser) keepRaw(pt *part, b []byte) {
	if pt.rawStop || pt.mm == nil {
		return
	}
	m := &pt.mm.m
	room := min(p.rawKeep-len(m.Raw), p.lim.MaxBuffer-p.rawHeld)
	if room <= 0 {
		return
	}
	n := min(room, len(b))
	m.Raw = append(m.Raw, b[:n]...)
	p.rawHeld += n
}

// noRaw stops keeping wire bytes for a half cut by a gap.
func (p *Parser) noRaw(pt *part) { pt.rawStop = true }

// bodyBytes takes DATA payload of a half.
func (p *Parser) bodyBytes(pt *part, b []byte) {
	if len(b) == 0 {
		return
	}
	pt.dataN += int64(len(b))
	if pt.sniff {
		p.sniffBody(pt, b)
	}
	if pt.grpc != nil {
		pt.grpc.Write(b)
		return
	}
	if pt.dec == nil {
		pt.dec = p.decoder()
		pt.dec.Reset("", "", -1)
	}
	pt.dec.Write(b)
}

// bodyGap records n payload bytes of a half as lost.
func (p *Parser) bodyGap(pt *part, n int) {
	pt.dataN += int64(n)
	if pt.sniff {
		p.sniffBody(pt, nil)
	}
	if pt.grpc != nil {
		pt.grpc.Gap(n)
		return
	}
	if pt.dec == nil {
		pt.dec = p.decoder()
		pt.dec.Reset("", "", -1)
	}
	pt.dec.Gap(n)
}

// dataPart returns the half a DATA frame of side s on stream id feeds,
// its message begun; nil when the frame is to be ignored.
func (p *Parser) dataPart(s *side, id uint32, start uint64) *part {
	st := p.stream(id, false)
	if st == nil {
		return nil
	}
	pt := p.partFor(st, s.dir)
	if pt.done {
		s.notes = append(s.notes, message.Note{Kind: message.Error,
			Text: fmt.Sprintf("DATA on stream %d after the end of its %s", id, halfName(pt))})
		return nil
	}
	if pt.mm == nil && st.tn != nil && st.tn.headSent(pt) {
		p.beginOff(st, pt, s.dir, start)
	}
	if pt.mm == nil {
		m := p.begin(pt, s.dir, start)
		if pt.req {
			m.HTTP.Method, m.HTTP.Target = "?", "?"
		} else {
			m.HTTP.Reason = "?"
		}
		m.AddNote(message.Gap, "the HEADERS of stream %d were not captured", id)
		pt.sniff, pt.ctype, pt.coding, pt.size = true, "", "", -1
	}
	return pt
}

func halfName(pt *part) string {
	if pt.req {
		return "request"
	}
	return "response"
}

// blockFrag takes a fragment of the header block in progress; fb is its
// frame.
func (s *side) blockFrag(frag []byte, end bool, fb []byte, at uint64) {
	p := s.p
	b := &s.blk
	if b.frames == 0 {
		b.list.reset(p.lim.MaxHeaders, p.lim.MaxHeaderBytes)
	}
	b.frames++
	b.size += int64(len(fb))
	if room := min(p.rawKeep-len(b.raw), p.lim.MaxBuffer-p.rawHeld); room > 0 {
		n := min(room, len(fb))
		b.raw = append(b.raw, fb[:n]...)
		p.rawHeld += n
	}
	s.hpack().write(frag, end, &b.list)
	if end {
		b.on = false
		s.headerBlock(at, nil)
	}
}

// blockCut ends a header block that will not be completed: what was
// decoded of it is emitted as partial.
func (s *side) blockCut(text string, at uint64) {
	b := &s.blk
	if !b.on {
		return
	}
	b.on = false
	s.hpack().abandon()
	s.headerBlock(at, &message.Note{Kind: message.Gap, Text: "header block cut: " + text})
}

// headerBlockLost handles a frame of type h.typ that could not be parsed
// or was skipped: if it carried a header block, the HPACK table misses
// what the block added.
func (s *side) headerBlockLost(h hdr, text string, at uint64) {
	switch h.typ {
	case typeHeaders, typeContinuation, typePushPromise:
		if s.blk.on {
			s.blockCut(text, at)
		}
		s.hpack().lose()
	}
}

// blockNotes returns the notes a decoded header block calls for.
func (s *side) blockNotes(l *fieldList, notes []message.Note) []message.Note {
	if l.unknown > 0 {
		idx := make([]string, len(l.unknownIdx))
		for i, v := range l.unknownIdx {
			idx[i] = strconv.FormatUint(v, 10)
		}
		list := strings.Join(idx, ", ")
		if l.unknown > len(l.unknownIdx) {
			list += ", ..."
		}
		s.p.stats.UnknownFields += uint64(l.unknown)
		if l.badIndex {
			notes = append(notes, message.Note{Kind: message.Error,
				Text: fmt.Sprintf("%d header fields refer to HPACK indexes past the dynamic table (%s)", l.unknown, list)})
		} else {
			notes = append(notes, message.Note{Kind: message.Gap,
				Text: fmt.Sprintf("%d header fields refer to HPACK dynamic-table entries added before the capture began or in bytes not captured (index %s): shown as %s", l.unknown, list, unknownName)})
		}
	}
	if l.dropped > 0 {
		notes = append(notes, message.Note{Kind: message.Limit,
			Text: fmt.Sprintf("%d header fields (%d bytes) dropped: past the limit of %d fields or %d bytes", l.dropped, l.droppedBytes, l.maxFields, l.maxBytes)})
	}
	for _, e := range l.errs {
		notes = append(notes, message.Note{Kind: message.Error, Text: "HPACK: " + e})
	}
	if l.sizeUpdateTooLarge {
		notes = append(notes, message.Note{Kind: message.Error,
			Text: "HPACK: dynamic table size update larger than SETTINGS_HEADER_TABLE_SIZE"})
	}
	return notes
}

// headerBlock acts on the header block in s.blk, complete or, with cut,
// not.
func (s *side) headerBlock(at uint64, cut *message.Note) {
	p := s.p
	b := &s.blk
	fields := b.list.fields
	b.list.fields = nil
	notes := s.blockNotes(&b.list, nil)
	if cut != nil {
		notes = append(notes, *cut)
	}
	raw := b.raw
	b.raw = nil
	p.rawHeld -= len(raw) // counted again where it is kept
	if b.push {
		s.promise(fields, notes, raw, at, cut != nil)
		return
	}
	st := p.stream(b.stream, true)
	if st == nil {
		// A stream that ended: its frames came late (the direction's frame
		// boundaries were found after the other's moved on) or the peer
		// broke the rules. Either way, show the exchange.
		if p.preface && s.began {
			s.notes = append(s.notes, message.Note{Kind: message.Info,
				Text: fmt.Sprintf("HEADERS on stream %d, which had ended", b.stream)})
		}
		st = p.reopen(b.stream)
	}
	if !st.initKnown && !st.pushed {
		switch {
		case hasField(fields, ":method"):
			st.init = s.dir
			if st.id&1 == 1 {
				p.setClient(s.dir)
			}
		case hasField(fields, ":status"):
			st.init = s.dir.Other()
			if st.id&1 == 1 {
				p.setClient(s.dir.Other())
			}
		case p.clientKnown:
			st.init = p.client
		default:
			st.init = s.dir
		}
		st.initKnown = true
	}
	pt := p.partFor(st, s.dir)
	if pt.done {
		s.notes = append(s.notes, message.Note{Kind: message.Error,
			Text: fmt.Sprintf("HEADERS on stream %d after the end of its %s", st.id, halfName(pt))})
		return
	}
	if st.tn != nil && pt.mm == nil && st.tn.headSent(pt) {
		p.tunnelHeaders(s, st, pt, fields, notes, raw, b.endStream, at)
		return
	}
	trailers := pt.mm != nil
	var m *message.Message
	if trailers {
		m = &pt.mm.m
		m.HTTP.Trailers = fields
	} else {
		m = p.begin(pt, s.dir, b.at)
		h := m.HTTP
		h.Headers = fields
		h.Method = fieldValue(fields, ":method")
		if v := fieldValue(fields, ":status"); v != "" {
			h.Status, _ = strconv.Atoi(v)
		}
		h.Target = fieldValue(fields, ":path")
		if h.Method == "CONNECT" && !hasField(fields, ":protocol") || h.Target == "" {
			h.Target = fieldValue(fields, ":authority")
		}
	}
	m.Size += b.size
	p.keepRaw(pt, raw)
	m.Notes = append(m.Notes, notes...)
	pt.heads++
	switch {
	case trailers:
		if !b.endStream {
			m.AddNote(message.Error, "trailers without END_STREAM")
		}
		p.endPart(pt, at)
	case cut != nil:
		m.Partial = true
		p.endPart(pt, at)
	case !pt.req && m.HTTP.Status >= 100 && m.HTTP.Status < 200 && !b.endStream:
		// An interim response: shown on its own; the final one follows.
		p.endInterim(pt, at)
	default:
		if pt.req {
			st.hasReq, st.method, st.target = true, m.HTTP.Method, m.HTTP.Target
			if p.connectRequest(st, pt, b.endStream, at) {
				return
			}
		} else if st.tn != nil && p.connectResponse(s, st, pt, b.endStream, at) {
			return
		}
		p.startBody(pt, fields)
		if b.endStream {
			p.endPart(pt, at)
		}
	}
}

// startBody prepares a half for its DATA, from its head. When the head
// has fields whose HPACK entries were not seen and the content type or
// coding is not known, the body's first bytes decide (sniffBody).
func (p *Parser) startBody(pt *part, fields []message.Header) {
	ctype := fieldValue(fields, "content-type")
	if grpc.Is(ctype) {
		pt.grpc = grpc.NewReader(p.lim, fieldValue(fields, "grpc-encoding"), ctype)
		return
	}
	pt.ctype, pt.coding = ctype, fieldValue(fields, "content-encoding")
	pt.size = -1
	if v := fieldValue(fields, "content-length"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			pt.size = n
		}
	}
	unknown := hasUnknown(fields)
	if unknown && (pt.ctype == "" || pt.ctype == unknownValue || pt.coding == "" || pt.coding == unknownValue) {
		pt.sniff = true
		return
	}
	pt.dec = p.decoder()
	pt.dec.Reset(pt.coding, pt.ctype, pt.size)
}

// hasUnknown reports whether fields hold one that stands for an HPACK
// entry not seen.
func hasUnknown(fields []message.Header) bool {
	for i := range fields {
		if fields[i].Name == unknownName || fields[i].Value == unknownValue {
			return true
		}
	}
	return false
}

// sniffBody chooses, from the first bytes of a body whose head is not
// known whole, how to decode it: gRPC messages, gzip, or as it is.
func (p *Parser) sniffBody(pt *part, b []byte) {
	pt.sniff = false
	m := &pt.mm.m
	ctypeKnown := pt.ctype != "" && pt.ctype != unknownValue
	codingKnown := pt.coding != "" && pt.coding != unknownValue
	if !ctypeKnown && looksGRPC(b, p.lim.MaxBody) {
		pt.grpc = grpc.NewReader(p.lim, "", "application/grpc")
		m.AddNote(message.Info, "content-type not known (its HPACK entry was not seen): the body reads as gRPC messages")
		return
	}
	coding := pt.coding
	if coding == unknownValue {
		coding = ""
	}
	if !codingKnown && len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		coding = "gzip"
		m.AddNote(message.Info, "content-encoding not known (its HPACK entry was not seen): gzip by its magic number")
	}
	ctype := pt.ctype
	if ctype == unknownValue {
		ctype = ""
	}
	pt.dec = p.decoder()
	pt.dec.Reset(coding, ctype, pt.size)
}

// looksGRPC reports whether b starts like a gRPC body: a compressed flag
// of 0 or 1 and a length that ends at the end of b, at another prefix, or
// past b (a message longer than the frame) within max.
func looksGRPC(b []byte, max int64) bool {
	if len(b) < 5 || b[0] > 1 {
		return false
	}
	end := 5 + int64(binary.BigEndian.Uint32(b[1:5]))
	switch {
	case end == int64(len(b)):
		return true
	case end < int64(len(b)):
		return len(b)-int(end) >= 5 && b[end] <= 1
	}
	return end <= max && len(b) >= 1024
}

// endInterim emits a 1xx response; the half waits for its final one.
func (p *Parser) endInterim(pt *part, at uint64) {
	mm := pt.mm
	m := &mm.m
	m.End = at
	p.pair(pt.st, mm)
	p.finishRaw(m)
	pt.mm = nil
	p.emit(m)
}

// endPart emits the message of a half whose last byte came at at.
func (p *Parser) endPart(pt *part, at uint64) {
	mm := pt.mm
	if mm == nil {
		return
	}
	st := pt.st
	m := &mm.m
	m.End = max(at, m.Start)
	switch {
	case pt.grpc != nil:
		pt.grpc.Finish(m, &mm.body)
		pt.grpc = nil
		grpcCall(m, st)
	case pt.dec != nil:
		if pt.dataN > 0 {
			pt.dec.Finish(m, &mm.body)
		} else {
			pt.dec.Discard()
		}
		p.release(pt.dec)
		pt.dec = nil
	}
	if s := &p.side[pt.dir]; len(s.notes) > 0 {
		m.Notes = append(m.Notes, s.notes...)
		s.notes = nil
	}
	p.finishRaw(m)
	pt.mm = nil
	pt.done = true
	if pt.req {
		st.reqDone, st.reqEnd = true, m.End
	} else {
		p.pair(st, mm)
		grpcStatus(m)
	}
	p.emit(m)
	p.closeIfDone(st)
}

// finishRaw sets what of the message's wire bytes Raw lacks, and gives
// back what it kept to the budget.
func (p *Parser) finishRaw(m *message.Message) {
	m.RawCut = max(m.Size-int64(len(m.Raw)), 0)
	p.rawHeld -= len(m.Raw)
}

// pair ties a response to its stream's request.
func (p *Parser) pair(st *stream, mm *msg) {
	m := &mm.m
	if !st.hasReq {
		if st.id == 1 && p.preface && st.req.mm == nil && !st.req.done {
			m.AddNote(message.Info, "the response to the HTTP/1.1 request that asked for the upgrade to h2c")
		}
		p.stats.Unpaired++
		return
	}
	mm.ref = message.RequestRef{Method: st.method, Target: st.target, Stream: st.id}
	m.Request = &mm.ref
	if st.reqDone && !st.upgrade {
		mm.lat = message.Latency{First: since(m.Start, st.reqEnd), Last: since(m.End, st.reqEnd)}
		m.Latency = &mm.lat
	}
}

// since returns t-from, or 0 if t is earlier.
func since(t, from uint64) uint64 {
	if t < from {
		return 0
	}
	return t - from
}

// grpcCall names the call of a gRPC half's message: the service and
// method of its request's :path.
func grpcCall(m *message.Message, st *stream) {
	path := st.target
	if m.Type == message.Request && m.HTTP != nil {
		path = m.HTTP.Target
	}
	if path != "" {
		m.GRPC.Service, m.GRPC.Method = grpc.SplitPath(path)
	}
}

// grpcStatus sets a gRPC response's status, and notes it when it is not
// OK.
func grpcStatus(m *message.Message) {
	h := m.HTTP
	if h == nil || m.GRPC == nil && !grpc.Is(fieldValue(h.Headers, "content-type")) {
		return
	}
	v := fieldValue(h.Trailers, "grpc-status")
	msgText := fieldValue(h.Trailers, "grpc-message")
	if v == "" {
		v = fieldValue(h.Headers, "grpc-status") // trailers-only
		msgText = fieldValue(h.Headers, "grpc-message")
	}
	if v != "" && v != unknownValue {
		if m.GRPC == nil {
			m.GRPC = new(message.GRPC)
			if m.Request != nil {
				m.GRPC.Service, m.GRPC.Method = grpc.SplitPath(m.Request.Target)
			}
		}
		grpc.SetStatus(m.GRPC, v, msgText)
	}
	if v == "" || v == "0" {
		return
	}
	code, err := strconv.Atoi(v)
	text := "grpc-status " + v
	if err == nil {
		text += " " + grpc.StatusName(code)
	}
	if msgText != "" {
		text += ": " + grpc.DecodeMessage(msgText)
	}
	m.AddNote(message.Info, "%s", text)
}

// promise emits the request a PUSH_PROMISE carries and opens the promised
// stream.
func (s *side) promise(fields []message.Header, notes []message.Note, raw []byte, at uint64, cut bool) {
	p := s.p
	b := &s.blk
	p.setClient(s.dir.Other())
	st := p.stream(b.promised, true)
	if st == nil {
		s.notes = append(s.notes, message.Note{Kind: message.Error,
			Text: fmt.Sprintf("PUSH_PROMISE of closed stream %d", b.promised)})
		return
	}
	st.pushed, st.initKnown, st.init = true, true, s.dir.Other()
	mm := &msg{}
	m := &mm.m
	m.Proto, m.Type, m.Dir, m.Start, m.End, m.Size = Name, message.Request, s.dir, b.at, at, b.size
	m.Raw = raw
	m.RawCut = max(b.size-int64(len(raw)), 0)
	mm.http = message.HTTP{Version: "HTTP/2", Stream: b.promised, Headers: fields,
		Method: fieldValue(fields, ":method"), Target: fieldValue(fields, ":path")}
	m.HTTP = &mm.http
	m.Notes = append(notes, message.Note{Kind: message.Info,
		Text: fmt.Sprintf("pushed by the server: PUSH_PROMISE on stream %d", b.stream)})
	m.Partial = cut
	st.hasReq, st.method, st.target, st.reqDone, st.reqEnd = true, m.HTTP.Method, m.HTTP.Target, true, at
	st.req.done = true
	p.emit(m)
}

// reset ends a stream on RST_STREAM from side s.
func (p *Parser) reset(s *side, id uint32, code http2.ErrCode, fb []byte, start, at uint64) {
	st := p.streams[id]
	if st == nil {
		return
	}
	text := fmt.Sprintf("stream reset by the %s: %v", p.role(s.dir), code)
	if st.tn != nil {
		p.endTunnel(st, protocol.Closed, text)
	}
	emitted := false
	for _, pt := range []*part{&st.req, &st.resp} {
		if pt.mm != nil {
			pt.mm.m.Partial = true
			pt.mm.m.AddNote(message.Info, "%s", text)
			p.endPart(pt, at)
			emitted = true
		}
	}
	if !emitted && !st.resp.done && !p.cfg.Frames {
		// Nothing was in progress: the reset answers the request.
		mm := &msg{}
		m := s.frameMessage(start, at, fb)
		m.Body.Data = describe(m.Body.Data, parseHdr(fb), &http2.RSTStreamFrame{ErrCode: code})
		mm.m = *m
		mm.m.AddNote(message.Info, "%s", text)
		p.pair(st, mm)
		p.emit(&mm.m)
	}
	st.req.done, st.resp.done = true, true
	delete(p.streams, id)
}

// flushStreams emits every half in progress, as partial, in stream order.
func (p *Parser) flushStreams(why protocol.End) {
	ids := make([]uint32, 0, len(p.streams))
	for id := range p.streams {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		st := p.streams[id]
		if st.tn != nil {
			p.endTunnel(st, why, "the connection ended before the response")
		}
		for _, pt := range []*part{&st.req, &st.resp} {
			if pt.mm == nil {
				continue
			}
			m := &pt.mm.m
			m.Partial = true
			if why == protocol.Closed {
				m.AddNote(message.Gap, "the connection closed before the end of the %s", halfName(pt))
			}
			p.endPart(pt, m.End)
		}
	}
	clear(p.streams)
	for d := range p.side {
		if s := &p.side[d]; len(s.notes) > 0 {
			m := &message.Message{Proto: Name, Type: message.Data, Dir: s.dir, Notes: s.notes}
			s.notes = nil
			p.emit(m)
		}
	}
}

// upgraded opens stream 1 for a connection upgraded from HTTP/1.1: its
// request is the HTTP/1.1 one, half-closed already.
func (p *Parser) upgraded(u *protocol.Upgrade) {
	p.setClient(u.Server.Other())
	p.first = [2]uint32{2, 1}
	st := p.stream(1, true)
	st.init, st.initKnown, st.upgrade = p.client, true, true
	st.req.done, st.reqDone = true, true
	if r := u.Request; r != nil {
		st.hasReq, st.method, st.target = true, r.Method, r.Target
		// HTTP2-Settings carries the client's SETTINGS (RFC 7540, 3.2.1).
		if v := fieldValue(r.Headers, "http2-settings"); v != "" {
			if b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "=")); err == nil {
				for ; len(b) >= 6; b = b[6:] {
					id, val := binary.BigEndian.Uint16(b), binary.BigEndian.Uint32(b[2:])
					srv := &p.side[u.Server]
					switch http2.SettingID(id) {
					case http2.SettingHeaderTableSize:
						srv.allowed = val
					case http2.SettingMaxFrameSize:
						srv.maxFrame = val
					}
				}
			}
		}
	}
}

// hasField reports whether fields hold one named name.
func hasField(fields []message.Header, name string) bool {
	for i := range fields {
		if fields[i].Name == name {
			return true
		}
	}
	return false
}

// fieldValue returns the value of the first field named name (lower
// case, as HTTP/2 sends them), or "".
func fieldValue(fields []message.Header, name string) string {
	for i := range fields {
		if fields[i].Name == name {
			return fields[i].Value
		}
	}
	return ""
}
