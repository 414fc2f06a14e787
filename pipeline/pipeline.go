package pipeline

import (
	"context"
	"errors"
	"hash/maphash"
	"io"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/source"
)

// Round sizes: a round is handed to the shards when it holds this many
// events or bytes, whichever comes first.
const (
	roundEvents = 1024
	roundBytes  = 1 << 20
	depth       = 4 // rounds queued per shard
)

// ErrClosed is returned by Push after Close.
var ErrClosed = errors.New("pipeline: closed")

// Pipeline is the processor. Push and Close may be called from different
// goroutines; Push calls are serialised.
type Pipeline struct {
	opts   Options
	shards []*shard
	seed   maphash.Seed
	// free holds batches the shards are done with, for Push to fill
	// again: a fixed set circulates, keeping the room their items and
	// bytes grew to (a sync.Pool would lose them to the collector and to
	// other Ps, and Push would grow a megabyte of bytes again each time).
	free chan *batch

	mu      sync.Mutex // guards the round being built and the clock
	round   []*batch
	pending int // events in the round
	bytes   int
	seq     uint64
	clock   uint64 // latest time seen (EventClock) or now (WallClock)
	next    uint64 // when the next idle tick is due
	closed  bool
	delta   Stats // dispatcher counters not yet sent

	merged chan struct{} // closed when the merger is done
	stop   chan struct{} // stops the wall-clock ticker

	sent int // rounds handed to the shards

	smu    sync.Mutex // guards stats, outErr and done
	stats  Stats
	kinds  kinds // message counts, turned into Stats.Messages
	outErr error
	failed atomic.Bool // outErr is set: Push need not take smu to learn it
	done   int         // rounds merged
	cond   *sync.Cond  // signalled when a round is merged
}

// New validates opts and starts the shards and the merger.
func New(opts Options) (*Pipeline, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Pipeline{
		opts:   o,
		seed:   maphash.MakeSeed(),
		merged: make(chan struct{}),
		stop:   make(chan struct{}),
	}
	// Enough for every round a shard can hold (depth queued, one in
	// work, one being built) and one more in hand.
	p.free = make(chan *batch, o.Shards*(depth+3))
	p.cond = sync.NewCond(&p.smu)
	cfg := protocol.Config{Limits: o.Limits, Lookup: o.Protocols.Lookup, Frames: o.Frames}
	per := (o.MaxConns + o.Shards - 1) / o.Shards
	p.shards = make([]*shard, o.Shards)
	p.round = make([]*batch, o.Shards)
	for i := range p.shards {
		p.shards[i] = newShard(&p.opts, cfg, per, depth)
		p.round[i] = p.getBatch()
	}
	for _, s := range p.shards {
		go s.run(p.putBatch)
	}
	go p.merge()
	if o.Clock == WallClock {
		go p.ticker()
	}
	return p, nil
}

func (p *Pipeline) getBatch() *batch {
	select {
	case b := <-p.free:
		return b
	default:
		return &batch{}
	}
}

func (p *Pipeline) putBatch(b *batch) {
	if cap(b.data) > 4*roundBytes {
		b.data = nil
	}
	clear(b.items) // drop the strings the events held
	b.items, b.data, b.stripped = b.items[:0], b.data[:0], 0
	select {
	case p.free <- b:
	default: // more batches than rounds in flight: let this one go
	}
}

// shardOf routes a connection to its shard.
func (p *Pipeline) shardOf(id event.ConnID) int {
	if len(p.shards) == 1 {
		return 0
	}
	var h uint64
	if id.Name != "" {
		h = maphash.String(p.seed, id.Name)
	} else {
		h = uint64(id.PID)<<32 | uint64(uint32(id.FD))
		h ^= h >> 33
		h *= 0xff51afd7ed558ccd
		h ^= h >> 33
		h *= 0xc4ceb9fe1a85ec53
		h ^= h >> 33
	}
	// The high word of h×shards is h scaled to [0, shards): a
	// multiplication, where h % shards is a division of some 40 cycles
	// for every event.
	hi, _ := bits.Mul64(h, uint64(len(p.shards)))
	return int(hi)
}

// Push hands one event to the pipeline. It copies what it keeps, so e and
// its Data may be reused when Push returns. It blocks while the shards are
// busy (back-pressure), unless Options.Drop is set. It returns ErrClosed
// after Close, and the output's error once output has failed.
func (p *Pipeline) Push(e *event.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	p.delta.Events++
	if e.Kind == event.Close {
		p.delta.CloseEvents++
	} else {
		p.delta.DataEvents++
		p.delta.Bytes += uint64(len(e.Data))
		p.delta.LostBytes += uint64(e.Lost())
	}
	if p.opts.Filter != nil && !p.opts.Filter(e) {
		p.delta.Filtered++
		return nil
	}
	p.seq++
	now := p.clock
	if p.opts.Clock == EventClock {
		if e.Time > p.clock {
			p.clock = e.Time
		}
		now = p.clock
		if p.opts.Idle > 0 {
			if p.next == 0 {
				p.next = now + p.tickEvery()
			} else if now >= p.next {
				p.tickLocked(now)
				p.next = now + p.tickEvery()
			}
		}
	} else {
		now = uint64(time.Now().UnixNano())
	}
	b := p.round[p.shardOf(e.ID())]
	b.items = append(b.items, item{kind: itemEvent, seq: p.seq, now: now, ev: *e, off: len(b.data), n: len(e.Data)})
	b.items[len(b.items)-1].ev.Data = nil // rebased onto b.data by the shard
	b.data = append(b.data, e.Data...)
	p.pending++
	p.bytes += len(e.Data)
	if p.pending >= roundEvents || p.bytes >= roundBytes {
		p.sendLocked()
	}
	return p.outError()
}

func (p *Pipeline) tickEvery() uint64 {
	t := uint64(p.opts.Idle / 4)
	return max(t, uint64(time.Millisecond))
}

// tickLocked adds an idle tick for every shard at the current position.
func (p *Pipeline) tickLocked(now uint64) {
	for _, b := range p.round {
		b.items = append(b.items, item{kind: itemTick, seq: p.seq, now: now})
	}
	p.pending++
}

// sendLocked hands the round to the shards.
func (p *Pipeline) sendLocked() {
	if p.opts.Drop && !p.closed && !p.room() {
		if p.pending < maxHeld {
			p.stripLocked()
			return
		}
		// Even the stripped events fill the memory we allow them: wait
		// for the shards, and let the source's own buffer take the loss.
	}
	d := p.delta
	p.delta = Stats{}
	for i, s := range p.shards {
		b := p.round[i]
		s.in <- b
		p.round[i] = p.getBatch()
	}
	p.pending, p.bytes = 0, 0
	p.sent++
	p.smu.Lock()
	p.stats.add(&d)
	p.smu.Unlock()
}

// maxHeld is how many events, stripped of their bytes, Drop mode holds
// back while the shards are full before it blocks after all.
const maxHeld = 64 * roundEvents

// room reports whether every shard can take a round without blocking.
func (p *Pipeline) room() bool {
	for _, s := range p.shards {
		if len(s.in) == cap(s.in) {
			return false
		}
	}
	return true
}

// stripLocked drops the bytes of the round's data events, keeping each
// event as a gap of its length: the parsers then mark the loss in the
// messages it cuts, and closes and ordering are kept.
func (p *Pipeline) stripLocked() {
	for _, b := range p.round {
		for i := b.stripped; i < len(b.items); i++ {
			it := &b.items[i]
			if it.kind != itemEvent || it.n == 0 {
				continue
			}
			p.delta.Dropped++
			p.delta.DroppedBytes += uint64(it.n)
			it.ev.OrigLen = uint32(min(max(int64(it.ev.OrigLen), int64(it.n)), 1<<32-1))
			it.off, it.n = 0, 0
		}
		b.data = b.data[:0]
		b.stripped = len(b.items)
	}
	p.bytes = 0
}

// Sync hands over the events pushed so far and waits until they have been
// processed and their messages output. Messages still incomplete stay
// pending.
func (p *Pipeline) Sync() {
	p.mu.Lock()
	if !p.closed && p.pending > 0 {
		p.sendLocked()
	}
	target := p.sent
	p.mu.Unlock()
	p.smu.Lock()
	for p.done < target {
		p.cond.Wait()
	}
	p.smu.Unlock()
}

func (p *Pipeline) outError() error {
	if !p.failed.Load() {
		return nil
	}
	p.smu.Lock()
	defer p.smu.Unlock()
	return p.outErr
}

// ticker, for WallClock, hands over rounds and idle ticks as time passes,
// so a quiet live source still sees its messages and idle flushes.
func (p *Pipeline) ticker() {
	flush := time.NewTicker(10 * time.Millisecond)
	defer flush.Stop()
	for {
		select {
		case <-p.stop:
			return
		case t := <-flush.C:
			p.mu.Lock()
			if !p.closed {
				now := uint64(t.UnixNano())
				if p.opts.Idle > 0 && now >= p.next {
					p.tickLocked(now)
					p.next = now + p.tickEvery()
				}
				if p.pending > 0 {
					p.sendLocked()
				}
			}
			p.mu.Unlock()
		}
	}
}

// merge takes each round's results from every shard, orders them and
// passes them to Output.
func (p *Pipeline) merge() {
	defer close(p.merged)
	var all, tmp []keyed
	var runs []int
	var dk kinds
	for {
		all, runs, dk = all[:0], runs[:0], dk[:0]
		var d Stats
		done := 0
		for _, s := range p.shards {
			r, ok := <-s.out
			if !ok {
				done++
				continue
			}
			all = append(all, r.msgs...)
			runs = append(runs, len(all))
			d.add(&r.delta)
			dk.addAll(r.kinds)
		}
		if done == len(p.shards) {
			p.smu.Lock()
			p.done = p.sent
			p.cond.Broadcast()
			p.smu.Unlock()
			return
		}
		all, tmp = mergeRuns(all, tmp, runs)
		p.smu.Lock()
		p.stats.add(&d)
		p.kinds.addAll(dk)
		err := p.outErr
		p.smu.Unlock()
		if err == nil && p.opts.Output != nil {
			for _, km := range all {
				if err = p.opts.Output(km.m); err != nil {
					break
				}
			}
		}
		clear(all)
		p.smu.Lock()
		if err != nil && p.outErr == nil {
			p.outErr = err
			p.failed.Store(true)
		}
		p.done++
		p.cond.Broadcast()
		p.smu.Unlock()
	}
}

// Close flushes every connection (their pending messages marked partial),
// waits until every message has been output, and stops the pipeline. It
// is safe to call more than once; later calls return nil.
func (p *Pipeline) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.stop)
	p.seq++
	for _, b := range p.round {
		b.items = append(b.items, item{kind: itemShutdown, seq: p.seq})
	}
	p.sendLocked()
	for _, s := range p.shards {
		close(s.in)
	}
	p.mu.Unlock()
	<-p.merged
	return p.outError()
}

// Stats returns the counters so far. It is safe to call at any time;
// after Close it is final.
func (p *Pipeline) Stats() Stats {
	p.smu.Lock()
	defer p.smu.Unlock()
	s := p.stats
	s.setMessages(p.kinds)
	if p.stats.Parsers != nil {
		s.Parsers = make(map[string]uint64, len(p.stats.Parsers))
		for k, v := range p.stats.Parsers {
			s.Parsers[k] = v
		}
	}
	return s
}

// Run pushes every event of src into the pipeline until src ends or ctx is
// done, then closes the pipeline (flushing everything) and returns. The
// error is src's, the output's, or ctx's, whichever came first; io.EOF is
// not an error.
func (p *Pipeline) Run(ctx context.Context, src source.Source) error {
	var err error
	for {
		if ctx.Err() != nil {
			err = ctx.Err()
			break
		}
		e, rerr := src.Next()
		if rerr != nil {
			if !errors.Is(rerr, io.EOF) {
				err = rerr
			}
			break
		}
		if perr := p.Push(e); perr != nil {
			err = perr
			break
		}
	}
	cerr := p.Close()
	if err == nil {
		err = cerr
	}
	return err
}
