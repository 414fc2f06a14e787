package http2

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// DefaultMaxTunnels is how many WebSockets carried by streams of one
// connection (RFC 8441) a Parser decodes at once. The DATA of a stream
// accepted past it are shown as they are, as HTTP/2 messages of that
// stream, with a limit note on its response.
const DefaultMaxTunnels = 8

// tunnelParser is the name of the protocol an extended CONNECT whose
// :protocol is websocket hands its stream to, found with Config.Lookup.
const tunnelParser = "websocket"

// tunnelMode is where an extended CONNECT stream is.
type tunnelMode uint8

const (
	tunWait   tunnelMode = iota // the request was emitted; its response has not come
	tunOpen                     // a 2xx came: the stream's DATA go to the tunnel's parser
	tunOff                      // not decoded (refused, no room, the parser failed): DATA are stream messages
	tunClosed                   // over
)

// tunnel is a stream opened by an extended CONNECT (RFC 8441) that asks
// for a WebSocket: its request and 2xx response are emitted when their
// HEADERS end, since the stream's halves last as long as the WebSocket,
// and its DATA, in both directions, go to the websocket parser.
type tunnel struct {
	mode     tunnelMode
	spec     protocol.Spec
	req      *message.HTTP // the request's head, shared with its message
	status   int           // the final response's status, 0 before it
	accepted bool          // its 2xx response was emitted at its HEADERS
	why      string        // tunOff: why the DATA are not decoded

	parser protocol.Parser
	emit   protocol.Emit

	// early holds the DATA the client sent before the response, within
	// the buffer budget of the connection (Parser.rawHeld). After them
	// come lost bytes that were not captured (unknown is set when a loss
	// of frame boundaries made their count unsure) and dropped bytes that
	// came past the budget, or after a loss: nothing is held after either.
	early   []byte
	earlyAt uint64
	lost    int
	dropped int
	unknown bool
}

// headSent reports whether pt's head was emitted at its HEADERS while
// the half goes on.
func (tn *tunnel) headSent(pt *part) bool { return pt.req || tn.accepted }

// lostReporter is a tunnel parser that can be told that bytes were lost
// without their number, as websocket.Parser can.
type lostReporter interface {
	Lost(dir event.Dir, at uint64, emit protocol.Emit)
}

// connectRequest makes st a tunnel when the request head in pt asks for a
// WebSocket with an extended CONNECT (:method CONNECT, :protocol
// websocket, the stream left open) and Config.Lookup finds a websocket
// parser: the request is emitted at once. It reports whether it did.
func (p *Parser) connectRequest(st *stream, pt *part, end bool, at uint64) bool {
	h := pt.mm.m.HTTP
	if end || h.Method != "CONNECT" || p.cfg.Lookup == nil {
		return false
	}
	if !strings.EqualFold(fieldValue(h.Headers, ":protocol"), tunnelParser) {
		return false
	}
	spec, ok := p.cfg.Lookup(tunnelParser)
	if !ok || spec.New == nil {
		return false
	}
	st.tn = &tunnel{spec: spec, req: h}
	p.emitHead(pt, at)
	return true
}

// connectResponse takes the final response head in pt of a tunnel
// waiting for it. A 2xx that leaves the stream open is emitted at once
// and the tunnel's parser made, fed what the client sent before it; it
// reports true. Anything else refuses the tunnel: the response is an
// ordinary one, and it reports false.
func (p *Parser) connectResponse(s *side, st *stream, pt *part, end bool, at uint64) bool {
	tn := st.tn
	m := &pt.mm.m
	tn.status = m.HTTP.Status
	if tn.mode != tunWait {
		return false
	}
	if end || tn.status < 200 || tn.status > 299 {
		why := fmt.Sprintf("the server answered %d", tn.status)
		if end && tn.status >= 200 && tn.status <= 299 {
			why = "the server's response ended the stream"
		}
		p.tunnelOff(st, why)
		return false
	}
	tn.accepted = true
	if p.tunnels >= DefaultMaxTunnels {
		m.AddNote(message.Limit, "more than %d WebSockets over HTTP/2 on the connection: this stream's DATA are not decoded", DefaultMaxTunnels)
		p.emitHead(pt, at)
		p.tunnelOff(st, fmt.Sprintf("more than %d WebSockets on the connection", DefaultMaxTunnels))
		return true
	}
	m.AddNote(message.Info, "extended CONNECT (RFC 8441): the stream carries a WebSocket, handed to the %s parser", tn.spec.Name)
	if tn.dropped > 0 {
		m.AddNote(message.Limit, "%d bytes the client sent before this response were not kept (past the %d-byte buffer): the WebSocket reads them as lost", tn.dropped, p.lim.MaxBuffer)
	}
	// The parser reads the heads as it is made, before they are handed
	// on with the response.
	cfg := p.cfg
	cfg.Upgrade = &protocol.Upgrade{Server: s.dir, Request: tn.req, Response: m.HTTP}
	tn.parser = tn.spec.New(cfg)
	p.emitHead(pt, at)
	tn.mode = tunOpen
	p.tunnels++
	p.stats.Tunnels++
	id := st.id
	tn.emit = func(wm *message.Message) {
		// The stream carrying the WebSocket, whatever parser the
		// list holds for it.
		if wm.WS != nil && wm.WS.Stream == 0 {
			wm.WS.Stream = id
		}
		p.emit(wm)
	}
	if len(tn.early) > 0 {
		early := tn.early
		tn.early = nil
		p.rawHeld -= len(early)
		p.feedTunnel(st, st.init, early, tn.earlyAt)
	}
	if n := tn.lost + tn.dropped; n > 0 && tn.mode == tunOpen {
		lost := n
		tn.lost, tn.dropped = 0, 0
		if tn.unknown {
			p.loseTunnel(tn, st.init, lost, at)
		} else {
			tn.parser.Gap(st.init, lost, at, tn.emit)
		}
	}
	return true
}

// emitHead emits the head of a half that goes on after it: a tunnel's
// request or 2xx response (or trailers). The half stays open.
func (p *Parser) emitHead(pt *part, at uint64) {
	mm := pt.mm
	m := &mm.m
	m.End = max(at, m.Start)
	if s := &p.side[pt.dir]; len(s.notes) > 0 {
		m.Notes = append(m.Notes, s.notes...)
		s.notes = nil
	}
	p.finishRaw(m)
	pt.mm = nil
	if pt.req {
		pt.st.reqDone, pt.st.reqEnd = true, m.End
	} else {
		p.pair(pt.st, mm)
	}
	p.emit(m)
}

// tunnelOff stops a tunnel from being decoded: from now on its DATA are
// messages of the stream's halves. What the client sent before the
// response starts the request half's message.
func (p *Parser) tunnelOff(st *stream, why string) {
	tn := st.tn
	tn.mode, tn.why = tunOff, why
	if len(tn.early) == 0 && tn.lost == 0 && tn.dropped == 0 {
		return
	}
	pt := &st.req
	if pt.mm == nil {
		p.beginOff(st, pt, st.init, tn.earlyAt)
	}
	m := &pt.mm.m
	m.Size += int64(len(tn.early) + tn.lost + tn.dropped)
	p.bodyBytes(pt, tn.early)
	if tn.lost+tn.dropped > 0 {
		p.bodyGap(pt, tn.lost+tn.dropped)
	}
	if tn.lost > 0 {
		m.AddNote(message.Gap, "%d bytes not captured", tn.lost)
	}
	if tn.dropped > 0 {
		m.AddNote(message.Limit, "%d bytes sent before the response not kept (past the %d-byte buffer)", tn.dropped, p.lim.MaxBuffer)
	}
	p.rawHeld -= len(tn.early)
	tn.early, tn.lost, tn.dropped = nil, 0, 0
	if pt.done {
		// The client's half ended before the response: nothing else
		// will end its message.
		p.endPart(pt, m.End)
	}
}

// beginOff begins the message of a tunnel half whose DATA are not
// decoded: a message of the stream after the head that was emitted.
func (p *Parser) beginOff(st *stream, pt *part, dir event.Dir, start uint64) {
	m := p.begin(pt, dir, start)
	if pt.req {
		m.HTTP.Method, m.HTTP.Target = st.method, st.target
	} else {
		m.HTTP.Status = st.tn.status
	}
	m.AddNote(message.Info, "DATA of the extended CONNECT stream %d, not decoded: %s", st.id, st.tn.why)
}

// tunnelOf returns the stream id when its DATA from side s go to a
// tunnel: one whose parser is open, or waiting for its response (the
// client's DATA are then held). It returns nil otherwise.
func (p *Parser) tunnelOf(s *side, id uint32) *stream {
	st := p.streams[id]
	if st == nil || st.tn == nil {
		return nil
	}
	pt := p.partFor(st, s.dir)
	if pt.done {
		return nil
	}
	switch st.tn.mode {
	case tunOpen:
	case tunWait:
		if !pt.req {
			return nil
		}
	default:
		return nil
	}
	p.tick++
	st.last = p.tick
	return st
}

// tunnelFrame takes a whole DATA frame of side s if it belongs to a
// tunnel, and reports whether it did.
func (p *Parser) tunnelFrame(s *side, id uint32, data []byte, end bool, start, at uint64) bool {
	st := p.tunnelOf(s, id)
	if st == nil {
		st = p.streams[id]
		if st == nil || st.tn == nil || st.tn.mode != tunOff || len(data) > 0 || !end {
			return false
		}
		pt := p.partFor(st, s.dir)
		if pt.done || pt.mm != nil || !st.tn.headSent(pt) {
			return false
		}
		// An empty frame that only ends a half whose DATA are not
		// decoded and that sent none: no message.
		p.tunnelHalfEnd(st, pt, at)
		return true
	}
	p.toTunnel(s, st, data, start, at)
	if end {
		p.tunnelHalfEnd(st, p.partFor(st, s.dir), at)
	}
	return true
}

// toTunnel takes DATA payload of side s on a tunnel's stream.
func (p *Parser) toTunnel(s *side, st *stream, data []byte, start, at uint64) {
	tn := st.tn
	switch tn.mode {
	case tunWait:
		if len(data) == 0 {
			return
		}
		if len(tn.early) == 0 && tn.lost == 0 && tn.dropped == 0 {
			tn.earlyAt = start
		}
		n := 0
		if tn.lost == 0 && tn.dropped == 0 {
			n = min(max(p.lim.MaxBuffer-p.rawHeld, 0), len(data))
			tn.early = append(tn.early, data[:n]...)
			p.rawHeld += n
		}
		tn.dropped += len(data) - n
	case tunOpen:
		p.feedTunnel(st, s.dir, data, at)
	case tunOff:
		// The rest of a DATA frame taken as it comes, on a stream turned
		// off while it came: a message of the stream, if it is still
		// followed.
		pt := p.partFor(st, s.dir)
		if len(data) == 0 || pt.done || p.streams[st.id] != st {
			return
		}
		if pt.mm == nil {
			p.beginOff(st, pt, s.dir, start)
		}
		pt.mm.m.Size += int64(len(data))
		p.bodyBytes(pt, data)
	}
}

// feedTunnel hands bytes to an open tunnel's parser.
func (p *Parser) feedTunnel(st *stream, dir event.Dir, data []byte, at uint64) {
	tn := st.tn
	if len(data) == 0 || tn.mode != tunOpen {
		return
	}
	if err := tn.parser.Feed(dir, data, at, tn.emit); err != nil {
		tn.parser.Flush(protocol.Closed, tn.emit)
		p.countTunnel(tn.parser)
		tn.parser = nil
		p.tunnels--
		p.side[dir].notes = append(p.side[dir].notes, message.Note{Kind: message.Error,
			Text: fmt.Sprintf("the %s parser of stream %d gave up: %v", tn.spec.Name, st.id, err)})
		p.tunnelOff(st, fmt.Sprintf("the %s parser gave up", tn.spec.Name))
	}
}

// tunnelGap records n payload bytes of side s lost on a tunnel's stream.
func (p *Parser) tunnelGap(s *side, st *stream, n int, at uint64) {
	tn := st.tn
	switch tn.mode {
	case tunWait:
		if len(tn.early) == 0 && tn.lost == 0 && tn.dropped == 0 {
			tn.earlyAt = at
		}
		tn.lost += n
	case tunOpen:
		tn.parser.Gap(s.dir, n, at, tn.emit)
	}
}

// tunnelsLost tells every tunnel that direction dir lost n bytes whose
// frame boundaries are not known: how many of them were each stream's is
// not known either.
func (p *Parser) tunnelsLost(dir event.Dir, n int, at uint64) {
	var ids []uint32
	for id, st := range p.streams {
		if st.tn != nil && (st.tn.mode == tunOpen || st.tn.mode == tunWait) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		st := p.streams[id]
		tn := st.tn
		switch tn.mode {
		case tunWait:
			if dir == st.init && !st.req.done {
				if len(tn.early) == 0 && tn.lost == 0 && tn.dropped == 0 {
					tn.earlyAt = at
				}
				tn.lost += n
				tn.unknown = true
			}
		case tunOpen:
			p.loseTunnel(tn, dir, n, at)
		}
	}
}

// loseTunnel tells an open tunnel's parser that direction dir lost bytes
// of unknown number (at most n).
func (p *Parser) loseTunnel(tn *tunnel, dir event.Dir, n int, at uint64) {
	if l, ok := tn.parser.(lostReporter); ok {
		l.Lost(dir, at, tn.emit)
		return
	}
	tn.parser.Gap(dir, n, at, tn.emit)
}

// tunnelHalfEnd ends a half of a tunnel's stream (END_STREAM); once both
// have ended the tunnel's parser is flushed and the stream forgotten.
func (p *Parser) tunnelHalfEnd(st *stream, pt *part, at uint64) {
	if p.streams[st.id] != st {
		pt.done = true // reset or dropped while its frame came
		return
	}
	if st.tn.mode == tunOff {
		if pt.mm != nil {
			p.endPart(pt, at) // the half's DATA, not decoded
			return
		}
		pt.done = true
		p.closeIfDone(st)
		return
	}
	pt.done = true
	if st.req.done && st.resp.done {
		p.endTunnel(st, protocol.Closed, "")
		delete(p.streams, st.id)
	}
}

// endTunnel ends a tunnel whose stream ends: its parser is flushed; a
// tunnel waiting for its response is turned off, for the reason given,
// and what the client sent is left in the request half's message for the
// caller to emit.
func (p *Parser) endTunnel(st *stream, why protocol.End, reason string) {
	tn := st.tn
	switch tn.mode {
	case tunOpen:
		tn.parser.Flush(why, tn.emit)
		p.countTunnel(tn.parser)
		tn.parser = nil
		p.tunnels--
	case tunWait:
		p.tunnelOff(st, reason)
		return
	default:
		return
	}
	tn.mode = tunClosed
}

// tunnelHeaders takes a header block on a half of a tunnel whose head
// was emitted: trailers, emitted as a message of their own.
func (p *Parser) tunnelHeaders(s *side, st *stream, pt *part, fields []message.Header, notes []message.Note, raw []byte, end bool, at uint64) {
	b := &s.blk
	m := p.begin(pt, s.dir, b.at)
	if pt.req {
		m.HTTP.Method, m.HTTP.Target = st.method, st.target
	} else {
		m.HTTP.Status = st.tn.status
	}
	m.HTTP.Trailers = fields
	m.Size += b.size
	p.keepRaw(pt, raw)
	m.Notes = append(m.Notes, notes...)
	m.AddNote(message.Info, "trailers on the extended CONNECT stream %d", st.id)
	if !end {
		m.AddNote(message.Error, "trailers without END_STREAM")
	}
	p.emitHead(pt, at)
	if end {
		p.tunnelHalfEnd(st, pt, at)
	}
}
