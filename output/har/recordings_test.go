package har_test

import (
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output/har"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol/builtin"
	"github.com/tapir-dev/tapir/source/eventfile"
)

// TestRecordings turns each recording of real programs into a HAR
// document, checks it against the HAR 1.2 schema, and checks that every
// final response became an entry.
func TestRecordings(t *testing.T) {
	files, err := filepath.Glob("../../testdata/recordings/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recordings: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f := har.New(har.Options{})
			var out []byte
			responses, wsMessages := 0, 0
			p, err := pipeline.New(pipeline.Options{
				Shards:    2,
				Protocols: builtin.Default,
				Clock:     pipeline.EventClock,
				Output: func(m *message.Message) error {
					if m.Type == message.Response && m.HTTP != nil && (m.HTTP.Status >= 200 || m.HTTP.Status == 101) {
						responses++
					}
					if m.WS != nil && m.Type != message.Frame {
						wsMessages++
					}
					out = f.Append(out, m)
					return nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			r, err := eventfile.Open(path, &eventfile.Options{Strict: true})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for {
				e, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Push(e); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			out = f.Finish(out)
			validate(t, out)
			var d doc
			if err := json.Unmarshal(out, &d); err != nil {
				t.Fatal(err)
			}
			answered, inHAR := 0, 0
			for _, e := range d.Log.Entries {
				inHAR += len(e.WebSocketMessages)
				if e.Response.Status != 0 {
					answered++
				}
				if e.Timings.Send < 0 || e.Timings.Wait < 0 || e.Timings.Receive < 0 {
					t.Errorf("%s: negative timings %+v", e.Request.URL, e.Timings)
				}
			}
			if answered != responses {
				t.Errorf("%d entries with a response; the capture has %d final responses", answered, responses)
			}
			if inHAR != wsMessages {
				t.Errorf("%d WebSocket messages in _webSocketMessages; the capture has %d", inHAR, wsMessages)
			}
			t.Logf("%d entries, %d WebSocket messages", len(d.Log.Entries), inHAR)
		})
	}
}
