package pipeline_test

import (
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/workload"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output"
	"github.com/tapir-dev/tapir/output/text"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/builtin"
)

var (
	loadMu sync.Mutex
	loads  = map[loadKey]*input{}
)

// loadKey names a generated workload: its kind and configuration.
type loadKey struct {
	kind workload.Kind
	cfg  workload.Config
}

// load generates a workload once per test binary and configuration.
func load(tb testing.TB, kind workload.Kind, cfg workload.Config) *input {
	tb.Helper()
	loadMu.Lock()
	defer loadMu.Unlock()
	k := loadKey{kind, cfg}
	if in, ok := loads[k]; ok {
		return in
	}
	evs, err := workload.Collect(kind, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	in := compact(evs)
	loads[k] = in
	return in
}

// benchPipeline pushes every event of in through a pipeline with text
// output to io.Discard, b.N times. Besides the bytes and allocations per
// op it reports events/s, msgs/s, and the heap allocations (allocs/msg)
// and bytes allocated (B/msg) per message emitted, counted over the timed
// loop by the runtime for the whole process, as -benchmem counts per op.
func benchPipeline(b *testing.B, in *input, protos protocol.List) {
	b.SetBytes(in.bytes)
	b.ReportAllocs()
	var msgs uint64
	var e event.Event
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		w := output.NewWriter(io.Discard, text.New(text.Options{}))
		p, err := pipeline.New(pipeline.Options{
			Protocols: protos,
			Output:    func(m *message.Message) error { return w.Write(m) },
		})
		if err != nil {
			b.Fatal(err)
		}
		for i := range in.len() {
			in.event(i, &e)
			if err := p.Push(&e); err != nil {
				b.Fatal(err)
			}
		}
		if err := p.Close(); err != nil {
			b.Fatal(err)
		}
		w.Close()
		st := p.Stats()
		msgs += st.TotalMessages()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(in.len())*float64(b.N)/sec, "events/s")
	b.ReportMetric(float64(msgs)/sec, "msgs/s")
	if msgs > 0 {
		b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(msgs), "allocs/msg")
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(msgs), "B/msg")
	}
}

// BenchmarkRawKeepAlive is dispatch + raw parser + text formatter over the
// keep-alive workload.
func BenchmarkRawKeepAlive(b *testing.B) {
	benchPipeline(b, load(b, workload.KeepAlive, workload.Config{}), nil)
}

// BenchmarkRawChurn is the same over the churn workload.
func BenchmarkRawChurn(b *testing.B) {
	benchPipeline(b, load(b, workload.Churn, workload.Config{}), nil)
}

// BenchmarkKeepAlive is the whole default pipeline (every built-in
// protocol) over the keep-alive workload.
func BenchmarkKeepAlive(b *testing.B) {
	benchPipeline(b, load(b, workload.KeepAlive, workload.Config{}), builtin.Default)
}

// BenchmarkChurn is the whole default pipeline over the churn workload.
func BenchmarkChurn(b *testing.B) {
	benchPipeline(b, load(b, workload.Churn, workload.Config{}), builtin.Default)
}

// BenchmarkIdleConn measures the memory held per open, idle connection:
// 100,000 connections each after one complete exchange, none closed.
func BenchmarkIdleConn(b *testing.B) {
	evs := load(b, workload.Churn, workload.Config{Open: -1}).events()
	var conns int
	for i := range evs {
		if evs[i].Kind == event.Close {
			conns++
		}
	}
	// Drop the closes at the end: every connection stays open.
	open := evs[:0:0]
	for i := range evs {
		if evs[i].Kind != event.Close {
			open = append(open, evs[i])
		}
	}
	for _, protos := range []struct {
		name string
		l    protocol.List
	}{{"raw", nil}, {"builtin", builtin.Default}} {
		b.Run(protos.name, func(b *testing.B) {
			var perConn float64
			for range b.N {
				p, err := pipeline.New(pipeline.Options{Protocols: protos.l, Idle: time.Hour,
					Output: func(*message.Message) error { return nil }})
				if err != nil {
					b.Fatal(err)
				}
				var before, after runtime.MemStats
				gc()
				runtime.ReadMemStats(&before)
				for i := range open {
					p.Push(&open[i])
				}
				p.Sync()
				gc()
				runtime.ReadMemStats(&after)
				perConn = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(conns)
				if st := p.Stats(); st.ConnsOpened != uint64(conns) || st.ConnsOpened-st.ConnsIdle != uint64(conns) {
					b.Fatalf("%d connections opened, %d idle; want %d open", st.ConnsOpened, st.ConnsIdle, conns)
				}
				p.Close()
			}
			b.ReportMetric(perConn, "B/conn")
		})
	}
}

// gc collects twice, so that sync.Pool's victim cache is empty too.
func gc() {
	runtime.GC()
	runtime.GC()
}

// BenchmarkChunkedGzip is the default pipeline over gzip-encoded, chunked
// downloads of about 256 KB each: de-chunking and decompression.
func BenchmarkChunkedGzip(b *testing.B) {
	benchPipeline(b, load(b, workload.ChunkedGzip, workload.Config{}), builtin.Default)
}

// BenchmarkPipelined is the default pipeline over pipelined HTTP/1.1.
func BenchmarkPipelined(b *testing.B) {
	benchPipeline(b, load(b, workload.Pipelined, workload.Config{}), builtin.Default)
}
