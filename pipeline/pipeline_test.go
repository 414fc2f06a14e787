package pipeline_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/eventtest"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol"
)

// lineSpec is a test protocol: connections whose first bytes are "L:" carry
// newline-terminated lines, one message each; Flush emits a last unfinished
// line as partial.
var lineSpec = protocol.Spec{
	Name: "line",
	Detect: func(s protocol.Sample) protocol.Verdict {
		h := s.Head(s.First)
		switch {
		case bytes.HasPrefix(h, []byte("L:")):
			return protocol.Yes
		case bytes.HasPrefix([]byte("L:"), h):
			return protocol.NeedMore
		}
		return protocol.No
	},
	New: func(protocol.Config) protocol.Parser { return &lineParser{} },
}

type lineParser struct {
	buf   [2][]byte
	start [2]uint64
	lines uint64
}

// Counts reports the lines seen (protocol.Counter).
func (l *lineParser) Counts(add func(string, uint64)) { add("line lines", l.lines) }

func (l *lineParser) Feed(dir event.Dir, p []byte, at uint64, emit protocol.Emit) error {
	for len(p) > 0 {
		if len(l.buf[dir]) == 0 {
			l.start[dir] = at
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.buf[dir] = append(l.buf[dir], p...)
			return nil
		}
		l.buf[dir] = append(l.buf[dir], p[:i]...)
		p = p[i+1:]
		l.lines++
		emit(l.msg(dir, at, false))
	}
	return nil
}

func (l *lineParser) msg(dir event.Dir, at uint64, partial bool) *message.Message {
	m := &message.Message{Proto: "line", Dir: dir, Start: l.start[dir], End: at, Partial: partial,
		Body: &message.Body{Data: bytes.Clone(l.buf[dir])}}
	l.buf[dir] = l.buf[dir][:0]
	return m
}

func (l *lineParser) Gap(dir event.Dir, n int, at uint64, emit protocol.Emit) {}

func (l *lineParser) Flush(why protocol.End, emit protocol.Emit) {
	for d := range l.buf {
		if len(l.buf[d]) > 0 {
			emit(l.msg(event.Dir(d), l.start[d], why != protocol.Closed))
		}
	}
}

// out is a message reduced to what the tests compare.
type out struct {
	Conn    string
	Serial  uint64
	Proto   string
	Dir     event.Dir
	Data    string
	Partial bool
}

func reduce(m *message.Message) out {
	o := out{Conn: m.Connection().ID.String(), Serial: m.Connection().Serial, Proto: m.Proto, Dir: m.Dir, Partial: m.Partial}
	if m.Body != nil {
		o.Data = string(m.Body.Data)
	}
	return o
}

func run(t *testing.T, opts pipeline.Options, evs []event.Event) ([]out, pipeline.Stats) {
	t.Helper()
	if opts.Protocols == nil {
		opts.Protocols = protocol.List{lineSpec}
	}
	msgs, st := eventtest.Run(t, opts, evs)
	var got []out
	for _, m := range msgs {
		got = append(got, reduce(m))
	}
	return got, st
}

func data(pid uint32, fd int32, ts uint64, dir event.Dir, s string) event.Event {
	return event.Event{Kind: event.Data, Time: ts, PID: pid, TID: pid, FD: fd, Comm: "test", Dir: dir, Data: []byte(s),
		Src: netip.MustParseAddrPort("127.0.0.1:40000"), Dst: netip.MustParseAddrPort("127.0.0.1:443")}
}

func closeEv(pid uint32, fd int32, ts uint64) event.Event {
	return event.Event{Kind: event.Close, Time: ts, PID: pid, FD: fd}
}

// randomConn makes the events of one connection: turns of random lines or
// random raw bytes, split into random pieces, ending with a close.
func randomConn(r *rand.Rand, pid uint32, fd int32, ts *uint64) []event.Event {
	var evs []event.Event
	lines := r.IntN(2) == 0
	first := true
	for turn := range 1 + r.IntN(6) {
		dir := event.Dir(turn % 2)
		var payload []byte
		if lines && first {
			payload = append(payload, "L:"...)
		}
		first = false
		for range 1 + r.IntN(4) {
			for range r.IntN(30) {
				payload = append(payload, byte('a'+r.IntN(26)))
			}
			if lines {
				payload = append(payload, '\n')
			}
		}
		for len(payload) > 0 {
			n := 1 + r.IntN(len(payload))
			*ts += uint64(1 + r.IntN(1000))
			evs = append(evs, data(pid, fd, *ts, dir, string(payload[:n])))
			payload = payload[n:]
		}
	}
	*ts += 10
	return append(evs, closeEv(pid, fd, *ts))
}

// TestInterleavingKeepsEachConnection checks, for random interleavings of
// many connections, that each connection's messages are exactly those it
// gives when fed alone, and that the whole output does not depend on the
// number of shards.
func TestInterleavingKeepsEachConnection(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 1))
		var conns [][]event.Event
		var ts uint64
		for i := range 30 {
			conns = append(conns, randomConn(r, uint32(100+i%5), int32(i), &ts))
		}
		// Alone, one connection at a time.
		want := map[string][]out{}
		for _, c := range conns {
			got, _ := run(t, pipeline.Options{Shards: 1}, c)
			for _, o := range got {
				o.Serial = 0
				want[o.Conn] = append(want[o.Conn], o)
			}
		}
		// Interleaved at random, keeping each connection's order.
		var mixed []event.Event
		idx := make([]int, len(conns))
		for left := len(conns); left > 0; {
			i := r.IntN(len(conns))
			if idx[i] == len(conns[i]) {
				continue
			}
			mixed = append(mixed, conns[i][idx[i]])
			idx[i]++
			if idx[i] == len(conns[i]) {
				left--
			}
		}
		var first []out
		for _, shards := range []int{1, 2, 3, 8} {
			got, _ := run(t, pipeline.Options{Shards: shards}, mixed)
			per := map[string][]out{}
			for _, o := range got {
				o.Serial = 0
				per[o.Conn] = append(per[o.Conn], o)
			}
			if diff := cmp.Diff(want, per); diff != "" {
				t.Fatalf("seed %d, %d shards: per-connection output differs from alone (-want +got):\n%s", seed, shards, diff)
			}
			if first == nil {
				first = got
			} else if diff := cmp.Diff(first, got); diff != "" {
				t.Fatalf("seed %d: output with %d shards differs from 1 shard (-1 +%d):\n%s", seed, shards, shards, diff)
			}
		}
	}
}

func TestCloseSeparatesReusedFD(t *testing.T) {
	evs := []event.Event{
		data(1, 5, 1, event.Out, "L:first\n"),
		data(1, 5, 2, event.Out, "unfinished"),
		closeEv(1, 5, 3),
		data(1, 5, 4, event.Out, "a plain second connection"),
		closeEv(1, 5, 5),
	}
	got, st := run(t, pipeline.Options{}, evs)
	want := []out{
		{Conn: "pid=1 fd=5", Serial: 1, Proto: "line", Data: "L:first"},
		{Conn: "pid=1 fd=5", Serial: 1, Proto: "line", Data: "unfinished"}, // close completes it
		{Conn: "pid=1 fd=5", Serial: 4, Proto: "raw", Data: "a plain second connection"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages differ (-want +got):\n%s", diff)
	}
	if st.ConnsOpened != 2 || st.ConnsClosed != 2 {
		t.Errorf("opened %d, closed %d; want 2, 2", st.ConnsOpened, st.ConnsClosed)
	}
}

func TestConnNameAndThreads(t *testing.T) {
	a := data(1, 5, 1, event.Out, "L:x\n")
	b := data(1, 5, 2, event.Out, "L:y\n") // another thread of the same process
	b.TID = 99
	c := data(2, 6, 3, event.Out, "z\n")
	c.Conn = "shared"
	d := data(3, 7, 4, event.Out, "L:w\n") // different pid+fd, same conn name: same connection
	d.Conn = "shared"
	got, st := run(t, pipeline.Options{}, []event.Event{a, b, c, d})
	if st.ConnsOpened != 2 {
		t.Errorf("opened %d connections; want 2", st.ConnsOpened)
	}
	// The named connection is one raw turn: both events, one direction.
	if len(got) != 3 || got[1].Data != "L:y" || got[2].Conn != "conn=shared" || got[2].Data != "z\nL:w\n" {
		t.Errorf("got %+v", got)
	}
}

// TestConnInfoSharedAndReplaced checks that the messages of a connection
// share one message.Conn while nothing new is learnt of it, and that what
// an event adds (here its addresses, then another thread's command name)
// goes into a new Conn, leaving the one earlier messages hold as it was.
func TestConnInfoSharedAndReplaced(t *testing.T) {
	first := data(1, 5, 1, event.Out, "L:a\n")
	first.Src, first.Dst = netip.AddrPort{}, netip.AddrPort{}
	second := first
	second.Time, second.Data = 2, []byte("b\n")
	third := data(1, 5, 3, event.Out, "c\n") // the addresses become known
	fourth := third
	fourth.Time, fourth.Data = 4, []byte("d\n")
	fifth := third
	fifth.Time, fifth.Data, fifth.Comm = 5, []byte("e\n"), "worker"
	msgs, _ := eventtest.Run(t, pipeline.Options{Protocols: protocol.List{lineSpec}},
		[]event.Event{first, second, third, fourth, fifth})
	if len(msgs) != 5 {
		t.Fatalf("got %d messages; want 5", len(msgs))
	}
	c := make([]*message.Conn, len(msgs))
	for i, m := range msgs {
		c[i] = m.Conn
	}
	if c[0] != c[1] || c[2] != c[3] {
		t.Errorf("messages with nothing new between them have different Conns: %p %p %p %p", c[0], c[1], c[2], c[3])
	}
	if c[1] == c[2] || c[3] == c[4] {
		t.Errorf("what an event added changed a Conn in place: %p %p %p", c[1], c[2], c[4])
	}
	if c[0].Src.IsValid() || c[0].Comm != "test" {
		t.Errorf("first Conn changed after it was shared: %+v", *c[0])
	}
	if c[2].Src != third.Src || c[2].Dst != third.Dst || c[2].Comm != "test" {
		t.Errorf("addresses not learnt: %+v", *c[2])
	}
	if c[4].Comm != "worker" || c[4].Src != third.Src || c[4].Serial != c[0].Serial {
		t.Errorf("fifth Conn %+v; want comm worker, the same addresses and serial", *c[4])
	}
}

func TestShutdownFlushesPartial(t *testing.T) {
	evs := []event.Event{
		data(1, 5, 1, event.Out, "L:complete\n"),
		data(1, 5, 2, event.Out, "cut in the mid"),
	}
	got, st := run(t, pipeline.Options{}, evs)
	want := []out{
		{Conn: "pid=1 fd=5", Serial: 1, Proto: "line", Data: "L:complete"},
		{Conn: "pid=1 fd=5", Serial: 1, Proto: "line", Data: "cut in the mid", Partial: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages differ (-want +got):\n%s", diff)
	}
	if st.ConnsAtEnd != 1 || st.Partial != 1 {
		t.Errorf("ConnsAtEnd %d, Partial %d; want 1, 1", st.ConnsAtEnd, st.Partial)
	}
	if st.Parsers["line lines"] != 1 {
		t.Errorf("Parsers = %v; want the parser's count of 1 line", st.Parsers)
	}
}

func TestDetectionWaitsThenFallsBack(t *testing.T) {
	evs := []event.Event{
		data(1, 5, 1, event.Out, "L"), // NeedMore
		data(1, 5, 2, event.Out, ":yes\n"),
		data(1, 6, 3, event.Out, "L"), // NeedMore until the close: then raw
		closeEv(1, 6, 4),
	}
	got, _ := run(t, pipeline.Options{}, evs)
	want := []out{
		{Conn: "pid=1 fd=5", Serial: 1, Proto: "line", Data: "L:yes"},
		{Conn: "pid=1 fd=6", Serial: 3, Proto: "raw", Data: "L"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages differ (-want +got):\n%s", diff)
	}
}

func TestIdleOnEventClock(t *testing.T) {
	sec := uint64(time.Second)
	evs := []event.Event{
		data(1, 5, 1*sec, event.Out, "L:a\nquiet"),
		data(1, 6, 2*sec, event.Out, "L:b\n"),
		// At 3.5 s on the events' clock fd 5 has been quiet for 2.5 s.
		data(1, 6, 3*sec+sec/2, event.Out, "c\n"),
		data(1, 6, 5*sec, event.Out, "d\n"),
		data(1, 5, 7*sec, event.Out, "new\n"), // a new connection after eviction
	}
	got, st := run(t, pipeline.Options{Idle: 2 * time.Second}, evs)
	want := []out{
		{Conn: "pid=1 fd=5", Serial: 1, Proto: "line", Data: "L:a"},
		{Conn: "pid=1 fd=6", Serial: 2, Proto: "line", Data: "L:b"},
		{Conn: "pid=1 fd=5", Serial: 1, Proto: "line", Data: "quiet", Partial: true},
		{Conn: "pid=1 fd=6", Serial: 2, Proto: "line", Data: "c"},
		{Conn: "pid=1 fd=6", Serial: 2, Proto: "line", Data: "d"},
		{Conn: "pid=1 fd=5", Serial: 5, Proto: "raw", Data: "new\n"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages differ (-want +got):\n%s", diff)
	}
	if st.ConnsIdle != 2 { // fd 5 at 3.5 s, fd 6 at 7 s
		t.Errorf("ConnsIdle = %d; want 2", st.ConnsIdle)
	}
}

// TestIdleOnWallClock checks that a live connection that goes quiet is
// flushed by the timer, with no further event, after the idle timeout.
func TestIdleOnWallClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		got := make(chan out, 10)
		p, err := pipeline.New(pipeline.Options{
			Clock: pipeline.WallClock, Idle: time.Second, Protocols: protocol.List{lineSpec},
			Output: func(m *message.Message) error { got <- reduce(m); return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		e := data(1, 5, 1, event.Out, "L:done\npending")
		if err := p.Push(&e); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond) // fake time: the flush timer runs
		synctest.Wait()
		if m := <-got; m.Data != "L:done" || m.Partial {
			t.Fatalf("first message %+v", m)
		}
		select {
		case m := <-got:
			t.Fatalf("message before the idle timeout: %+v", m)
		default:
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		select {
		case m := <-got:
			if m.Data != "pending" || !m.Partial {
				t.Fatalf("idle flush gave %+v; want partial \"pending\"", m)
			}
		default:
			t.Fatal("nothing flushed after the idle timeout")
		}
		if st := p.Stats(); st.ConnsIdle != 1 {
			t.Errorf("ConnsIdle = %d; want 1", st.ConnsIdle)
		}
	})
}

func TestMaxConnsEvictsLeastRecent(t *testing.T) {
	evs := []event.Event{
		data(1, 1, 1, event.Out, "L:one"),
		data(1, 2, 2, event.Out, "L:two"),
		data(1, 1, 3, event.Out, "!"), // fd 1 is now the most recent
		data(1, 3, 4, event.Out, "L:three"),
	}
	got, st := run(t, pipeline.Options{Shards: 1, MaxConns: 2}, evs)
	want := []out{
		{Conn: "pid=1 fd=2", Serial: 2, Proto: "line", Data: "L:two", Partial: true},
		{Conn: "pid=1 fd=1", Serial: 1, Proto: "line", Data: "L:one!", Partial: true},
		{Conn: "pid=1 fd=3", Serial: 4, Proto: "line", Data: "L:three", Partial: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages differ (-want +got):\n%s", diff)
	}
	if st.ConnsEvicted != 1 || !st.Lossy() {
		t.Errorf("ConnsEvicted = %d, Lossy %v; want 1, true", st.ConnsEvicted, st.Lossy())
	}
}

func TestFilterAndCounters(t *testing.T) {
	evs := []event.Event{
		data(1, 1, 1, event.Out, "hello"),
		data(2, 1, 2, event.Out, "skipped"),
		{Kind: event.Data, Time: 3, PID: 1, FD: 1, Dir: event.In, Data: []byte("part"), OrigLen: 10},
		closeEv(1, 1, 4),
	}
	got, st := run(t, pipeline.Options{Filter: func(e *event.Event) bool { return e.PID == 1 }}, evs)
	if len(got) != 2 {
		t.Fatalf("got %d messages; want 2: %+v", len(got), got)
	}
	want := pipeline.Stats{Events: 4, DataEvents: 3, CloseEvents: 1, Bytes: 16, Filtered: 1, LostBytes: 6,
		ConnsOpened: 1, ConnsClosed: 1, Messages: map[string]uint64{"raw/data": 2}, Gaps: 1}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("stats differ (-want +got):\n%s", diff)
	}
}

func TestOutputErrorStops(t *testing.T) {
	boom := errors.New("boom")
	p, err := pipeline.New(pipeline.Options{Output: func(*message.Message) error { return boom }})
	if err != nil {
		t.Fatal(err)
	}
	var pushErr error
	for i := range 10000 {
		e := data(1, int32(i), uint64(i), event.Out, "x")
		c := closeEv(1, int32(i), uint64(i))
		if pushErr = p.Push(&e); pushErr != nil {
			break
		}
		if pushErr = p.Push(&c); pushErr != nil {
			break
		}
	}
	if !errors.Is(pushErr, boom) {
		t.Errorf("Push after output failure = %v; want boom", pushErr)
	}
	if err := p.Close(); !errors.Is(err, boom) {
		t.Errorf("Close = %v; want boom", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close = %v; want nil", err)
	}
	e := data(1, 1, 1, event.Out, "x")
	if err := p.Push(&e); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Push after Close = %v; want ErrClosed", err)
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []pipeline.Options{
		{Shards: -1},
		{Protocols: protocol.List{lineSpec, lineSpec}},
		{Limits: protocol.Limits{MaxBuffer: -1}},
	} {
		if _, err := pipeline.New(o); err == nil {
			t.Errorf("New(%+v) = nil error", o)
		}
	}
}

func ExamplePipeline() {
	p, _ := pipeline.New(pipeline.Options{
		Output: func(m *message.Message) error {
			fmt.Printf("%s %s %q\n", m.Proto, m.Dir, m.Body.Data)
			return nil
		},
	})
	for _, e := range []event.Event{
		{Kind: event.Data, PID: 1, FD: 3, Dir: event.Out, Data: []byte("PING\r\n")},
		{Kind: event.Data, PID: 1, FD: 3, Dir: event.In, Data: []byte("PONG\r\n")},
		{Kind: event.Close, PID: 1, FD: 3},
	} {
		p.Push(&e)
	}
	p.Close()
	// Output:
	// raw out "PING\r\n"
	// raw in "PONG\r\n"
}

// TestDropMarksGaps checks that with Drop a busy pipeline does not block
// the source: the bytes it cannot take are dropped, counted, and marked as
// gaps in the messages, and closes still end their connections.
func TestDropMarksGaps(t *testing.T) {
	release := make(chan struct{})
	var got []*message.Message
	p, err := pipeline.New(pipeline.Options{
		Shards: 1, Drop: true,
		Output: func(m *message.Message) error {
			<-release // the output is stuck until released
			got = append(got, m)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Far more rounds than the queues hold; with the output stuck, Push
	// must keep returning.
	const conns = 200
	for i := range 20 * 1024 {
		fd := int32(i % conns)
		e := data(1, fd, uint64(i), event.Dir(i/conns%2), "some bytes")
		if err := p.Push(&e); err != nil {
			t.Fatal(err)
		}
	}
	for fd := range int32(conns) {
		c := closeEv(1, fd, 1<<20)
		p.Push(&c)
	}
	close(release)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	if st.Dropped == 0 || st.DroppedBytes != st.Dropped*10 {
		t.Fatalf("Dropped %d events, %d bytes; want some, 10 bytes each", st.Dropped, st.DroppedBytes)
	}
	if st.ConnsClosed != conns {
		t.Errorf("ConnsClosed = %d; want %d: closes must survive drops", st.ConnsClosed, conns)
	}
	gaps := 0
	for _, m := range got {
		for _, n := range m.Notes {
			if n.Kind == message.Gap {
				gaps++
			}
		}
	}
	if gaps == 0 || st.Gaps == 0 || !st.Lossy() {
		t.Errorf("%d gap notes, Stats.Gaps %d, Lossy %v; want the drops marked", gaps, st.Gaps, st.Lossy())
	}
}

// keepParser is a lineParser whose state outlives its messages
// (protocol.Keeper), like HTTP/2's HPACK tables.
type keepParser struct{ lineParser }

func (*keepParser) Keep() bool { return true }

var keepSpec = protocol.Spec{
	Name: "keep",
	Detect: func(s protocol.Sample) protocol.Verdict {
		if bytes.HasPrefix(s.Head(s.First), []byte("K:")) {
			return protocol.Yes
		}
		return protocol.No
	},
	New: func(protocol.Config) protocol.Parser { return &keepParser{} },
}

// TestKeepersOutliveIdle checks that a connection whose parser keeps state
// is not forgotten at the idle timeout, but is after KeepState.
func TestKeepersOutliveIdle(t *testing.T) {
	sec := uint64(time.Second)
	evs := []event.Event{
		data(1, 5, 1*sec, event.Out, "K:first\nhalf"),
		data(1, 6, 1*sec, event.Out, "L:first\nhalf"),
		data(1, 7, 5*sec, event.Out, "tick"), // the clock moves: fd 6 is idle, fd 5 kept
		data(1, 5, 6*sec, event.Out, " and more\n"),
		data(1, 7, 30*sec, event.Out, "tock"), // past KeepState: fd 5 goes too
	}
	got, st := run(t, pipeline.Options{Idle: 2 * time.Second, KeepState: 10 * time.Second,
		Protocols: protocol.List{keepSpec, lineSpec}}, evs)
	want := []out{
		{Conn: "pid=1 fd=5", Serial: 1, Proto: "line", Data: "K:first"},
		{Conn: "pid=1 fd=6", Serial: 2, Proto: "line", Data: "L:first"},
		{Conn: "pid=1 fd=6", Serial: 2, Proto: "line", Data: "half", Partial: true},
		{Conn: "pid=1 fd=5", Serial: 1, Proto: "line", Data: "half and more"},
		{Conn: "pid=1 fd=7", Serial: 3, Proto: "raw", Data: "tick"},
	}
	if diff := cmp.Diff(want, got[:len(want)]); diff != "" {
		t.Errorf("messages differ (-want +got):\n%s", diff)
	}
	// Idle: fd 6 at 5 s; fd 5 (kept) and fd 7 (quiet since 5 s) at 30 s,
	// where fd 7 opens again.
	if st.ConnsIdle != 3 || st.ConnsOpened != 4 {
		t.Errorf("ConnsIdle %d, ConnsOpened %d; want 3, 4 (fd 5 kept through the idle timeout)", st.ConnsIdle, st.ConnsOpened)
	}
}
