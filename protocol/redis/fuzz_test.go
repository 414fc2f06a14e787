package redis_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/fuzzscript"
	"github.com/tapir-dev/tapir/internal/golden"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/redis"
)

// A fuzz input is a script (internal/fuzzscript). Each record's data is
// fed in pieces of at most piece bytes (all at once when piece is 0).

// fuzzLimits are small, so that the fuzzer reaches them.
var fuzzLimits = protocol.Limits{MaxBuffer: 2048, Display: 300}

// fuzzSeeds are scripts made from the recordings and from hostile input.
func fuzzSeeds(t testing.TB) map[string][]byte {
	seeds := map[string][]byte{}
	for _, name := range recordings {
		for i, c := range connections(t, name) {
			var s []byte
			for _, e := range c.events {
				s = fuzzscript.Append(s, e.Dir, e.Data, 0)
			}
			seeds[fmt.Sprintf("%s-%d", name, i)] = s
		}
	}
	cmd := []byte("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
	for name, reply := range map[string]string{
		"nested":   strings.Repeat("*1\r\n", 200) + ":1\r\n",
		"streamed": "$?\r\n;3\r\nabc\r\n;0\r\n*?\r\n%?\r\n+a\r\n:1\r\n.\r\n.\r\n",
		"attr":     "|1\r\n+k\r\n:1\r\n>2\r\n+a\r\n+b\r\n+OK\r\n",
		"garbage":  "\x00\xff?x\r\n+OK\r\n$3\r\nabXY\r\n",
		"huge":     "*99999999999\r\n$99999999999\r\n",
	} {
		seeds[name] = fuzzscript.Append(fuzzscript.Append(nil, event.Out, cmd, 0), event.In, []byte(reply), 0)
	}
	g := fuzzscript.Append(nil, event.Out, cmd, 0)
	g = fuzzscript.Append(g, event.In, []byte("$10\r\nab"), 0)
	g = fuzzscript.Append(g, event.In, nil, 6)
	seeds["gap"] = fuzzscript.Append(g, event.In, []byte("\r\n+OK\r\n"), 0)
	seeds["inline"] = fuzzscript.Append(fuzzscript.Append(nil, event.Out, []byte("SET k \"a\\x41\" 'b'\r\nPING\n\"open\r\n"), 0), event.In, []byte("+OK\r\n+PONG\r\n-ERR\r\n"), 0)
	return seeds
}

func FuzzParse(f *testing.F) {
	// The seeds are also in testdata/fuzz/FuzzParse (see TestFuzzCorpus).
	for _, s := range fuzzSeeds(f) {
		f.Add(s, uint8(0), uint8(0))
		f.Add(s, uint8(5), uint8(1))
	}
	f.Fuzz(func(t *testing.T, script []byte, piece, flags uint8) {
		lim := protocol.Limits{}
		if flags&1 != 0 {
			lim = fuzzLimits
		}
		full := lim.WithDefaults()
		bound := redis.HeldBound(full.MaxBuffer)
		p := redis.New(lim)
		emit := func(m *message.Message) { checkMessage(t, full, m) }
		at := uint64(0)
		for r := range fuzzscript.Records(script) {
			at++
			dir, data := r.Dir, r.Data
			if r.Gap {
				p.Gap(dir, r.N, at, emit)
				continue
			}
			step := len(data)
			if piece > 0 {
				step = int(piece)
			}
			for i := 0; i < len(data); i += step {
				if err := p.Feed(dir, data[i:min(i+step, len(data))], at, emit); err != nil {
					t.Fatalf("Feed: %v", err)
				}
				if h := redis.Held(p); h > bound {
					t.Fatalf("holds %d bytes; bound %d", h, bound)
				}
			}
		}
		p.Flush(protocol.Shutdown, emit)
		if h := redis.Held(p); h != 0 {
			t.Fatalf("holds %d bytes after Flush", h)
		}
	})
}

// checkMessage checks what every emitted message must be.
func checkMessage(t *testing.T, lim protocol.Limits, m *message.Message) {
	t.Helper()
	if m.Proto != redis.Name {
		t.Fatalf("Proto %q", m.Proto)
	}
	if m.End < m.Start || m.Size < 0 || m.RawCut < 0 || int64(len(m.Raw))+m.RawCut != m.Size && m.Size > 0 {
		t.Fatalf("times %d-%d, size %d, raw %d + %d", m.Start, m.End, m.Size, len(m.Raw), m.RawCut)
	}
	if len(m.Raw) > lim.MaxBuffer || lim.Display >= 0 && len(m.Raw) > lim.Display {
		t.Fatalf("%d raw bytes kept; limits %+v", len(m.Raw), lim)
	}
	if m.Body == nil {
		if m.Type != message.Data || len(m.Notes) == 0 {
			t.Fatalf("no body: %+v", m)
		}
		return
	}
	if m.Body.Cut < 0 || lim.Display >= 0 && len(m.Body.Data) > lim.Display {
		t.Fatalf("body of %d bytes, cut %d; limits %+v", len(m.Body.Data), m.Body.Cut, lim)
	}
	if m.Type == message.Response && m.Latency != nil && m.Request == nil {
		t.Fatal("latency without request")
	}
}

// TestFuzzCorpus keeps testdata/fuzz/FuzzParse in step with fuzzSeeds;
// -update rewrites it.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	for name, s := range fuzzSeeds(t) {
		path := filepath.Join(dir, "seed-"+name)
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nbyte('\\x00')\nbyte('\\x00')\n", s)
		if golden.Update() {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Errorf("%s is missing or stale (go test -run TestFuzzCorpus -update): %v", path, err)
		}
	}
}
