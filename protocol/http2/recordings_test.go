package http2_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/eventtest"
	"github.com/tapir-dev/tapir/internal/golden"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output"
	"github.com/tapir-dev/tapir/output/jsonl"
	"github.com/tapir-dev/tapir/output/text"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/builtin"
)

const recordings = "../../testdata/recordings"

// runPipeline pushes evs through a pipeline with the built-in protocols
// and returns the messages, in output order, and the stats.
func runPipeline(t testing.TB, evs []event.Event, frames bool) ([]*message.Message, pipeline.Stats) {
	t.Helper()
	return eventtest.Run(t, pipeline.Options{Protocols: builtin.Default, Frames: frames, Shards: 2}, evs)
}

// render formats messages with f.
func render(t testing.TB, msgs []*message.Message, f output.Formatter) string {
	t.Helper()
	var b bytes.Buffer
	w := output.NewWriter(&b, f)
	for _, m := range msgs {
		if err := w.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// checkGolden compares got with testdata/golden/name (golden.Check).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", "golden", name), []byte(got))
}

// TestRecordings decodes the HTTP/2 and gRPC recordings of real programs
// (testdata/recordings/h2-*.jsonl, made by h2-record.sh): every request
// and response is there, each response paired, nothing lost; the text
// output with --frames and the JSON output are pinned by golden files.
func TestRecordings(t *testing.T) {
	tests := []struct {
		file string
		// exchanges is the number of HTTP/2 responses; partial how many
		// of them (and of the requests) a reset cut.
		exchanges, partial int
		// unpaired is how many responses have no HTTP/2 request: the
		// response to an h2c upgrade answers an HTTP/1.1 request.
		unpaired int
		// ws is the number of WebSocket messages carried by extended
		// CONNECT streams (RFC 8441).
		ws int
	}{
		{"h2-go-h2c.jsonl", 15, 1, 0, 0},
		{"h2-go-tls.jsonl", 28, 2, 0, 0},
		{"h2-grpc.jsonl", 8, 0, 0, 0},
		{"h2-curl-prior.jsonl", 4, 0, 0, 0},
		{"h2-curl-upgrade.jsonl", 2, 0, 0, 0},
		// Both ends of one connection: per end, 2 GETs and 2 WebSockets
		// (12 client messages echoed, a ping and its pong, two closes
		// and their answers: 24 WebSocket messages).
		{"h2-ws.jsonl", 8, 0, 0, 48},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			evs := eventtest.Load(t, filepath.Join(recordings, tt.file))
			msgs, st := runPipeline(t, evs, false)
			if st.Lossy() && st.Partial != uint64(tt.partial) || st.Errors > 0 || st.Gaps > 0 || st.Limits > 0 || st.ParserFailures > 0 {
				t.Errorf("stats:\n%s", st.String())
			}
			if got := st.Messages["http2/response"]; got != uint64(tt.exchanges) {
				t.Errorf("%d http2 responses; want %d", got, tt.exchanges)
			}
			unpaired := 0
			for _, m := range msgs {
				if m.Proto == "http2" && m.Type == message.Response && m.Request == nil {
					unpaired++
				}
			}
			if unpaired != tt.unpaired {
				t.Errorf("%d unpaired responses; want %d", unpaired, tt.unpaired)
			}
			if got := st.Messages["websocket/data"]; got != uint64(tt.ws) {
				t.Errorf("%d websocket messages; want %d", got, tt.ws)
			}
			checkTunnels(t, msgs)
			base := strings.TrimSuffix(tt.file, ".jsonl")
			checkGolden(t, base+".json", render(t, msgs, jsonl.New(jsonl.Options{})))
			fmsgs, _ := runPipeline(t, evs, true)
			checkGolden(t, base+".frames.txt", render(t, fmsgs, text.New(text.Options{})))
		})
	}
}

// checkTunnels checks the WebSocket messages of extended CONNECT
// streams: each carries the stream it came on, emitted after the 2xx
// response that opened it (itself emitted at its HEADERS, before any
// DATA) and before nothing of the stream is left; nothing is partial.
func checkTunnels(t *testing.T, msgs []*message.Message) {
	t.Helper()
	type sk struct {
		conn   event.ConnID
		stream uint32
	}
	opened := map[sk]bool{}
	for _, m := range msgs {
		k := sk{m.Connection().ID, 0}
		switch {
		case m.Proto == "http2" && m.HTTP != nil && m.HTTP.Method == "CONNECT" && m.Type == message.Response:
			t.Errorf("CONNECT as a response type")
		case m.Proto == "http2" && m.Type == message.Response && m.Request != nil && m.Request.Method == "CONNECT":
			k.stream = m.HTTP.Stream
			if m.HTTP.Status == 200 {
				opened[k] = true
			}
		case m.Proto == "websocket":
			if m.WS == nil || m.WS.Stream == 0 {
				t.Errorf("websocket message without a stream: %+v", m)
				continue
			}
			k.stream = m.WS.Stream
			if !opened[k] {
				t.Errorf("websocket message on stream %d before its 2xx response", k.stream)
			}
			if m.Partial {
				t.Errorf("partial websocket message on stream %d: %v", k.stream, m.Notes)
			}
		}
	}
}

// key names a message for comparing runs: its connection, stream, type
// and direction.
type key struct {
	conn   event.ConnID
	stream uint32
	typ    message.Type
	dir    event.Dir
}

func keyOf(m *message.Message) key {
	k := key{conn: m.Connection().ID, typ: m.Type, dir: m.Dir}
	if m.HTTP != nil {
		k.stream = m.HTTP.Stream
	}
	return k
}

// TestMidStream drops the first n events of recordings, for every n: the
// capture begins mid-connection. Every request and response that starts
// after the cut is still decoded whole, with the same body; header fields
// that refer to dynamic-table entries added before the cut are named
// unknown, and nothing else is lost.
func TestMidStream(t *testing.T) {
	for _, file := range []string{"h2-go-h2c.jsonl", "h2-go-tls.jsonl", "h2-grpc.jsonl", "h2-curl-upgrade.jsonl"} {
		t.Run(file, func(t *testing.T) {
			evs := eventtest.Load(t, filepath.Join(recordings, file))
			full, _ := runPipeline(t, evs, false)
			unknown := 0
			for n := 1; n < len(evs); n++ {
				cut := evs[n:]
				msgs, st := runPipeline(t, cut, false)
				if st.ParserFailures > 0 || st.Errors > 0 {
					t.Fatalf("cut %d: stats:\n%s", n, st.String())
				}
				got := map[key]*message.Message{}
				for _, m := range msgs {
					got[keyOf(m)] = m
					if m.HTTP != nil {
						for _, h := range m.HTTP.Headers {
							if strings.Contains(h.Name+h.Value, "<unknown>") {
								unknown++
							}
						}
					}
				}
				from := cut[0].Time
				for _, m := range full {
					if m.Start < from || m.Proto != "http2" || m.Type == message.Data {
						continue
					}
					g := got[keyOf(m)]
					if g == nil {
						t.Errorf("cut %d: %s %s of stream %d (at %d) missing", n, m.Dir, m.Type, m.HTTP.Stream, m.Start)
						continue
					}
					if g.Partial != m.Partial || g.Size != m.Size {
						t.Errorf("cut %d: stream %d %s: partial %v size %d; want %v %d", n, m.HTTP.Stream, m.Type, g.Partial, g.Size, m.Partial, m.Size)
					}
					if !cmp.Equal(bodyOf(g), bodyOf(m)) {
						t.Errorf("cut %d: stream %d %s: body differs", n, m.HTTP.Stream, m.Type)
					}
				}
			}
			if file != "h2-grpc.jsonl" && unknown == 0 {
				t.Errorf("no cut met a field that refers to an entry added before it")
			}
		})
	}
}

// TestMidStreamWebSocket drops the first n events of the WebSocket over
// HTTP/2 recording, for every n. A WebSocket whose extended CONNECT is
// recognised after the cut gives every message it gives in the whole
// recording; one opened before the cut, or whose CONNECT refers to HPACK
// entries added before it, shows its DATA as HTTP/2 messages of its
// stream; nothing is reported as an error.
func TestMidStreamWebSocket(t *testing.T) {
	evs := eventtest.Load(t, filepath.Join(recordings, "h2-ws.jsonl"))
	full, _ := runPipeline(t, evs, false)
	type sk struct {
		conn   event.ConnID
		stream uint32
	}
	wsKey := func(m *message.Message) string {
		return fmt.Sprintf("%s %s %v %v %s", m.Dir, m.WS.Opcode, m.WS.Compressed, m.Partial, bodyOf(m))
	}
	all := map[sk][]string{}
	for _, m := range full {
		if m.Proto == "websocket" {
			k := sk{m.Connection().ID, m.WS.Stream}
			all[k] = append(all[k], wsKey(m))
		}
	}
	tunnels := 0
	for n := 1; n < len(evs); n++ {
		msgs, st := runPipeline(t, evs[n:], false)
		if st.ParserFailures > 0 || st.Errors > 0 {
			t.Fatalf("cut %d: stats:\n%s", n, st.String())
		}
		got := map[sk][]string{}
		recognised := map[sk]bool{}
		for _, m := range msgs {
			switch {
			case m.Proto == "websocket":
				k := sk{m.Connection().ID, m.WS.Stream}
				got[k] = append(got[k], wsKey(m))
			case m.Type == message.Response && strings.Contains(fmt.Sprint(m.Notes), "RFC 8441"):
				recognised[sk{m.Connection().ID, m.HTTP.Stream}] = true
			}
		}
		for k := range got {
			if !recognised[k] {
				t.Errorf("cut %d: websocket messages on stream %d, not opened", n, k.stream)
			}
		}
		for k := range recognised {
			tunnels++
			if diff := cmp.Diff(all[k], got[k]); diff != "" {
				t.Errorf("cut %d: stream %d of %v differs (-whole +cut):\n%s", n, k.stream, k.conn, diff)
			}
		}
	}
	if tunnels == 0 {
		t.Error("no cut left a WebSocket to recognise")
	}
}

func bodyOf(m *message.Message) string {
	if m.Body == nil {
		return ""
	}
	return fmt.Sprintf("%q %d %d", m.Body.Data, m.Body.Size, m.Body.Cut)
}

// TestMidStreamGolden pins the output of one mid-stream start: the go-h2c
// recording without its first 12 events (the preface, the settings and
// the first exchanges).
func TestMidStreamGolden(t *testing.T) {
	evs := eventtest.Load(t, filepath.Join(recordings, "h2-go-h2c.jsonl"))
	msgs, _ := runPipeline(t, evs[12:], false)
	checkGolden(t, "h2-go-h2c.cut12.txt", render(t, msgs, text.New(text.Options{})))
}

// TestSplitEverywhere feeds the gRPC and the WebSocket-over-HTTP/2
// recordings with each event split in two at every offset (every fifth
// under the race detector): the messages do not change.
func TestSplitEverywhere(t *testing.T) {
	step := 1
	if raceEnabled {
		step = 5
	}
	for _, file := range []string{"h2-grpc.jsonl", "h2-ws.jsonl"} {
		t.Run(file, func(t *testing.T) {
			evs := eventtest.Load(t, filepath.Join(recordings, file))
			want := render(t, mustRun(t, evs), jsonl.New(jsonl.Options{}))
			for i := range evs {
				if evs[i].Kind != event.Data {
					continue
				}
				for k := 1; k < len(evs[i].Data); k += step {
					split := make([]event.Event, 0, len(evs)+1)
					split = append(split, evs[:i]...)
					a, b := evs[i], evs[i]
					a.Data, b.Data = evs[i].Data[:k], evs[i].Data[k:]
					split = append(split, a, b)
					split = append(split, evs[i+1:]...)
					if got := render(t, mustRun(t, split), jsonl.New(jsonl.Options{})); got != want {
						t.Fatalf("event %d split at %d: output differs:\n%s", i, k, cmp.Diff(want, got))
					}
				}
			}
		})
	}
}

// mustRun is runPipeline with one shard and no stats. Connection serial
// numbers are zeroed: they number events, which splitting shifts.
func mustRun(t testing.TB, evs []event.Event) []*message.Message {
	t.Helper()
	var msgs []*message.Message
	p, err := pipeline.New(pipeline.Options{Protocols: builtin.Default, Shards: 1,
		Limits: protocol.Limits{},
		Output: func(m *message.Message) error { msgs = append(msgs, m); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		p.Push(&evs[i])
	}
	p.Close()
	for _, m := range msgs {
		c := *m.Conn
		c.Serial = 0
		m.Conn = &c
	}
	return msgs
}
