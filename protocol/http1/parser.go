package http1

import (
	"fmt"
	"math"
	"strings"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/raw"
)

// Parser parses both directions of one HTTP/1.x connection into messages:
// every request and response, in order, each emitted from within the Feed
// call that brings its last byte. Responses are paired with requests first
// in, first out. Either direction may be the client: the one that sends
// request lines is.
//
// A Parser is used by one goroutine at a time. It keeps none of the bytes
// given to Feed beyond what the limits allow for an unfinished head, chunk
// line or trailer section (MaxHeaderBytes), the bytes a client sends after
// an upgrade request until the response says what they are (MaxBuffer),
// and what is shown of each message (Raw, Body.Data).
type Parser struct {
	cfg      protocol.Config
	lim      protocol.Limits
	rawKeep  int   // wire bytes kept in Message.Raw
	bodyKeep int64 // body bytes kept in Body.Data
	half     [2]half
	q        [2]queue // requests sent by each direction, awaiting responses
	// up is the parser the connection was handed to after an upgrade or
	// a CONNECT tunnel; all bytes go to it.
	up     protocol.Parser
	upName string
	// err is an error of up met outside a call that could return it,
	// returned by the next Feed.
	err   error
	stats Stats
	// headCap is the MaxHeaderBytes asked for when MaxBuffer, smaller,
	// took its place; 0 otherwise.
	headCap int
}

// Stats counts what a Parser met. The same events are marked on the
// messages as notes; Stats is for callers that want the totals.
type Stats struct {
	// Emitted counts the messages emitted, those of them that were
	// incomplete, and their Error and Limit notes.
	protocol.Emitted
	// Gaps counts calls to Gap.
	Gaps uint64
	// Resyncs counts the messages found by looking for a start line after
	// a gap or an error; Skipped is how many bytes were skipped (empty
	// lines between messages included).
	Resyncs uint64
	Skipped int64
	// Unpaired counts responses with no request to pair with.
	Unpaired uint64
	// Doubtful counts responses paired first in, first out while a gap
	// left it unsure that the request they were paired with is theirs
	// (see doubt); each has a note saying so.
	Doubtful uint64
}

// New returns a parser for one connection, with the limits of cfg
// (protocol.DefaultLimits where they are zero).
//
// A head, chunk-size line or trailer section is buffered whole, so
// MaxHeaderBytes is lowered to MaxBuffer when MaxBuffer is the smaller: a
// small connection buffer (--max-conn-buffer) lowers the head limit too.
// The Limit note of a head cut by the lowered limit says so, naming both.
func New(cfg protocol.Config) *Parser {
	p := &Parser{cfg: cfg, lim: cfg.Limits.WithDefaults()}
	if p.lim.MaxBuffer < p.lim.MaxHeaderBytes {
		p.headCap = p.lim.MaxHeaderBytes
		p.lim.MaxHeaderBytes = p.lim.MaxBuffer
	}
	p.rawKeep = p.lim.Keep(p.lim.MaxBuffer)
	p.bodyKeep = int64(p.lim.Keep(int(min(p.lim.MaxBody, math.MaxInt))))
	for d := range p.half {
		h := &p.half[d]
		h.p, h.dir = p, event.Dir(d)
	}
	return p
}

// Feed takes the next bytes of direction dir, captured at time at, and
// emits every message they complete. After an upgrade it hands the bytes
// to the parser of the new protocol and returns that parser's error;
// otherwise it never fails: what it cannot parse it marks and skips.
func (p *Parser) Feed(dir event.Dir, b []byte, at uint64, emit protocol.Emit) error {
	if p.err != nil {
		return p.err
	}
	if p.up != nil {
		return p.up.Feed(dir, b, at, emit)
	}
	err := p.half[dir&1].feed(b, at, emit)
	if err == nil {
		err = p.err
	}
	return err
}

// fail records an error of the parser the connection was handed to.
func (p *Parser) fail(err error) {
	if p.err == nil {
		p.err = fmt.Errorf("%s after the upgrade: %w", p.upName, err)
	}
}

// Gap reports that n bytes of direction dir were not captured. A gap
// inside a body of known length only cuts that body; elsewhere the message
// in progress is emitted as partial, the direction skips to the next
// start line, and the responses paired while the gap may have put the
// pairing off by one say so (see doubt).
func (p *Parser) Gap(dir event.Dir, n int, at uint64, emit protocol.Emit) {
	if p.up != nil {
		p.up.Gap(dir, n, at, emit)
		return
	}
	if n <= 0 {
		return
	}
	p.stats.Gaps++
	p.half[dir&1].gap(n, at, emit)
}

// Flush emits what is pending. A response whose body runs to the end of
// the connection is complete when why is protocol.Closed and partial
// otherwise; anything else unfinished is partial.
func (p *Parser) Flush(why protocol.End, emit protocol.Emit) {
	if p.up != nil {
		p.up.Flush(why, emit)
		return
	}
	first := event.Out
	if p.half[event.In].role == lineRequest || p.half[event.Out].role == lineStatus {
		first = event.In
	}
	p.half[first].flush(why, emit)
	if p.up != nil {
		p.up.Flush(why, emit)
		return
	}
	p.half[first.Other()].flush(why, emit)
}

// headLimit describes MaxHeaderBytes for a Limit note: "the N-byte
// limit", and where the connection buffer lowered it, what it was.
func (p *Parser) headLimit() string {
	if p.headCap > 0 {
		return fmt.Sprintf("the %d-byte limit (the connection buffer limit, below the %d-byte head limit)",
			p.lim.MaxHeaderBytes, p.headCap)
	}
	return fmt.Sprintf("the %d-byte limit", p.lim.MaxHeaderBytes)
}

// Stats returns the counts so far.
func (p *Parser) Stats() Stats { return p.stats }

// Upgraded returns the name of the protocol the connection was handed to
// by an upgrade or CONNECT, or "" while it speaks HTTP/1.
func (p *Parser) Upgraded() string { return p.upName }

// emit counts m and hands it on.
func (p *Parser) emit(m *message.Message, emit protocol.Emit) {
	p.stats.Count(m)
	emit(m)
}

// switchTarget returns the protocol a connection turns into after a 101
// response with the given Upgrade value, or after a CONNECT (upgrade ""),
// and the note to put on the response.
func (p *Parser) switchTarget(upgrade string, connect bool) (protocol.Spec, string) {
	want, what := raw.Name, "tunnel"
	if !connect {
		tok, _, _ := strings.Cut(upgrade, ",")
		tok, _, _ = strings.Cut(trimOWS(tok), "/")
		switch {
		case eqFold(tok, "websocket"):
			want = "websocket"
		case eqFold(tok, "h2c"):
			want = "http2"
		}
		what = "upgrade"
		if tok != "" {
			what = "upgrade to " + tok
		}
	}
	if want != raw.Name && p.cfg.Lookup != nil {
		if s, ok := p.cfg.Lookup(want); ok {
			return s, what + ": handed to the " + s.Name + " parser"
		}
	}
	if p.cfg.Lookup != nil && want != raw.Name {
		if s, ok := p.cfg.Lookup(raw.Name); ok {
			return s, what + ": no " + want + " parser, shown raw"
		}
	}
	if want != raw.Name {
		return raw.Spec, what + ": no " + want + " parser, shown raw"
	}
	return raw.Spec, what + ": shown raw"
}

// switchTo hands the connection to a parser of spec, made with the heads
// of the exchange that switched it (req may be nil): the bytes the client
// sent after its request, held until now, then everything that follows.
func (p *Parser) switchTo(spec protocol.Spec, server event.Dir, req, resp *message.HTTP, emit protocol.Emit) error {
	cfg := p.cfg
	cfg.Upgrade = &protocol.Upgrade{Server: server, Request: req, Response: resp}
	p.up = spec.New(cfg)
	p.upName = spec.Name
	c := &p.half[server.Other()]
	if c.st != stHold && c.cur != nil {
		c.cut(c.lastAt, emit, message.Info, "the connection switched protocols before the end of the message")
	}
	hd := c.heldp()
	hold, segs := hd.hold, hd.segs
	c.held = nil
	for d := range p.half {
		p.half[d].releaseDecoder()
		p.half[d].buf = nil
	}
	off := 0
	for _, s := range segs {
		if s.gap {
			p.up.Gap(c.dir, s.n, s.at, emit)
			continue
		}
		if err := p.up.Feed(c.dir, hold[off:off+s.n], s.at, emit); err != nil {
			return err
		}
		off += s.n
	}
	return nil
}

// pending is a request awaiting its final response.
type pending struct {
	seq            uint64
	method, target string
	head, connect  bool
	upgrade        string // the Upgrade field, when the request asks for one
	expect         bool   // Expect: 100-continue
	done           bool   // the request's last byte came
	end            uint64 // its time
	final          int    // the final response's status, once its head came

	// req is the request's head, when it asks for an upgrade.
	req *message.HTTP
}

// maxPending bounds the requests awaiting responses on one connection;
// past it the oldest is forgotten and its response will not be paired.
const maxPending = 1024

// queue holds the requests of one direction in order.
type queue struct {
	items []pending
	first int
	next  uint64
	doubt doubt
}

// doubt is what gaps left unsure about pairing responses with the
// requests of one queue.
//
// Pairing is first in, first out: the n-th final response answers the
// n-th request. A gap may swallow whole messages, unless it lies inside a
// body of known length or a close-delimited body, which it only cuts.
// After any other gap:
//
//   - In the requests: the requests waiting at the gap were sent before
//     the lost bytes, so their responses still come first and pair right.
//     From the first request after the gap on, a response may answer a
//     lost request instead and be paired with the wrong one. from is that
//     first request.
//   - In the responses: a lost response leaves its request waiting, and
//     the next response is paired with it. from is the oldest request
//     waiting at the gap, or the next one if none is.
//
// Responses paired with request from or later get an Info note and are
// counted in Stats.Doubtful; the pairing is kept, as the likeliest. The
// doubt ends when the final response to such a request leaves no request
// waiting: the directions are then in step again, unless the responses to
// more lost requests are still to come, which takes a client that
// pipelined them. A response that finds no request waiting is unpaired,
// as always: that is how the response to a lost request shows when the
// client does not pipeline.
type doubt struct {
	from        uint64
	reqs, resps bool // gaps in the requests, in the responses
}

// active reports whether a gap left any doubt.
func (d *doubt) active() bool { return d.reqs || d.resps }

// on reports whether the pairing with request seq is in doubt.
func (d *doubt) on(seq uint64) bool { return d.active() && seq >= d.from }

// note returns the note for a response paired in doubt.
func (d *doubt) note() string {
	where := "requests"
	switch {
	case d.reqs && d.resps:
		where = "requests and the responses"
	case d.resps:
		where = "responses"
	}
	return "paired first in, first out after a gap in the " + where + ": the request may not be this response's"
}

// lost records a gap in direction d that may have swallowed whole
// messages: the requests d sends, or the responses it sends to the other
// direction's, or, while it is not known which d sends, both (see doubt).
func (p *Parser) lost(d event.Dir) {
	role := p.half[d].role
	if role != lineStatus {
		q := &p.q[d]
		if !q.doubt.active() {
			q.doubt.from = q.next
		}
		q.doubt.reqs = true
	}
	if role != lineRequest {
		q := &p.q[d.Other()]
		first := q.next
		if e := q.front(); e != nil {
			first = e.seq
		}
		if !q.doubt.active() || first < q.doubt.from {
			q.doubt.from = first
		}
		q.doubt.resps = true
	}
}

func (q *queue) push(e pending) uint64 {
	if q.first == len(q.items) {
		q.items, q.first = q.items[:0], 0
	}
	if len(q.items)-q.first >= maxPending {
		q.first++
	}
	if q.first >= 64 && 2*q.first >= len(q.items) {
		n := copy(q.items, q.items[q.first:])
		q.items, q.first = q.items[:n], 0
	}
	e.seq = q.next
	q.next++
	q.items = append(q.items, e)
	return e.seq
}

// front returns the oldest request, or nil.
func (q *queue) front() *pending {
	if q.first == len(q.items) {
		return nil
	}
	return &q.items[q.first]
}

// get returns the request seq if it is still waiting, or nil.
func (q *queue) get(seq uint64) *pending {
	f := q.front()
	if f == nil || seq < f.seq || seq-f.seq >= uint64(len(q.items)-q.first) {
		return nil
	}
	return &q.items[q.first+int(seq-f.seq)]
}

// pop removes the request seq if it is the oldest.
func (q *queue) pop(seq uint64) {
	if f := q.front(); f != nil && f.seq == seq {
		*f = pending{}
		q.first++
	}
}
