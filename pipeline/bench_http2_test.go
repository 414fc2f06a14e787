package pipeline_test

import (
	"io"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/workload"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output"
	"github.com/tapir-dev/tapir/output/text"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol/builtin"
)

// BenchmarkHTTP2 is the whole default pipeline over the http2 workload
// (100 connections x 100 streams, interleaved, HPACK's dynamic table in
// use), text to io.Discard.
// Before timing it checks that every stream comes out whole (100%).
func BenchmarkHTTP2(b *testing.B) {
	in := load(b, workload.HTTP2, workload.Config{})
	checkStreams(b, in.events(), 10000)
	benchPipeline(b, in, builtin.Default)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/stream")
}

// BenchmarkGRPC is the same over the grpc workload, whose bodies are
// split into messages and rendered.
func BenchmarkGRPC(b *testing.B) {
	in := load(b, workload.GRPC, workload.Config{})
	checkStreams(b, in.events(), 10000)
	benchPipeline(b, in, builtin.Default)
}

// TestHTTP2Workload checks that every stream of (smaller) http2 and grpc
// workloads comes out of the pipeline whole; the benchmarks check the
// full ones.
func TestHTTP2Workload(t *testing.T) {
	for _, kind := range []workload.Kind{workload.HTTP2, workload.GRPC} {
		t.Run(string(kind), func(t *testing.T) {
			evs, err := workload.Collect(kind, workload.Config{Conns: 20, Open: 20})
			if err != nil {
				t.Fatal(err)
			}
			checkStreams(t, evs, 2000)
		})
	}
}

// checkStreams runs evs through the default pipeline and fails unless
// every one of the streams came out: a request and a response, paired,
// none partial, nothing lost.
func checkStreams(t testing.TB, evs []event.Event, streams int) {
	t.Helper()
	paired := 0
	w := output.NewWriter(io.Discard, text.New(text.Options{}))
	p, err := pipeline.New(pipeline.Options{Protocols: builtin.Default, Output: func(m *message.Message) error {
		if m.Type == message.Response && m.Request != nil && m.Latency != nil && m.Body != nil {
			paired++
		}
		return w.Write(m)
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		if err := p.Push(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	n := uint64(streams)
	if st.Messages["http2/request"] != n || st.Messages["http2/response"] != n || paired != streams || st.Lossy() {
		t.Fatalf("%d of %d streams paired; stats:\n%s", paired, streams, st.String())
	}
}
