package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
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
