package redis

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// Name is the protocol name Redis messages carry.
const Name = "redis"

// Spec is the Redis protocol: detected by Detect, parsed by a Parser.
var Spec = protocol.Spec{
	Name:   Name,
	Doc:    "Redis RESP2 and RESP3: commands paired with replies, pipelining, inline commands, pushes",
	Detect: Detect,
	New:    func(cfg protocol.Config) protocol.Parser { return New(cfg.Limits) },
}

// Parser decodes the two directions of one Redis connection and pairs
// replies with commands. It is used by one goroutine at a time; the
// messages it emits are the receiver's.
type Parser struct {
	lim protocol.Limits
	// What one message may keep: bytes of values, elements, wire bytes.
	textKeep, nodeKeep, rawKeep int
	// display is set when the display limit, not the buffer limit, caps
	// what is kept: cuts are then shown in Body.Cut but are not noted.
	display    bool
	maxPending int

	known  bool      // client is known
	client event.Dir // the direction commands flow
	r      [2]reader
	emit   protocol.Emit

	q      []pending // commands waiting for their reply: q[head:]
	head   int
	anon   int64 // commands after q whose details were not kept
	unsure bool  // bytes were lost: pairing by order may be wrong

	resp3, subscribed, monitor, replyOff, skipNext bool

	counts counts
}

// pending is a command waiting for its reply.
type pending struct {
	ref  message.RequestRef
	end  uint64 // time of the command's last byte
	name string
	// sub is the confirmation kind ("subscribe", "punsubscribe", ...) of a
	// subscription command, which gets one confirmation per channel:
	// expect of them, or, when -1, until the count of subscriptions is 0.
	sub    string
	expect int64
}

// New returns a parser bounded by l (zero fields take protocol's
// defaults).
func New(l protocol.Limits) *Parser {
	l = l.WithDefaults()
	p := &Parser{lim: l}
	p.textKeep, p.rawKeep = l.MaxBuffer, l.MaxBuffer
	p.nodeKeep = max(l.MaxBuffer/nodeCost, 16)
	if l.Display >= 0 && l.Display < l.MaxBuffer {
		p.display = true
		p.textKeep, p.rawKeep = l.Display, l.Display
		p.nodeKeep = max(min(p.nodeKeep, l.Display+1), 1)
	}
	p.maxPending = max(l.MaxBuffer/128, 16)
	p.r[event.Out] = reader{p: p, dir: event.Out}
	p.r[event.In] = reader{p: p, dir: event.In}
	return p
}

// Feed decodes the next bytes of direction dir, emitting every message
// they complete; it does not keep b. It never fails: bytes that are not
// RESP are skipped, emitted and noted.
func (p *Parser) Feed(dir event.Dir, b []byte, at uint64, emit protocol.Emit) error {
	if len(b) == 0 {
		return nil
	}
	if !p.known {
		// Redis servers never speak first, and a command starts with '*'
		// or a letter: the first bytes seen tell which side is which,
		// unless they are a reply seen mid-stream.
		p.known, p.client = true, dir
		if b[0] != tArray && validType(b[0]) {
			p.client = dir.Other()
		}
	}
	p.emit = emit
	p.r[dir&1].feed(b, at)
	p.emit = nil
	return nil
}

// Gap notes n bytes of direction dir that were not captured: the value
// they cut is emitted, partial, and the direction resynchronises.
func (p *Parser) Gap(dir event.Dir, n int, at uint64, emit protocol.Emit) {
	p.emit = emit
	r := &p.r[dir&1]
	text := fmt.Sprintf("%d bytes not captured", n)
	if r.m != nil {
		r.m.notes = append(r.m.notes, message.Note{Kind: message.Gap, Text: text})
		p.complete(r, true)
	} else if r.lostNote != "" {
		r.lostNote += "; " + text
	} else {
		r.lostNote = text + " before this message"
	}
	r.lose(true, at)
	p.emit = nil
}

// Flush emits what is pending in both directions, partial, and anything
// skipped or lost that no message carried yet.
func (p *Parser) Flush(_ protocol.End, emit protocol.Emit) {
	p.emit = emit
	for _, d := range [2]event.Dir{p.client, p.client.Other()} {
		r := &p.r[d&1]
		if r.m != nil {
			p.complete(r, true)
		}
		r.reset()
		// The parser is not used again: let its buffers go.
		r.line, r.stack, r.nodes, r.bld = nil, nil, arena{}, building{}
		if r.skipped > 0 {
			p.emitSkipped(r)
		}
		if r.lostNote != "" {
			m := &message.Message{Proto: Name, Type: message.Data, Dir: d, Start: r.skipEnd, End: r.skipEnd, Partial: true}
			m.Notes = append(m.Notes, message.Note{Kind: message.Gap, Text: r.lostNote})
			r.lostNote = ""
			emit(m)
		}
	}
	clear(p.q)
	p.q, p.head, p.anon = nil, 0, 0
	p.emit = nil
}

// bundle is a message with what it points to, allocated at once.
type bundle struct {
	m   message.Message
	b   message.Body
	ref message.RequestRef
	lat message.Latency
}

// complete emits the message r decoded; partial when it was cut short.
func (p *Parser) complete(r *reader, partial bool) {
	if r.skipped > 0 {
		p.emitSkipped(r)
	}
	b := r.m
	root := b.root
	if root == nil {
		root = r.partialRoot()
	}
	r.m = nil
	bb := &bundle{}
	m := &bb.m
	*m = message.Message{
		Proto:   Name,
		Dir:     r.dir,
		Start:   b.start,
		End:     b.end,
		Size:    b.size,
		Raw:     bytes.Clone(b.raw),
		RawCut:  b.rawCut,
		Partial: partial,
		Notes:   b.notes,
	}
	// The nodes, and b.raw, are reused by the next message: what m keeps
	// is copied or rendered here.
	w := writer{b: make([]byte, 0, r.p.textKeep-b.textLeft+16*(r.p.nodeKeep-b.nodesLeft)+16)}
	if r.dir == p.client {
		p.command(bb, root, b, &w)
	} else {
		p.reply(bb, root, b, &w)
	}
	p.emit(m)
}

// body sets m's body to the rendering of its value, cut to the display
// limit, and notes what the buffer limit cut.
func (p *Parser) body(bb *bundle, b *building, text []byte) {
	m := &bb.m
	full := len(text)
	cut := b.cutText
	if d := p.lim.Display; d >= 0 && len(text) > d {
		cut += int64(len(text) - d)
		text = text[:d]
	}
	bb.b = message.Body{Data: text, Cut: cut, Size: b.size, DecodedSize: int64(full) + b.cutText}
	m.Body = &bb.b
	if p.display {
		return
	}
	if b.cutText > 0 {
		m.AddNote(message.Limit, "%d bytes of values not kept: over the buffer limit (%d bytes)", b.cutText, p.lim.MaxBuffer)
	}
	if b.dropped > 0 {
		m.AddNote(message.Limit, "%d elements not kept: over the buffer limit (%d bytes)", b.dropped, p.lim.MaxBuffer)
	}
}

// command makes m a request and queues it for its reply.
func (p *Parser) command(bb *bundle, root *node, b *building, w *writer) {
	m := &bb.m
	m.Type = message.Request
	name, target := w.command(root)
	if root != nil && root.typ == tInline {
		m.AddNote(message.Info, "inline command")
	}
	p.body(bb, b, w.b)
	if m.Partial || root == nil {
		return
	}
	p.queue(root, name, target, m.End)
}

// queue puts a complete command in line for its reply, unless CLIENT
// REPLY says no reply will come.
func (p *Parser) queue(root *node, name, target string, end uint64) {
	nargs := int64(len(root.kids)) + root.more - 1
	if name == "CLIENT" && len(root.kids) > 2 && bytes.EqualFold(root.kids[1].text, []byte("REPLY")) {
		switch string(bytes.ToUpper(root.kids[2].text)) {
		case "OFF":
			p.replyOff = true
			return
		case "SKIP":
			if !p.replyOff {
				p.skipNext = true
			}
			return
		case "ON":
			p.replyOff, p.skipNext = false, false
		}
	}
	if p.replyOff {
		return
	}
	if p.skipNext {
		p.skipNext = false
		return
	}
	e := pending{ref: message.RequestRef{Method: name, Target: target}, end: end, name: name}
	switch name {
	case "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE":
		if nargs > 0 {
			e.sub, e.expect = lower(name), nargs
		}
	case "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE":
		e.sub, e.expect = lower(name), nargs
		if nargs == 0 {
			e.expect = -1
		}
	}
	if p.waiting() == 0 {
		if s := &p.r[p.client.Other()&1]; s.m == nil && !s.lost {
			// Every reply so far is in and the server is between
			// values: pairing by order is sound again.
			p.unsure = false
		}
	}
	if p.anon > 0 || len(p.q)-p.head >= p.maxPending {
		p.anon++
		return
	}
	if p.head > 0 && p.head == len(p.q) {
		p.q, p.head = p.q[:0], 0
	} else if p.head > 1024 && p.head > len(p.q)/2 {
		n := copy(p.q, p.q[p.head:])
		clear(p.q[n:])
		p.q, p.head = p.q[:n], 0
	}
	p.q = append(p.q, e)
}

// waiting returns the number of commands waiting for a reply.
func (p *Parser) waiting() int64 { return int64(len(p.q)-p.head) + p.anon }

// reply makes m a response to the command it answers, or, for a push,
// data.
func (p *Parser) reply(bb *bundle, root *node, b *building, w *writer) {
	m := &bb.m
	if root != nil {
		w.value(root, 0, true)
	}
	p.body(bb, b, w.b)
	m.Type = message.Response
	if root == nil {
		p.answer(bb, root)
		return
	}
	switch root.typ {
	case tMap, tSet, tPush, tNull, tBool, tDouble, tBig, tBulkErr, tVerb:
		p.resp3 = true
	}
	first := firstString(root)
	var head *pending
	if p.head < len(p.q) {
		head = &p.q[p.head]
	}
	switch {
	case (root.typ == tPush || root.typ == tArray && !p.resp3) && isSubKind(first):
		count, hasCount := thirdInt(root)
		if hasCount {
			p.subscribed = count > 0
		}
		if head != nil && head.sub == first {
			// A confirmation: one per channel of the command.
			p.pair(bb, head)
			if head.expect > 0 {
				head.expect--
			}
			if head.expect == 0 || head.expect < 0 && hasCount && count == 0 {
				p.pop()
			}
			return
		}
		if root.typ == tPush {
			m.Type = message.Data
			p.counts.pushes++
			return
		}
		p.answer(bb, root)
	case root.typ == tPush:
		m.Type = message.Data
		p.counts.pushes++
	case root.typ == tArray && !p.resp3 && p.subscribed && isMessageKind(first):
		m.Type = message.Data
		p.counts.pushes++
	default:
		p.answer(bb, root)
	}
}

// answer pairs an ordinary reply with the oldest waiting command.
func (p *Parser) answer(bb *bundle, root *node) {
	m := &bb.m
	switch {
	case p.head < len(p.q):
		e := p.q[p.head]
		p.pop()
		p.pair(bb, &e)
		if root == nil || m.Partial {
			return
		}
		switch e.name {
		case "MONITOR":
			p.monitor = root.typ == tSimple && string(root.text) == "OK"
		case "RESET":
			p.monitor, p.subscribed, p.replyOff, p.skipNext = false, false, false, false
		case "HELLO":
			switch root.typ {
			case tMap:
				p.resp3 = true
			case tArray:
				p.resp3 = false
			}
		}
	case p.anon > 0:
		p.anon--
		p.counts.unkept++
		m.AddNote(message.Limit, "the command this answers was not kept: more than %d commands waited for replies", p.maxPending)
	case p.monitor && root != nil && root.typ == tSimple:
		m.Type = message.Data
	default:
		p.counts.unpaired++
		m.AddNote(message.Info, "no command seen for this reply")
	}
}

// pair marks m as the reply to e.
func (p *Parser) pair(bb *bundle, e *pending) {
	m := &bb.m
	bb.ref = e.ref
	bb.lat = message.Latency{First: since(m.Start, e.end), Last: since(m.End, e.end)}
	m.Request, m.Latency = &bb.ref, &bb.lat
	if p.unsure {
		m.AddNote(message.Info, "paired by order after bytes were lost: it may answer another command")
	}
}

func (p *Parser) pop() {
	p.q[p.head] = pending{}
	p.head++
}

func since(t, from uint64) uint64 {
	if t < from {
		return 0
	}
	return t - from
}

// emitSkipped emits the bytes r skipped while resynchronising.
func (p *Parser) emitSkipped(r *reader) {
	data := r.skipBuf
	m := &message.Message{
		Proto:  Name,
		Type:   message.Data,
		Dir:    r.dir,
		Start:  r.skipStart,
		End:    r.skipEnd,
		Size:   r.skipped,
		Raw:    data,
		RawCut: r.skipped - int64(len(data)),
		Body: &message.Body{Data: data, Cut: r.skipped - int64(len(data)), Size: r.skipped,
			DecodedSize: r.skipped, Binary: !printable(data)},
	}
	if r.lostGap {
		if r.lostNote != "" {
			m.AddNote(message.Gap, "%s", r.lostNote)
			r.lostNote = ""
		}
		m.AddNote(message.Gap, "%d bytes skipped after the gap, to the next value", r.skipped)
	} else {
		m.AddNote(message.Error, "%d bytes skipped: not RESP", r.skipped)
	}
	p.counts.skipped += uint64(r.skipped)
	r.skipped, r.skipBuf, r.lostGap = 0, nil, false
	p.emit(m)
}

// firstString returns the first element of an aggregate when it is a
// string.
func firstString(n *node) string {
	if len(n.kids) == 0 {
		return ""
	}
	k := n.kids[0]
	if (k.typ == tBulk || k.typ == tSimple) && !k.null && len(k.text) <= 16 {
		return string(k.text)
	}
	return ""
}

// thirdInt returns the third element of an aggregate when it is an
// integer: the subscription count of a confirmation.
func thirdInt(n *node) (int64, bool) {
	if len(n.kids) < 3 || n.kids[2].typ != tInt {
		return 0, false
	}
	return parseLen(n.kids[2].text, n.kids[2].cut)
}

func isSubKind(s string) bool {
	switch s {
	case "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe":
		return true
	}
	return false
}

func isMessageKind(s string) bool {
	return s == "message" || s == "pmessage" || s == "smessage"
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }

// printable reports whether b reads as text.
func printable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < ' ' && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
