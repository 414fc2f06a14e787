package pipeline

import (
	"slices"
	"time"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// itemKind says what a round item asks of a shard.
type itemKind uint8

const (
	itemEvent    itemKind = iota
	itemTick              // evict connections idle at now
	itemShutdown          // flush every connection
)

// item is one entry of a shard's part of a round.
type item struct {
	kind itemKind
	seq  uint64 // input position of the event (or of the event the tick precedes)
	now  uint64 // tick: the clock; event: the time idleness is measured from
	ev   event.Event
	off  int // the event's Data is batch.data[off:off+n]
	n    int
}

// batch is one shard's part of a round.
type batch struct {
	items []item
	data  []byte
	// stripped is how many items had their bytes dropped (Options.Drop).
	stripped int
}

// key orders messages across shards: by the input position of the item
// that completed them; for ticks and shutdown, which complete messages of
// many connections at one position, then by connection and emission order.
type key struct {
	seq    uint64
	phase  uint8 // 0: tick or shutdown (before the event at seq), 1: event
	serial uint64
	n      uint32
}

func (a key) less(b key) bool {
	if a.seq != b.seq {
		return a.seq < b.seq
	}
	if a.phase != b.phase {
		return a.phase < b.phase
	}
	if a.serial != b.serial {
		return a.serial < b.serial
	}
	return a.n < b.n
}

func cmpKeyed(a, b keyed) int {
	switch {
	case a.k.less(b.k):
		return -1
	case b.k.less(a.k):
		return 1
	}
	return 0
}

// mergeRuns sorts all by key. all is the shards' messages one after the
// other, shard i's ending at runs[i]; each shard's are in key order but
// for those a tick or shutdown completed, which come in the order of its
// connection lists. So each run is sorted if it needs it (rarely), and
// the runs are merged pairwise, through tmp, in O(n log shards). It
// returns the sorted messages and the scratch slice to keep for next time.
func mergeRuns(all, tmp []keyed, runs []int) (sorted, scratch []keyed) {
	start := 0
	for _, end := range runs {
		if r := all[start:end]; !slices.IsSortedFunc(r, cmpKeyed) {
			slices.SortFunc(r, cmpKeyed)
		}
		start = end
	}
	for len(runs) > 1 {
		tmp = slices.Grow(tmp[:0], len(all))
		n := 0
		start := 0
		for i := 0; i < len(runs); i += 2 {
			if i+1 == len(runs) {
				tmp = append(tmp, all[start:runs[i]]...)
				runs[n] = runs[i]
				n++
				break
			}
			tmp = merge2(tmp, all[start:runs[i]], all[runs[i]:runs[i+1]])
			runs[n] = runs[i+1]
			n++
			start = runs[i+1]
		}
		runs = runs[:n]
		clear(all)
		all, tmp = tmp, all
	}
	return all, tmp
}

// merge2 appends the sorted a and b to dst in key order, a's first among
// equals (keys are unique, so there are none).
func merge2(dst, a, b []keyed) []keyed {
	for len(a) > 0 && len(b) > 0 {
		if b[0].k.less(a[0].k) {
			dst = append(dst, b[0])
			b = b[1:]
		} else {
			dst = append(dst, a[0])
			a = a[1:]
		}
	}
	dst = append(dst, a...)
	return append(dst, b...)
}

// keyed is a message with its ordering key.
type keyed struct {
	k key
	m *message.Message
}

// result is what a shard made of its part of a round.
type result struct {
	msgs  []keyed
	delta Stats
	kinds kinds
}

// shard owns a set of connections. All its fields are used by its own
// goroutine only.
type shard struct {
	opts  *Options
	cfg   protocol.Config
	conns table
	// head and tail are the least and most recently active connections
	// of the two lists: [0] ordinary, [1] kept (see conn.keep).
	head, tail  [2]*conn
	maxConns    int
	detectLimit int

	in  chan *batch
	out chan *result

	// Set while an item is processed: where emitted messages go.
	cur      *result
	curK     key
	curC     *conn
	delta    *Stats
	emit     protocol.Emit
	addCount func(string, uint64)
}

func newShard(o *Options, cfg protocol.Config, maxConns, depth int) *shard {
	s := &shard{
		opts:        o,
		cfg:         cfg,
		conns:       newTable(),
		maxConns:    maxConns,
		detectLimit: min(detectLimit, o.Limits.MaxBuffer),
		in:          make(chan *batch, depth),
		out:         make(chan *result, depth),
	}
	s.emit = s.collect
	s.addCount = func(name string, n uint64) {
		if s.delta.Parsers == nil {
			s.delta.Parsers = make(map[string]uint64)
		}
		s.delta.Parsers[name] += n
	}
	return s
}

// collect is the shard's emit function: it stamps the message with its
// connection and ordering key.
func (s *shard) collect(m *message.Message) {
	if s.curC != nil {
		m.Conn = s.curC.info
	}
	s.delta.count(m, &s.cur.kinds)
	k := s.curK
	k.n = uint32(len(s.cur.msgs))
	if k.phase == 0 && s.curC != nil {
		k.serial = s.curC.info.Serial
	}
	s.cur.msgs = append(s.cur.msgs, keyed{k, m})
}

func (s *shard) run(recycle func(*batch)) {
	last := 0 // messages of the last round, to size the next one's
	for b := range s.in {
		r := &result{msgs: make([]keyed, 0, last+last/4)}
		s.cur, s.delta = r, &r.delta
		for i := range b.items {
			it := &b.items[i]
			switch it.kind {
			case itemEvent:
				it.ev.Data = b.data[it.off : it.off+it.n : it.off+it.n]
				s.event(it)
			case itemTick:
				s.curK = key{seq: it.seq, phase: 0}
				s.evictIdle(it.now)
			case itemShutdown:
				s.curK = key{seq: it.seq, phase: 0}
				s.shutdown()
			}
		}
		s.curC = nil
		recycle(b)
		last = len(r.msgs)
		s.out <- r
	}
	close(s.out)
}

func (s *shard) event(it *item) {
	e := &it.ev
	s.curK = key{seq: it.seq, phase: 1}
	id := e.ID()
	c := s.conns.get(id)
	if c == nil {
		if e.Kind == event.Close {
			// A close for a connection we never saw carries nothing.
			s.curC = nil
			return
		}
		if s.conns.len() >= s.maxConns && (s.head[0] != nil || s.head[1] != nil) {
			victim := s.oldest()
			s.curC = victim
			s.curK = key{seq: it.seq, phase: 0}
			s.end(victim, protocol.Evicted)
			s.remove(victim)
			s.delta.ConnsEvicted++
			s.curK = key{seq: it.seq, phase: 1}
		}
		info := &message.Conn{ID: id, Serial: it.seq}
		learn(info, e)
		c = &conn{info: info}
		s.conns.put(id, c)
		s.delta.ConnsOpened++
	} else {
		s.unlink(c)
		c.update(e)
	}
	s.curC = c
	if e.Kind == event.Close {
		s.end(c, protocol.Closed)
		s.conns.del(id)
		s.delta.ConnsClosed++
		return
	}
	c.lastSeen = it.now
	s.feed(c, e)
	k, ok := c.parser.(protocol.Keeper)
	c.keep = ok && k.Keep()
	s.pushBack(c)
}

// oldest returns the least recently active connection of both lists.
func (s *shard) oldest() *conn {
	a, b := s.head[0], s.head[1]
	if a == nil || (b != nil && b.lastSeen < a.lastSeen) {
		return b
	}
	return a
}

// evictIdle ends every ordinary connection quiet since before now-Idle,
// and every kept one quiet since before now-KeepState.
func (s *shard) evictIdle(now uint64) {
	for l, d := range [2]time.Duration{s.opts.Idle, s.opts.KeepState} {
		if d < 0 {
			continue
		}
		for c := s.head[l]; c != nil && c.lastSeen+uint64(d) <= now; c = s.head[l] {
			s.curC = c
			s.end(c, protocol.Idle)
			s.remove(c)
			s.delta.ConnsIdle++
		}
	}
	s.curC = nil
}

func (s *shard) shutdown() {
	for c := s.oldest(); c != nil; c = s.oldest() {
		s.curC = c
		s.end(c, protocol.Shutdown)
		s.remove(c)
		s.delta.ConnsAtEnd++
	}
	s.curC = nil
}

func (s *shard) remove(c *conn) {
	s.unlink(c)
	s.conns.del(c.info.ID)
}

func (s *shard) unlink(c *conn) {
	l := b2i(c.keep)
	if c.prev != nil {
		c.prev.next = c.next
	} else if s.head[l] == c {
		s.head[l] = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else if s.tail[l] == c {
		s.tail[l] = c.prev
	}
	c.prev, c.next = nil, nil
}

func (s *shard) pushBack(c *conn) {
	l := b2i(c.keep)
	c.prev = s.tail[l]
	if s.tail[l] != nil {
		s.tail[l].next = c
	} else {
		s.head[l] = c
	}
	s.tail[l] = c
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
