package pipeline_test

import (
	"net/netip"

	"github.com/tapir-dev/tapir/event"
)

// input is a workload held for the benchmarks the way a source hands
// events over: one at a time, built into a reused Event, the bytes in one
// arena. Held as 460,000 Events, with their six pointers each, it would
// have every GC cycle of a benchmark scan the whole input, which tapir
// never does: its sources decode each event as it is pushed.
type input struct {
	recs  []rec // pointer-free
	data  []byte
	strs  []string         // Conn, Comm and Lib values, by index
	addrs []netip.AddrPort // Src and Dst values, by index
	bytes int64            // payload bytes
}

// rec is one event of an input, its strings and addresses by index.
type rec struct {
	time            uint64
	pid, tid        uint32
	fd              int32
	off, n, origLen uint32
	src, dst        uint32
	conn, comm, lib uint16
	kind            event.Kind
	dir             event.Dir
}

// compact makes an input of evs.
func compact(evs []event.Event) *input {
	in := &input{recs: make([]rec, len(evs))}
	strs := map[string]uint16{}
	addrs := map[netip.AddrPort]uint32{}
	str := func(s string) uint16 {
		i, ok := strs[s]
		if !ok {
			i = uint16(len(in.strs))
			strs[s] = i
			in.strs = append(in.strs, s)
		}
		return i
	}
	addr := func(a netip.AddrPort) uint32 {
		i, ok := addrs[a]
		if !ok {
			i = uint32(len(in.addrs))
			addrs[a] = i
			in.addrs = append(in.addrs, a)
		}
		return i
	}
	for i := range evs {
		in.bytes += int64(len(evs[i].Data))
	}
	in.data = make([]byte, 0, in.bytes)
	for i := range evs {
		e := &evs[i]
		in.recs[i] = rec{
			time: e.Time, pid: e.PID, tid: e.TID, fd: e.FD,
			off: uint32(len(in.data)), n: uint32(len(e.Data)), origLen: e.OrigLen,
			src: addr(e.Src), dst: addr(e.Dst),
			conn: str(e.Conn), comm: str(e.Comm), lib: str(e.Lib),
			kind: e.Kind, dir: e.Dir,
		}
		in.data = append(in.data, e.Data...)
	}
	return in
}

// len returns the number of events.
func (in *input) len() int { return len(in.recs) }

// event fills e with event i.
func (in *input) event(i int, e *event.Event) {
	r := &in.recs[i]
	*e = event.Event{
		Kind: r.kind, Time: r.time, PID: r.pid, TID: r.tid, FD: r.fd,
		Conn: in.strs[r.conn], Comm: in.strs[r.comm], Lib: in.strs[r.lib], Dir: r.dir,
		Src: in.addrs[r.src], Dst: in.addrs[r.dst],
		OrigLen: r.origLen,
	}
	if r.n > 0 {
		e.Data = in.data[r.off : r.off+r.n : r.off+r.n]
	}
}

// events returns every event as a slice, for checks made before timing.
func (in *input) events() []event.Event {
	evs := make([]event.Event, in.len())
	for i := range evs {
		in.event(i, &evs[i])
	}
	return evs
}
