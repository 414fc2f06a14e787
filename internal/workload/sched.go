package workload

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"net/netip"

	"github.com/tapir-dev/tapir/event"
)

// startTime is the capture clock at the first event: 2024-11-23 08:20 UTC.
const startTime uint64 = 1732350000000000000

// world is what a Kind contributes to the generator: the processes that
// open connections, and what each exchange carries.
type world struct {
	procs []*proc
	// fill sets c.out to the bytes the process writes in exchange i (of
	// c.n) and c.in to the bytes it then reads, reusing their storage.
	fill func(c *conn, i int)
	// piece returns how many bytes of an incoming message of n remaining
	// bytes one read returns.
	piece func(n int) int
}

// proc is a simulated process.
type proc struct {
	pid    uint32
	comm   string
	tids   []uint32
	weight int
	fds    fdTable
	// src and src6 are the addresses of this host that the process's
	// connections come from (IPv4, IPv6); dsts are the servers it talks
	// to. A loopback src is used for every server, whose address it takes.
	src, src6 netip.Addr
	dsts      []*server
}

// server is a peer that processes connect to.
type server struct {
	host string
	addr netip.AddrPort
	// name is the Server header; kind picks the server's habits.
	name string
}

// conn is one simulated connection.
type conn struct {
	p        *proc
	srv      *server
	tid      uint32
	fd       int32
	src, dst netip.AddrPort
	n, done  int
	// out and in hold the current exchange; off is how much of in has
	// been read, -1 before the request is written.
	out, in []byte
	off     int
	// mark, when beyond off, is a point of in that one read does not
	// cross: the end of a TLS record.
	mark int
	// slot is the index in generator.busy while the connection exchanges.
	slot int
}

// fdTable hands out the lowest free file descriptor, as the kernel does.
type fdTable struct {
	next int32
	free fdHeap
}

func (t *fdTable) get() int32 {
	if len(t.free) > 0 {
		return heap.Pop(&t.free).(int32)
	}
	fd := t.next
	t.next++
	return fd
}

func (t *fdTable) put(fd int32) { heap.Push(&t.free, fd) }

type fdHeap []int32

func (h fdHeap) Len() int           { return len(h) }
func (h fdHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h fdHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *fdHeap) Push(x any)        { *h = append(*h, x.(int32)) }
func (h *fdHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// generator runs a world: it opens connections, interleaves their events
// at random and closes them, handing each event to yield.
type generator struct {
	cfg   Config
	rng   *rand.Rand
	yield func(*event.Event) error
	now   uint64
	port  uint16
	ev    event.Event
	busy  []*conn
	idle  []*conn // finished, still open; oldest first
	spare []*conn // closed, for reuse of their buffers
}

func newGenerator(cfg Config, yield func(*event.Event) error) *generator {
	return &generator{
		cfg:   cfg,
		rng:   rand.New(rand.NewPCG(cfg.Seed, 0x7461706972)),
		yield: yield,
		now:   startTime,
		port:  32768 + uint16(cfg.Seed%1000),
	}
}

// tick advances the clock by a gap of 1 to 40 µs, skewed to short gaps.
func (g *generator) tick() uint64 {
	g.now += 1000 + uint64(g.rng.ExpFloat64()*6000)%39000
	return g.now
}

// logUniform returns an integer in [lo, hi] whose logarithm is uniform:
// small values are as likely per octave as large ones.
func (g *generator) logUniform(lo, hi int) int {
	v := int(math.Exp(math.Log(float64(lo)) + g.rng.Float64()*(math.Log(float64(hi+1))-math.Log(float64(lo)))))
	return min(max(v, lo), hi)
}

// ephemeral returns the next local port, from Linux's default range.
func (g *generator) ephemeral() uint16 {
	g.port++
	if g.port > 60999 || g.port < 32768 {
		g.port = 32768
	}
	return g.port
}

func (g *generator) run(w world) error {
	total := 0
	for _, p := range w.procs {
		total += p.weight
	}
	started, open := 0, 0
	for started < g.cfg.Conns || len(g.busy) > 0 {
		for len(g.busy) < g.cfg.Parallel && started < g.cfg.Conns {
			if open >= g.cfg.Open {
				c := g.idle[0]
				g.idle = g.idle[1:]
				if err := g.close(c); err != nil {
					return err
				}
				open--
			}
			g.start(w.procs, total)
			started++
			open++
		}
		i := g.rng.IntN(len(g.busy))
		c := g.busy[i]
		if err := g.step(w, c); err != nil {
			return err
		}
		if c.done == c.n {
			last := g.busy[len(g.busy)-1]
			g.busy[i], last.slot = last, i
			g.busy = g.busy[:len(g.busy)-1]
			g.idle = append(g.idle, c)
		}
	}
	g.rng.Shuffle(len(g.idle), func(i, j int) { g.idle[i], g.idle[j] = g.idle[j], g.idle[i] })
	for _, c := range g.idle {
		if err := g.close(c); err != nil {
			return err
		}
	}
	g.idle = nil
	return nil
}

// start opens a connection from a process picked by weight.
func (g *generator) start(procs []*proc, total int) {
	r := g.rng.IntN(total)
	p := procs[0]
	for _, q := range procs {
		if r < q.weight {
			p = q
			break
		}
		r -= q.weight
	}
	var c *conn
	if n := len(g.spare); n > 0 {
		c = g.spare[n-1]
		g.spare = g.spare[:n-1]
	} else {
		c = new(conn)
	}
	c.p = p
	c.srv = p.dsts[g.rng.IntN(len(p.dsts))]
	c.tid = p.tids[g.rng.IntN(len(p.tids))]
	c.fd = p.fds.get()
	c.src = netip.AddrPortFrom(p.src, g.ephemeral())
	c.dst = c.srv.addr
	switch {
	case p.src.IsLoopback():
		c.dst = netip.AddrPortFrom(p.src, c.srv.addr.Port())
	case c.dst.Addr().Is6():
		c.src = netip.AddrPortFrom(p.src6, c.src.Port())
	}
	c.n, c.done, c.off = g.cfg.Exchanges, 0, -1
	c.slot = len(g.busy)
	g.busy = append(g.busy, c)
	if c.n == 0 {
		g.busy = g.busy[:len(g.busy)-1]
		g.idle = append(g.idle, c)
	}
}

// step emits the next data event of c.
func (g *generator) step(w world, c *conn) error {
	e := &g.ev
	*e = event.Event{
		Kind: event.Data,
		PID:  c.p.pid,
		TID:  c.tid,
		FD:   c.fd,
		Comm: c.p.comm,
		Lib:  "openssl",
		Src:  c.src,
		Dst:  c.dst,
	}
	if c.off < 0 {
		w.fill(c, c.done)
		c.off = 0
		e.Dir = event.Out
		e.Data = c.out
	} else {
		n := w.piece(len(c.in) - c.off)
		if c.mark > c.off {
			n = min(n, c.mark-c.off)
		}
		e.Dir = event.In
		e.Data = c.in[c.off : c.off+n]
		c.off += n
	}
	if c.off == len(c.in) {
		c.done++
		c.off = -1
	}
	e.Time = g.tick()
	return g.yield(e)
}

// close emits the close event of c and frees its file descriptor.
func (g *generator) close(c *conn) error {
	e := &g.ev
	*e = event.Event{
		Kind: event.Close,
		Time: g.tick(),
		PID:  c.p.pid,
		TID:  c.tid,
		FD:   c.fd,
		Comm: c.p.comm,
	}
	c.p.fds.put(c.fd)
	g.spare = append(g.spare, c)
	return g.yield(e)
}
