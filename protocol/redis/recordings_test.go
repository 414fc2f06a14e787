package redis_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/internal/golden"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/redis"
	"github.com/tapir-dev/tapir/source/eventfile"
)

// recordings are the event files recorded from redis-cli and redis-server
// (testdata/recordings/record-redis.sh).
var recordings = []string{"redis-cli", "redis-pipeline", "redis-resp3", "redis-pubsub"}

func recordingPath(name string) string {
	return filepath.Join("..", "..", "testdata", "recordings", name+".jsonl")
}

// dump renders messages for golden files: one header line per message
// (connection serial, type, direction, size, what it answers, latency,
// partial, notes), then its body, then a blank line.
func dump(msgs []*message.Message) []byte {
	var b bytes.Buffer
	for _, m := range msgs {
		fmt.Fprintf(&b, "#%d %s %s %s %dB", m.Connection().Serial, m.Proto, m.Type, m.Dir, m.Size)
		if r := m.Request; r != nil {
			fmt.Fprintf(&b, " <- %s", r.Method)
			if r.Target != "" {
				fmt.Fprintf(&b, " %s", r.Target)
			}
		}
		if l := m.Latency; l != nil {
			fmt.Fprintf(&b, " %dus", l.Last/1000)
		}
		if m.Partial {
			b.WriteString(" [partial]")
		}
		if m.Body != nil && m.Body.Cut > 0 {
			fmt.Fprintf(&b, " [cut %d]", m.Body.Cut)
		}
		for _, n := range m.Notes {
			fmt.Fprintf(&b, " [%s: %s]", n.Kind, n.Text)
		}
		b.WriteByte('\n')
		if m.Body != nil && len(m.Body.Data) > 0 {
			b.Write(m.Body.Data)
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// run decodes an event file through a pipeline that knows only Redis.
func run(t testing.TB, path string, opts pipeline.Options) []*message.Message {
	t.Helper()
	r, err := eventfile.Open(path, &eventfile.Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var msgs []*message.Message
	if opts.Protocols == nil {
		opts.Protocols = protocol.List{redis.Spec}
	}
	opts.Output = func(m *message.Message) error {
		msgs = append(msgs, m)
		return nil
	}
	p, err := pipeline.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return msgs
}

func TestRecordings(t *testing.T) {
	for _, name := range recordings {
		t.Run(name, func(t *testing.T) {
			msgs := run(t, recordingPath(name), pipeline.Options{Shards: 2})
			for _, m := range msgs {
				if m.Proto != redis.Name {
					t.Errorf("a %s message: detection failed", m.Proto)
				}
				if m.Partial || m.Truncated() {
					t.Errorf("message partial (%v) or cut: %v", m.Partial, m.Notes)
				}
				for _, n := range m.Notes {
					if n.Kind != message.Info {
						t.Errorf("note %v: %s", n.Kind, n.Text)
					}
				}
			}
			got := dump(msgs)
			golden.Check(t, filepath.Join("testdata", "golden", name+".txt"), got)
		})
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %q\nwant: %q", i+1, gl, wl)
		}
	}
	return "same lines"
}
