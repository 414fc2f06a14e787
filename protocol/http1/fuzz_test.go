package http1

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/fuzzscript"
	"github.com/tapir-dev/tapir/internal/golden"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// A fuzz input is a script (internal/fuzzscript). Each record's data is
// fed in pieces of at most piece bytes.

// fuzzLimits are small, so that the fuzzer reaches them.
var fuzzLimits = protocol.Limits{MaxBuffer: 4096, MaxHeaderBytes: 512, MaxHeaders: 8, MaxBody: 2048, Display: 300}

func FuzzParse(f *testing.F) {
	// More seeds are in testdata/fuzz/FuzzParse (see TestFuzzCorpus).
	f.Add(fuzzscript.Append(fuzzscript.Append(nil, event.Out, []byte("GET / HTTP/1.1\r\n\r\n"), 0), event.In,
		[]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), 0), uint8(3), uint8(0))
	f.Fuzz(func(t *testing.T, script []byte, piece, flags uint8) {
		lim := protocol.Limits{}
		if flags&1 != 0 {
			lim = fuzzLimits
		}
		cfg := protocol.Config{Limits: lim}
		if flags&2 != 0 {
			cfg.Lookup = lookup("websocket", "http2")
		}
		p := New(cfg)
		l := p.lim
		emit := func(m *message.Message) { checkMessage(t, p, m) }
		at := uint64(0)
		for r := range fuzzscript.Records(script) {
			at++
			dir, data := r.Dir, r.Data
			if r.Gap {
				p.Gap(dir, r.N, at, emit)
				continue
			}
			step := max(int(piece), 1)
			for len(data) > 0 {
				k := min(step, len(data))
				p.Feed(dir, data[:k], at, emit)
				data = data[k:]
				for i := range p.half {
					h := &p.half[i]
					if len(h.buf) > l.MaxHeaderBytes || len(h.heldp().hold) > l.MaxBuffer || len(h.junkp().raw) > p.rawKeep {
						t.Fatalf("buffers over the limits: buf %d, hold %d, junk %d", len(h.buf), len(h.heldp().hold), len(h.junkp().raw))
					}
				}
			}
		}
		p.Flush(protocol.End(flags>>2&3), emit)
	})
}

// checkMessage checks what must hold of every message.
func checkMessage(t *testing.T, p *Parser, m *message.Message) {
	t.Helper()
	if m.Proto != Name {
		return
	}
	if len(m.Raw) > p.rawKeep || m.RawCut != m.Size-int64(len(m.Raw)) || m.RawCut < 0 {
		t.Fatalf("Raw %d bytes, RawCut %d, Size %d (keep %d)", len(m.Raw), m.RawCut, m.Size, p.rawKeep)
	}
	if m.End < m.Start {
		t.Fatalf("End %d before Start %d", m.End, m.Start)
	}
	if (m.Type == message.Data) != (m.HTTP == nil) {
		t.Fatalf("type %v with HTTP %v", m.Type, m.HTTP)
	}
	if b := m.Body; b != nil {
		if int64(len(b.Data)) > p.bodyKeep || b.Cut < 0 || b.DecodedSize > p.lim.MaxBody && b.Encoding != "" {
			t.Fatalf("body: %d bytes kept (keep %d), Cut %d, DecodedSize %d", len(b.Data), p.bodyKeep, b.Cut, b.DecodedSize)
		}
		if b.Err == "" && b.Cut != b.DecodedSize-int64(len(b.Data)) {
			t.Fatalf("body: Cut %d, DecodedSize %d, %d bytes kept", b.Cut, b.DecodedSize, len(b.Data))
		}
	}
	if h := m.HTTP; h != nil && len(h.Headers) > p.lim.MaxHeaders {
		t.Fatalf("%d headers kept; limit %d", len(h.Headers), p.lim.MaxHeaders)
	}
}

// TestFuzzCorpus checks that every recorded session is in the fuzz corpus
// as a seed, and with -update writes them there.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	for _, f := range httpRecordings(t) {
		for i, c := range loadRecording(t, f) {
			var script []byte
			for _, e := range c.events {
				script = fuzzscript.Append(script, e.dir, e.data, 0)
			}
			seed := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nuint8(%d)\nuint8(%d)\n", script, 7, 0)
			path := filepath.Join(dir, fmt.Sprintf("%s-%d", filepath.Base(f[:len(f)-len(".jsonl")]), i+1))
			if golden.Update() {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, []byte(seed)) {
				t.Errorf("%s: missing or stale (run go test -run TestFuzzCorpus -update): %v", path, err)
			}
		}
	}
}
