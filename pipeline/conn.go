package pipeline

import (
	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/raw"
)

// conn is one connection's state, owned by one shard.
type conn struct {
	// info is shared by the messages emitted so far, so it is never
	// changed in place: update replaces it when an event says more.
	info     *message.Conn
	lastSeen uint64
	// prev and next link the connections of one of the shard's lists
	// from least to most recently active; keep says which list: those
	// whose parser holds state beyond its messages (protocol.Keeper) or
	// the others.
	prev, next *conn
	keep       bool
	parser     protocol.Parser
	detect     *detection // while the protocol is unknown
}

// detection holds a connection's first bytes until a detector decides.
type detection struct {
	buf    []byte
	chunks []chunk
	first  event.Dir
}

// chunk is one held event: its bytes (buf[off:off+n]) or a gap of n bytes.
type chunk struct {
	dir event.Dir
	gap bool
	off int
	n   int
	at  uint64
}

// update records what e says of the connection: its process, fd, command,
// library and addresses. The Conn messages already point to stays as it
// was; a change makes a new one.
func (c *conn) update(e *event.Event) {
	// The test spells out learn's fields: copying and comparing the
	// whole Conn instead costs 4% more instructions in tapir read.
	i := c.info
	if i.PID == e.PID && i.FD == e.FD &&
		(e.Comm == "" || e.Comm == i.Comm) && (e.Lib == "" || e.Lib == i.Lib) &&
		(!e.Src.IsValid() || e.Src == i.Src) && (!e.Dst.IsValid() || e.Dst == i.Dst) {
		return
	}
	n := *i
	learn(&n, e)
	c.info = &n
}

// learn sets in n what e says of its connection.
func learn(n *message.Conn, e *event.Event) {
	n.PID, n.FD = e.PID, e.FD
	if e.Comm != "" {
		n.Comm = e.Comm
	}
	if e.Lib != "" {
		n.Lib = e.Lib
	}
	if e.Src.IsValid() {
		n.Src = e.Src
	}
	if e.Dst.IsValid() {
		n.Dst = e.Dst
	}
}

// sample returns what detection has seen of each direction. Each
// direction's bytes are gathered contiguously only when both spoke.
func (d *detection) sample() protocol.Sample {
	s := protocol.Sample{First: d.first}
	var out, in []byte
	contiguous := true
	for _, c := range d.chunks {
		if c.gap {
			// Detection sees only what came before the first gap.
			break
		}
		if c.dir != d.first {
			contiguous = false
		}
	}
	if contiguous {
		end := 0
		for _, c := range d.chunks {
			if c.gap {
				break
			}
			end = c.off + c.n
		}
		out = d.buf[:end]
		if d.first == event.In {
			out, in = nil, out
		}
		s.Out, s.In = out, in
		return s
	}
	for _, c := range d.chunks {
		if c.gap {
			break
		}
		if c.dir == event.Out {
			out = append(out, d.buf[c.off:c.off+c.n]...)
		} else {
			in = append(in, d.buf[c.off:c.off+c.n]...)
		}
	}
	s.Out, s.In = out, in
	return s
}

// feed hands the bytes of one data event to the connection, detecting its
// protocol first if needed.
func (s *shard) feed(c *conn, e *event.Event) {
	if c.parser == nil {
		d := c.detect
		if d == nil {
			d = &detection{first: e.Dir}
			c.detect = d
		}
		if len(e.Data) > 0 {
			d.chunks = append(d.chunks, chunk{dir: e.Dir, off: len(d.buf), n: len(e.Data), at: e.Time})
			d.buf = append(d.buf, e.Data...)
		}
		if lost := e.Lost(); lost > 0 {
			d.chunks = append(d.chunks, chunk{dir: e.Dir, gap: true, n: lost, at: e.Time})
		}
		final := len(d.buf) >= s.detectLimit || hasGap(d.chunks)
		if !s.decide(c, final) {
			return
		}
		if final && len(d.buf) >= s.detectLimit {
			s.delta.DetectLimit++
		}
		return
	}
	if len(e.Data) > 0 {
		if err := c.parser.Feed(e.Dir, e.Data, e.Time, s.emit); err != nil {
			s.fail(c, e.Dir, e.Data, e.Time)
		}
	}
	if lost := e.Lost(); lost > 0 {
		c.parser.Gap(e.Dir, lost, e.Time, s.emit)
	}
}

func hasGap(cs []chunk) bool {
	for _, c := range cs {
		if c.gap {
			return true
		}
	}
	return false
}

// decide runs detection; when a protocol is chosen (or final is set, in
// which case raw is the fallback) it makes the parser, replays the held
// chunks into it and reports true.
func (s *shard) decide(c *conn, final bool) bool {
	d := c.detect
	if len(d.chunks) == 0 && !final {
		return false
	}
	spec, v := s.opts.Protocols.Detect(d.sample(), final)
	switch v {
	case protocol.NeedMore:
		return false
	case protocol.No:
		spec = raw.Spec
	}
	c.parser = spec.New(s.cfg)
	c.detect = nil
	for _, ch := range d.chunks {
		if ch.gap {
			c.parser.Gap(ch.dir, ch.n, ch.at, s.emit)
			continue
		}
		if err := c.parser.Feed(ch.dir, d.buf[ch.off:ch.off+ch.n], ch.at, s.emit); err != nil {
			s.fail(c, ch.dir, d.buf[ch.off:ch.off+ch.n], ch.at)
		}
	}
	return true
}

// fail replaces a parser that gave up with a raw parser, which gets the
// bytes of the failing call so nothing goes unseen.
func (s *shard) fail(c *conn, dir event.Dir, p []byte, at uint64) {
	s.delta.ParserFailures++
	if _, isRaw := c.parser.(*raw.Parser); isRaw {
		return
	}
	c.parser.Flush(protocol.Shutdown, s.emit)
	s.countParser(c.parser)
	r := raw.New(s.opts.Limits)
	c.parser = r
	r.Feed(dir, p, at, s.emit)
}

// end flushes a connection for good.
func (s *shard) end(c *conn, why protocol.End) {
	if c.parser == nil && c.detect != nil {
		s.decide(c, true)
	}
	if c.parser != nil {
		c.parser.Flush(why, s.emit)
		s.countParser(c.parser)
	}
}

// countParser adds what a parser counted (protocol.Counter) to the stats.
func (s *shard) countParser(p protocol.Parser) {
	if c, ok := p.(protocol.Counter); ok {
		c.Counts(s.addCount)
	}
}
