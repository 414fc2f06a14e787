package redis

import (
	"bytes"
	"fmt"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
)

// RESP type bytes: the first byte of every value.
const (
	tSimple  = '+'
	tError   = '-'
	tInt     = ':'
	tBulk    = '$'
	tArray   = '*'
	tNull    = '_'
	tBool    = '#'
	tDouble  = ','
	tBig     = '('
	tBulkErr = '!'
	tVerb    = '='
	tMap     = '%'
	tSet     = '~'
	tAttr    = '|'
	tPush    = '>'
	tChunk   = ';' // a chunk of a streamed string ("$?")
	tEnd     = '.' // the end of a streamed aggregate ("*?")
	tInline  = 'i' // not on the wire: an inline command
)

// Bounds that do not come from protocol.Limits.
const (
	// maxDepth caps the nesting of aggregates. Redis itself nests a few
	// levels; deeper input is treated as not RESP.
	maxDepth = 128
	// maxLine caps the bytes of one line kept (simple strings, errors,
	// inline commands). Redis refuses inline commands longer than 64 KiB.
	maxLine = 64 << 10
	// maxLenLine caps a line that holds a length or a count.
	maxLenLine = 24
	// maxBulk is the largest bulk length accepted; Redis allows 512 MiB
	// by default.
	maxBulk = 1 << 40
	// maxCount is the largest aggregate count accepted.
	maxCount = 1 << 32
	// nodeCost is what one kept element counts against the buffer limit.
	nodeCost = 64
)

// Decoder states.
const (
	sStart   uint8 = iota // a value (or an inline command) starts here
	sLine                 // in a line, after its type byte
	sInline               // in an inline command line
	sBulk                 // in the data of a bulk string
	sBulkEnd              // in the CRLF after bulk data
	sSkip                 // skipping to the end of a line to resynchronise
)

// node is one decoded value. Scalars keep (the first bytes of) their
// text; aggregates their (first) elements.
type node struct {
	typ    byte
	null   bool
	stream bool // a streamed ("?") string or aggregate
	kept   bool // part of the message (the budget allowed it)
	text   []byte
	cut    int64 // bytes of text not kept
	want   int64 // aggregate: elements still to come; -1 until the end mark
	kids   []*node
	more   int64 // elements not kept
	attr   *node // the attribute that came before this value
}

// arena hands out the nodes of one message. Every node of a message is
// rendered before the next message starts, so they are reused then, with
// their buffers unless those grew big. Chunks double in size, from 8
// nodes, so that a connection of small messages holds few.
type arena struct {
	chunks [][]node
	c, i   int // the next node is chunks[c][i]
}

// get returns a zeroed node.
func (a *arena) get() *node {
	if a.c < len(a.chunks) && a.i == len(a.chunks[a.c]) {
		a.c, a.i = a.c+1, 0
	}
	if a.c == len(a.chunks) {
		a.chunks = append(a.chunks, make([]node, 8<<min(a.c, 7)))
	}
	n := &a.chunks[a.c][a.i]
	a.i++
	text, kids := n.text[:0], n.kids[:0]
	*n = node{text: text, kids: kids}
	return n
}

// reset makes every node free again, keeping the first two chunks and
// small buffers for the next message.
func (a *arena) reset() {
	for c := 0; c <= a.c && c < len(a.chunks); c++ {
		used := a.chunks[c]
		if c == a.c {
			used = used[:a.i]
		}
		for i := range used {
			n := &used[i]
			if cap(n.text) > 256 {
				n.text = nil
			}
			if cap(n.kids) > 32 {
				n.kids = nil
			}
			clear(n.kids[:cap(n.kids)])
			n.attr = nil
		}
	}
	if len(a.chunks) > 2 {
		clear(a.chunks[2:])
		a.chunks = a.chunks[:2]
	}
	a.c, a.i = 0, 0
}

// building is a message being decoded.
type building struct {
	start, end uint64
	size       int64
	raw        []byte
	rawCut     int64
	root       *node
	textLeft   int   // bytes of values that may still be kept
	nodesLeft  int   // elements that may still be kept
	cutText    int64 // bytes of values not kept
	dropped    int64 // elements not kept
	notes      []message.Note
	// resynced is set on the first value after a loss: if its first line
	// is not RESP either, its bytes are counted as skipped, not emitted.
	resynced bool
}

// reader decodes one direction of a connection.
type reader struct {
	p     *Parser
	dir   event.Dir
	state uint8
	typ   byte   // type byte of the line being read
	line  []byte // the line so far, at most maxLine bytes
	lineN int64  // bytes of the line so far, kept or not
	last  byte   // the last byte of the line so far
	left  int64  // bulk bytes still to come
	crlf  int    // bytes of the CRLF after bulk data seen
	bulk  *node  // the string that bulk data goes to

	m     *building // &bld while a message is decoded, else nil
	bld   building
	nodes arena
	stack []*node // open aggregates and streamed strings
	attr  *node   // an attribute waiting for the value it describes

	inline bool // the client sent inline commands

	// Resynchronisation: after a gap or an error, bytes are skipped until
	// a line that can start a value.
	lost      bool
	lostGap   bool // the loss was a gap (else bytes that are not RESP)
	skipped   int64
	skipBuf   []byte
	skipStart uint64
	skipEnd   uint64
	lostNote  string // note for the next message, if any
}

// feed decodes b, captured at time at.
func (r *reader) feed(b []byte, at uint64) {
	for len(b) > 0 {
		switch r.state {
		case sSkip:
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				r.skip(b, at)
				return
			}
			r.skip(b[:i+1], at)
			b = b[i+1:]
			r.state = sStart
		case sStart:
			if !r.begin(b[0], at) {
				r.state = sSkip
				continue
			}
			r.consume(b[:1], at)
			b = b[1:]
		case sLine, sInline:
			i := bytes.IndexByte(b, '\n')
			chunk, used := b, len(b)
			if i >= 0 {
				chunk, used = b[:i], i+1
			}
			r.consume(b[:used], at)
			b = b[used:]
			if len(chunk) > 0 {
				r.last = chunk[len(chunk)-1]
				keep := maxLine
				if r.state == sLine && isLenType(r.typ) {
					keep = maxLenLine + 1
				}
				if room := keep - len(r.line); room > 0 {
					r.line = append(r.line, chunk[:min(room, len(chunk))]...)
				}
				r.lineN += int64(len(chunk))
			}
			if i < 0 {
				if r.state == sLine && isLenType(r.typ) && r.lineN > maxLenLine {
					r.fail(fmt.Sprintf("%q line longer than %d bytes", r.typ, maxLenLine), at, true)
				}
				return
			}
			r.endLine(at)
		case sBulk:
			n := int(min(int64(len(b)), r.left))
			r.consume(b[:n], at)
			r.keep(r.bulk, b[:n])
			r.left -= int64(n)
			b = b[n:]
			if r.left == 0 {
				r.state, r.crlf = sBulkEnd, 0
			}
		case sBulkEnd:
			if b[0] != "\r\n"[r.crlf] {
				r.fail("bulk string not followed by CRLF", at, true)
				continue
			}
			r.consume(b[:1], at)
			b = b[1:]
			if r.crlf++; r.crlf == 2 {
				r.state = sStart
				r.endBulk(at)
			}
		}
	}
}

// isLenType reports whether a line of type t holds a length or a count.
func isLenType(t byte) bool {
	switch t {
	case tBulk, tArray, tBulkErr, tVerb, tMap, tSet, tAttr, tPush, tChunk:
		return true
	}
	return false
}

// validType reports whether t may start a value inside a reply.
func validType(t byte) bool {
	switch t {
	case tSimple, tError, tInt, tBulk, tArray, tNull, tBool, tDouble, tBig,
		tBulkErr, tVerb, tMap, tSet, tAttr, tPush:
		return true
	}
	return false
}

// top returns the innermost open aggregate, or nil.
func (r *reader) top() *node {
	if len(r.stack) == 0 {
		return nil
	}
	return r.stack[len(r.stack)-1]
}

// begin starts the value whose type byte is c. It reports false when c
// cannot start a value here: after a loss that means skipping on; at the
// top of a reply, bytes that are not RESP; inside an aggregate, a broken
// value.
func (r *reader) begin(c byte, at uint64) bool {
	client := r.dir == r.p.client
	top := r.m == nil
	switch {
	case top && client:
		// As Redis reads commands: an array, or else an inline line.
		if r.lost && c != tArray && !(r.inline && isLetter(c)) {
			return false
		}
	case r.top() != nil && r.top().typ == tBulk && r.top().stream:
		if c != tChunk {
			r.fail(fmt.Sprintf("%q in a streamed string", c), at, true)
			return false
		}
	case r.top() != nil && r.top().stream && c == tEnd:
	case !validType(c):
		if !top {
			r.fail(fmt.Sprintf("%q is not a RESP type", c), at, true)
		} else if !r.lost {
			r.lose(false, at)
		}
		return false
	}
	resynced := r.lost
	if r.lost {
		r.found()
	}
	if top {
		r.open(at)
		r.m.resynced = resynced
	}
	r.typ = c
	r.line, r.lineN, r.last = r.line[:0], 0, 0
	r.state = sLine
	if top && client && c != tArray {
		r.state, r.typ = sInline, tInline
		r.inline = true
		r.line = append(r.line, c)
		r.lineN, r.last = 1, c
	}
	return true
}

// open starts a message.
func (r *reader) open(at uint64) {
	r.nodes.reset()
	raw := r.bld.raw[:0]
	if cap(raw) > 1024 {
		raw = nil
	}
	if cap(r.line) > 1024 {
		r.line = nil
	}
	r.bld = building{
		start:     at,
		end:       at,
		raw:       raw,
		textLeft:  r.p.textKeep,
		nodesLeft: r.p.nodeKeep,
	}
	r.m = &r.bld
	if r.lostNote != "" {
		r.m.notes = append(r.m.notes, message.Note{Kind: message.Gap, Text: r.lostNote})
		r.lostNote = ""
	}
}

// consume counts wire bytes of the message being decoded.
func (r *reader) consume(p []byte, at uint64) {
	m := r.m
	if m == nil {
		return
	}
	m.size += int64(len(p))
	m.end = at
	if room := r.p.rawKeep - len(m.raw); room > 0 {
		m.raw = append(m.raw, p[:min(room, len(p))]...)
		m.rawCut += int64(len(p) - min(room, len(p)))
	} else {
		m.rawCut += int64(len(p))
	}
}

// newNode makes a node under the innermost open aggregate (or the root),
// kept when its parent is and the budget allows.
func (r *reader) newNode(t byte) *node {
	var n *node
	if parent := r.top(); (parent == nil || parent.kept) && r.m.nodesLeft > 0 {
		n = r.nodes.get()
		n.kept = true
		r.m.nodesLeft--
	} else {
		// Not kept: garbage once parsed, so not from the arena, which
		// holds only what the budget allows.
		n = &node{}
	}
	n.typ = t
	if r.attr != nil && t != tAttr {
		n.attr, r.attr = r.attr, nil
	}
	return n
}

// keep appends p to a string's text, as far as the budget allows.
func (r *reader) keep(n *node, p []byte) {
	if n == nil || len(p) == 0 {
		return
	}
	if !n.kept {
		n.cut += int64(len(p))
		return
	}
	k := min(len(p), r.m.textLeft)
	if k > 0 {
		if len(n.text) == 0 && r.left > int64(cap(n.text)) {
			n.text = make([]byte, 0, min(int64(r.m.textLeft), r.left, 64<<10))
		}
		n.text = append(n.text, p[:k]...)
		r.m.textLeft -= k
	}
	if k < len(p) {
		n.cut += int64(len(p) - k)
		r.m.cutText += int64(len(p) - k)
	}
}

// lineText returns the line without its CR, and how many bytes of it were
// not kept.
func (r *reader) lineText() ([]byte, int64) {
	n := r.lineN
	if r.last == '\r' {
		n--
	}
	l := r.line
	if int64(len(l)) > n {
		l = l[:n]
	}
	return l, n - int64(len(l))
}

// endLine handles a complete line.
func (r *reader) endLine(at uint64) {
	text, cut := r.lineText()
	r.state = sStart
	t := r.typ
	switch t {
	case tInline:
		r.endInline(text, cut, at)
	case tSimple, tError, tBig, tDouble, tInt, tBool, tNull:
		if !validScalar(t, text, cut) {
			r.fail(fmt.Sprintf("bad %q value %.20q", t, text), at, false)
			return
		}
		n := r.newNode(t)
		n.null = t == tNull
		if t != tNull {
			r.keep(n, text)
			if cut > 0 && n.kept {
				n.cut += cut
				r.m.cutText += cut
			}
		}
		r.finish(n, at)
	case tBulk, tBulkErr, tVerb:
		if t == tBulk && string(text) == "?" {
			if !r.push(r.newNode(t), -1, at) {
				return
			}
			r.top().stream = true
			return
		}
		n, ok := parseLen(text, cut)
		switch {
		case !ok || n < -1 || n > maxBulk || (n == -1 && t != tBulk) || (t == tVerb && n < 4 && n >= 0):
			r.fail(fmt.Sprintf("bad %q length %.24q", t, text), at, false)
		case n == -1:
			nd := r.newNode(t)
			nd.null = true
			r.finish(nd, at)
		default:
			r.bulk = r.newNode(t)
			r.left = n
			r.state = sBulk
			if n == 0 {
				r.state, r.crlf = sBulkEnd, 0
			}
		}
	case tChunk:
		n, ok := parseLen(text, cut)
		s := r.top()
		switch {
		case !ok || n < 0 || n > maxBulk:
			r.fail(fmt.Sprintf("bad chunk length %.24q", text), at, false)
		case n == 0:
			r.stack = r.stack[:len(r.stack)-1]
			r.finish(s, at)
		default:
			r.bulk, r.left, r.state = s, n, sBulk
		}
	case tEnd:
		s := r.top()
		if len(text) != 0 || s == nil || !s.stream || s.typ == tBulk {
			r.fail("stray end of a streamed aggregate", at, false)
			return
		}
		r.stack = r.stack[:len(r.stack)-1]
		r.finish(s, at)
	default: // aggregates
		if string(text) == "?" {
			if r.push(r.newNode(t), -1, at) {
				r.top().stream = true
			}
			return
		}
		n, ok := parseLen(text, cut)
		if !ok || n < -1 || n > maxCount || (n == -1 && t != tArray) {
			r.fail(fmt.Sprintf("bad %q count %.24q", t, text), at, false)
			return
		}
		nd := r.newNode(t)
		if n == -1 {
			nd.null = true
		}
		if t == tMap || t == tAttr {
			n *= 2
		}
		if n <= 0 {
			r.finish(nd, at)
			return
		}
		r.push(nd, n, at)
	}
}

// push opens an aggregate expecting want elements (-1: until an end mark).
func (r *reader) push(n *node, want int64, at uint64) bool {
	if len(r.stack) >= maxDepth {
		r.fail(fmt.Sprintf("values nested deeper than %d", maxDepth), at, false)
		return false
	}
	n.want = want
	r.stack = append(r.stack, n)
	return true
}

// endBulk finishes the bulk data just read.
func (r *reader) endBulk(at uint64) {
	n := r.bulk
	r.bulk = nil
	if n.stream {
		// A chunk of a streamed string: the string goes on.
		return
	}
	r.finish(n, at)
}

// finish attaches a complete value to its aggregate, completing every
// aggregate it fills; a complete top value ends the message.
func (r *reader) finish(n *node, at uint64) {
	for {
		if n.typ == tAttr {
			// An attribute describes the value that follows it, and is not
			// an element of its own.
			r.attr = n
			return
		}
		parent := r.top()
		if parent == nil {
			r.m.root = n
			r.p.complete(r, false)
			return
		}
		switch {
		case n.kept:
			parent.kids = append(parent.kids, n)
		case parent.kept:
			parent.more++
			r.m.dropped++
		}
		if parent.want < 0 {
			return
		}
		if parent.want--; parent.want > 0 {
			return
		}
		r.stack = r.stack[:len(r.stack)-1]
		n = parent
	}
}

// endInline splits an inline command line into its arguments.
func (r *reader) endInline(text []byte, cut int64, at uint64) {
	args, ok := splitArgs(text)
	if len(args) == 0 && ok && cut == 0 {
		// An empty line: Redis skips it.
		r.m = nil
		return
	}
	root := r.newNode(tInline)
	if !ok {
		root.text = append(root.text, text...)
		r.m.notes = append(r.m.notes, message.Note{Kind: message.Error, Text: "unbalanced quotes in an inline command"})
	}
	for _, a := range args {
		if r.m.nodesLeft <= 0 {
			root.more++
			r.m.dropped++
			continue
		}
		r.m.nodesLeft--
		k := r.nodes.get()
		k.typ, k.kept = tBulk, true
		r.keep(k, a)
		root.kids = append(root.kids, k)
	}
	if cut > 0 {
		root.cut = cut
		r.m.notes = append(r.m.notes, message.Note{Kind: message.Limit,
			Text: fmt.Sprintf("inline command longer than %d bytes: %d bytes not kept", maxLine, cut)})
	}
	r.m.root = root
	r.p.complete(r, false)
}

// fail ends the value being decoded as broken: what was decoded is
// emitted, partial, with a note, and the reader skips to the next line
// that can start a value.
// Bytes up to the end of the current line are skipped when midLine is
// set; else the next line may start a value.
func (r *reader) fail(why string, at uint64, midLine bool) {
	if m := r.m; m != nil && m.resynced && m.root == nil && len(r.stack) == 0 && r.bulk == nil {
		// The line that looked like a value after a loss was not one:
		// skip on, counting its bytes with the rest.
		r.reset()
		for _, n := range m.notes {
			if n.Kind == message.Gap {
				r.lostNote = n.Text
			}
		}
		r.lost = true
		first := r.skipped == 0
		r.skip(m.raw, at)
		if first {
			r.skipStart = m.start
		}
		r.skipped += m.rawCut
		r.state = sStart
		if midLine {
			r.state = sSkip
		}
		return
	}
	if r.m != nil {
		r.m.notes = append(r.m.notes, message.Note{Kind: message.Error, Text: "not RESP: " + why})
		r.p.complete(r, true)
	}
	r.lose(false, at)
	if midLine {
		r.state = sSkip
	}
}

// lose starts resynchronisation after a gap or bytes that are not RESP.
func (r *reader) lose(gap bool, at uint64) {
	r.reset()
	if !r.lost {
		r.lost = true
		r.p.counts.resyncs++
		if r.skipped == 0 {
			r.lostGap = gap
			r.skipStart, r.skipEnd = at, at
		}
	}
	r.p.unsure = true
}

// reset forgets the value being decoded.
func (r *reader) reset() {
	r.m = nil
	clear(r.stack)
	r.stack = r.stack[:0]
	r.attr, r.bulk = nil, nil
	r.state = sStart
}

// skip counts bytes skipped while resynchronising.
func (r *reader) skip(p []byte, at uint64) {
	if !r.lost {
		r.lose(false, at)
	}
	if r.skipped == 0 {
		r.skipStart = at
	}
	r.skipped += int64(len(p))
	r.skipEnd = at
	if room := r.p.rawKeep - len(r.skipBuf); room > 0 {
		r.skipBuf = append(r.skipBuf, p[:min(room, len(p))]...)
	}
}

// found ends resynchronisation: a value may start here. The bytes
// skipped are emitted before the next message.
func (r *reader) found() { r.lost = false }

// validScalar checks the text of a one-line value.
func validScalar(t byte, text []byte, cut int64) bool {
	switch t {
	case tInt:
		_, ok := parseLen(text, cut)
		return ok
	case tBool:
		return len(text) == 1 && (text[0] == 't' || text[0] == 'f')
	case tNull:
		return len(text) == 0
	case tBig:
		if len(text) > 0 && (text[0] == '-' || text[0] == '+') {
			text = text[1:]
		}
		return len(text) > 0 && allDigits(text)
	case tDouble:
		if len(text) == 0 || cut > 0 {
			return false
		}
		for _, c := range text {
			if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E' ||
				c == 'i' || c == 'n' || c == 'f' || c == 'a' || c == 'N' || c == 'I') {
				return false
			}
		}
	}
	return true
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseLen parses a signed decimal integer line.
func parseLen(b []byte, cut int64) (int64, bool) {
	if cut > 0 || len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	neg := false
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' || n > (1<<62)/10 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// partialRoot returns the root of a message cut short: the open
// aggregates and the string being read, attached to their parents.
func (r *reader) partialRoot() *node {
	if r.m == nil {
		return nil
	}
	if r.m.root != nil {
		return r.m.root
	}
	if r.bulk != nil && !r.bulk.stream {
		if p := r.top(); p != nil {
			if r.bulk.kept {
				p.kids = append(p.kids, r.bulk)
			}
		} else {
			return r.bulk
		}
	}
	for i := len(r.stack) - 1; i > 0; i-- {
		if r.stack[i].kept {
			r.stack[i-1].kids = append(r.stack[i-1].kids, r.stack[i])
		}
	}
	if len(r.stack) > 0 {
		return r.stack[0]
	}
	if r.attr != nil {
		return r.attr
	}
	if r.state == sInline || r.state == sLine && !isLenType(r.typ) && r.typ != tEnd {
		text, cut := r.lineText()
		n := r.nodes.get()
		n.typ, n.kept, n.cut = r.typ, true, cut
		n.text = append(n.text, text...)
		if r.typ == tInline {
			n.typ = tSimple
		}
		return n
	}
	return nil
}
