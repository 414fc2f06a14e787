package pipeline_test

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/workload"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol/builtin"
)

// splitDeflate splits the websocket workload's events by whether their
// connection negotiated permessage-deflate (its upgrade request, written
// in one event, offers it, and the workload's server always accepts),
// keeping their order.
func splitDeflate(evs []event.Event) (plain, deflate []event.Event) {
	compressed := map[event.ConnID]bool{}
	for _, e := range evs {
		id := e.ID()
		if e.Kind == event.Data && e.Dir == event.Out && bytes.HasPrefix(e.Data, []byte("GET ")) {
			compressed[id] = bytes.Contains(e.Data, []byte("permessage-deflate"))
		}
		if compressed[id] {
			deflate = append(deflate, e)
		} else {
			plain = append(plain, e)
		}
		if e.Kind == event.Close {
			delete(compressed, id)
		}
	}
	return plain, deflate
}

// countMessages returns how many messages in makes.
func countMessages(b *testing.B, in *input) int {
	n := 0
	p, err := pipeline.New(pipeline.Options{Protocols: builtin.Default,
		Output: func(*message.Message) error { n++; return nil }})
	if err != nil {
		b.Fatal(err)
	}
	var e event.Event
	for i := range in.len() {
		in.event(i, &e)
		p.Push(&e)
	}
	p.Close()
	return n
}

// BenchmarkWebSocket is the whole default pipeline, text output to
// io.Discard, over the websocket workload: all of it, then its
// connections without compression and those with permessage-deflate
// apart. It reports MB/s of captured bytes, messages/s and allocations
// per message.
func BenchmarkWebSocket(b *testing.B) {
	all := load(b, workload.WebSocket, workload.Config{})
	plain, deflate := splitDeflate(all.events())
	for _, bc := range []struct {
		name string
		in   *input
	}{{"all", all}, {"uncompressed", compact(plain)}, {"deflate", compact(deflate)}} {
		b.Run(bc.name, func(b *testing.B) {
			msgs := countMessages(b, bc.in)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			benchPipeline(b, bc.in, builtin.Default)
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N)/float64(msgs), "allocs/msg")
		})
	}
}
