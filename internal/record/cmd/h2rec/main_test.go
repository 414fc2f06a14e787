package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/builtin"
	"github.com/tapir-dev/tapir/protocol/http2"
	"github.com/tapir-dev/tapir/source/eventfile"
)

// TestRun records each session and checks the file: owner-only, and
// tapir's HTTP/2 parser finds every exchange, paired, with no error.
func TestRun(t *testing.T) {
	for _, tt := range []struct {
		kind  string
		conns int
		resps int // responses per connection recorded
	}{{"go-h2c", 1, 15}, {"go-tls", 2, 14}, {"grpc", 1, 8}} {
		t.Run(tt.kind, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), tt.kind+".jsonl")
			var stderr bytes.Buffer
			if err := run(context.Background(), []string{"-kind", tt.kind, "-o", out}, &stderr); err != nil {
				t.Fatalf("run: %v\n%s", err, stderr.String())
			}
			st, err := os.Stat(out)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("stat: %v %v", st.Mode(), err)
			}
			r, err := eventfile.Open(out, &eventfile.Options{Strict: true})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			parsers := map[event.ConnID]*http2.Parser{}
			resps, errs := 0, 0
			emit := func(m *message.Message) {
				if m.Type == message.Response && m.Request != nil {
					resps++
				}
				for _, n := range m.Notes {
					if n.Kind == message.Error {
						errs++
					}
				}
			}
			for {
				e, err := r.Next()
				if err != nil {
					break
				}
				p := parsers[e.ID()]
				if p == nil {
					p = http2.New(protocol.Config{})
					parsers[e.ID()] = p
				}
				if e.Kind == event.Close {
					p.Flush(protocol.Closed, emit)
					continue
				}
				p.Feed(e.Dir, e.Data, e.Time, emit)
			}
			if len(parsers) != tt.conns || resps != tt.conns*tt.resps || errs > 0 {
				t.Errorf("%d connections, %d paired responses, %d errors", len(parsers), resps, errs)
			}
		})
	}
}

// TestRunWS records WebSockets over HTTP/2 and checks the file: both
// ends of one connection, each with its two extended CONNECTs answered
// 200 and 24 WebSocket messages on their streams, nothing in error.
// x/net/http2 reads GODEBUG=http2xconnect=1 when it starts, so without
// it the test runs itself again in a process that has it.
func TestRunWS(t *testing.T) {
	if !strings.Contains(os.Getenv("GODEBUG"), xconnect) {
		godebug := xconnect
		if v := os.Getenv("GODEBUG"); v != "" {
			godebug = v + "," + xconnect
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestRunWS$", "-test.v")
		cmd.Env = append(os.Environ(), "GODEBUG="+godebug)
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("--- PASS: TestRunWS")) {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	out := filepath.Join(t.TempDir(), "ws.jsonl")
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"-kind", "ws", "-o", out}, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("stat: %v %v", st.Mode(), err)
	}
	r, err := eventfile.Open(out, &eventfile.Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cfg := protocol.Config{Lookup: builtin.Default.Lookup}
	parsers := map[event.ConnID]*http2.Parser{}
	tunnels, ws, errs := 0, 0, 0
	emit := func(m *message.Message) {
		switch {
		case m.Proto == "websocket" && m.WS != nil && m.WS.Stream != 0:
			ws++
		case m.Type == message.Response && m.Request != nil && m.Request.Method == "CONNECT" && m.HTTP.Status == 200:
			tunnels++
		}
		for _, n := range m.Notes {
			if n.Kind == message.Error {
				errs++
			}
		}
	}
	for {
		e, err := r.Next()
		if err != nil {
			break
		}
		p := parsers[e.ID()]
		if p == nil {
			p = http2.New(cfg)
			parsers[e.ID()] = p
		}
		if e.Kind == event.Close {
			p.Flush(protocol.Closed, emit)
			continue
		}
		p.Feed(e.Dir, e.Data, e.Time, emit)
	}
	if len(parsers) != 2 || tunnels != 4 || ws != 48 || errs > 0 {
		t.Errorf("%d connections, %d WebSockets opened, %d WebSocket messages, %d errors", len(parsers), tunnels, ws, errs)
	}
}

// TestRunWSNeedsGODEBUG: without the setting the ws session says what is
// missing instead of failing to connect.
func TestRunWSNeedsGODEBUG(t *testing.T) {
	if strings.Contains(os.Getenv("GODEBUG"), xconnect) {
		t.Skip("GODEBUG has " + xconnect)
	}
	err := run(context.Background(), []string{"-kind", "ws", "-o", filepath.Join(t.TempDir(), "ws.jsonl")}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "GODEBUG="+xconnect) {
		t.Errorf("err = %v", err)
	}
}
