package workload

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/golden"
	"github.com/tapir-dev/tapir/source/eventfile"
)

// encode returns the event file of a workload.
func encode(t *testing.T, kind Kind, cfg Config) []byte {
	t.Helper()
	var b []byte
	if err := Generate(kind, cfg, func(e *event.Event) error {
		b = eventfile.AppendEvent(b, e)
		return nil
	}); err != nil {
		t.Fatalf("Generate(%s): %v", kind, err)
	}
	return b
}

func TestDeterministic(t *testing.T) {
	for _, s := range Specs() {
		t.Run(string(s.Kind), func(t *testing.T) {
			cfg := Config{Seed: 7, Conns: 20, Exchanges: 3, Open: 5, BodySize: 2 << 10}
			a, b := encode(t, s.Kind, cfg), encode(t, s.Kind, cfg)
			if !bytes.Equal(a, b) {
				t.Fatalf("same seed gave different output (%d and %d bytes)", len(a), len(b))
			}
			cfg.Seed = 8
			if c := encode(t, s.Kind, cfg); bytes.Equal(a, c) {
				t.Fatalf("seeds 7 and 8 gave the same output")
			}
		})
	}
}

// TestGolden pins the output of small workloads, so that a change to the
// generators, which moves every benchmark's input, is seen in review.
func TestGolden(t *testing.T) {
	for _, s := range Specs() {
		t.Run(string(s.Kind), func(t *testing.T) {
			got := encode(t, s.Kind, Config{Seed: 1, Conns: 3, Exchanges: min(s.Exchanges, 3), Open: 2, BodySize: 2 << 10})
			golden.Check(t, filepath.Join("testdata", string(s.Kind)+".jsonl"), got)
		})
	}
}

// connLog is what one connection carried, from open to close.
type connLog struct {
	id          event.ConnID
	out, in     []byte
	outEv, inEv int
	closed      bool
	src, dst    string
	maxPiece    int
	// heads holds the first byte of each out event and of the first in
	// event: bytes that start a message.
	heads []byte
}

// shape replays events and checks the rules every workload keeps.
type shape struct {
	conns   []*connLog
	open    map[event.ConnID]*connLog
	maxOpen int
	maxFD   int32
	events  int
	// closesAtEnd counts the close events after the last data event.
	closesAtEnd int
}

func replay(t *testing.T, kind Kind, cfg Config) *shape {
	t.Helper()
	s := &shape{open: map[event.ConnID]*connLog{}}
	var last uint64
	err := Generate(kind, cfg, func(e *event.Event) error {
		s.events++
		if e.Time <= last {
			t.Fatalf("event %d: time %d after %d", s.events, e.Time, last)
		}
		last = e.Time
		if e.PID == 0 || e.TID == 0 || e.Comm == "" || len(e.Comm) > 15 || e.FD < 0 {
			t.Fatalf("event %d: bad identity %+v", s.events, e)
		}
		id := e.ID()
		c := s.open[id]
		if e.Kind == event.Close {
			if c == nil {
				t.Fatalf("event %d: close of %v, not open", s.events, id)
			}
			c.closed = true
			delete(s.open, id)
			s.closesAtEnd++
			return nil
		}
		s.closesAtEnd = 0
		if c == nil {
			c = &connLog{id: id, src: e.Src.String(), dst: e.Dst.String()}
			if !e.Src.IsValid() || !e.Dst.IsValid() || e.Src.Addr().Is4() != e.Dst.Addr().Is4() {
				t.Fatalf("event %d: addresses %v -> %v", s.events, e.Src, e.Dst)
			}
			s.conns = append(s.conns, c)
			s.open[id] = c
			s.maxOpen = max(s.maxOpen, len(s.open))
			s.maxFD = max(s.maxFD, e.FD)
		}
		if e.Src.String() != c.src || e.Dst.String() != c.dst || e.Lib != "openssl" {
			t.Fatalf("event %d: %v changed addresses or lib: %v -> %v, %q", s.events, id, e.Src, e.Dst, e.Lib)
		}
		if len(e.Data) == 0 {
			t.Fatalf("event %d: empty data", s.events)
		}
		if e.Dir == event.Out {
			c.out = append(c.out, e.Data...)
			c.outEv++
			c.heads = append(c.heads, e.Data[0])
		} else {
			if c.inEv == 0 {
				c.heads = append(c.heads, e.Data[0])
			}
			c.in = append(c.in, e.Data...)
			c.inEv++
			c.maxPiece = max(c.maxPiece, len(e.Data))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if len(s.open) != 0 {
		t.Errorf("%d connections never closed", len(s.open))
	}
	if len(s.conns) != cfg.Conns {
		t.Errorf("got %d connections; want %d", len(s.conns), cfg.Conns)
	}
	for _, c := range s.conns {
		if !c.closed {
			t.Errorf("%v not closed", c.id)
		}
		if c.outEv != cfg.Exchanges {
			t.Errorf("%v: %d out events; want one per exchange, %d", c.id, c.outEv, cfg.Exchanges)
		}
		if c.maxPiece > 16<<10 {
			t.Errorf("%v: a read of %d bytes, more than 16 KiB", c.id, c.maxPiece)
		}
	}
	return s
}

// checkHTTP parses each connection's streams with net/http.
func checkHTTP(t *testing.T, s *shape, exchanges int) {
	t.Helper()
	for _, c := range s.conns {
		reqs := bufio.NewReader(bytes.NewReader(c.out))
		resps := bufio.NewReader(bytes.NewReader(c.in))
		for i := range exchanges {
			req, err := http.ReadRequest(reqs)
			if err != nil {
				t.Fatalf("%v: request %d: %v", c.id, i, err)
			}
			if _, err := io.Copy(io.Discard, req.Body); err != nil {
				t.Fatalf("%v: request %d body: %v", c.id, i, err)
			}
			resp, err := http.ReadResponse(resps, req)
			if err != nil {
				t.Fatalf("%v: response %d: %v", c.id, i, err)
			}
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				t.Fatalf("%v: response %d body: %v", c.id, i, err)
			}
			if last := i == exchanges-1; req.Close != last || resp.Close != last {
				t.Errorf("%v: exchange %d of %d: request close %v, response close %v", c.id, i, exchanges, req.Close, resp.Close)
			}
		}
		if reqs.Buffered() > 0 || resps.Buffered() > 0 {
			t.Errorf("%v: %d request and %d response bytes after the last exchange", c.id, reqs.Buffered(), resps.Buffered())
		}
	}
}

func TestHTTPShape(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		cfg  Config
		// wantMaxOpen is the most connections open at once.
		wantMaxOpen int
		// allAtEnd: every connection closes after the last data event.
		allAtEnd bool
	}{
		{"keepalive", KeepAlive, Config{Conns: 30, Exchanges: 40, Open: 10}, 10, false},
		{"keepalive all open", KeepAlive, Config{Conns: 30, Exchanges: 5, Open: -1}, 30, true},
		{"churn", Churn, Config{Conns: 2000, Exchanges: 1, Open: 20}, 20, false},
		{"churn all open", Churn, Config{Conns: 2000, Exchanges: 1, Open: -1}, 2000, true},
		{"churn parallel", Churn, Config{Conns: 500, Exchanges: 1, Open: 100, Parallel: 5}, 100, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := replay(t, tt.kind, tt.cfg)
			checkHTTP(t, s, tt.cfg.Exchanges)
			if s.maxOpen != tt.wantMaxOpen {
				t.Errorf("at most %d open at once; want %d", s.maxOpen, tt.wantMaxOpen)
			}
			if tt.allAtEnd != (s.closesAtEnd == tt.cfg.Conns) {
				t.Errorf("%d closes after the last data event, of %d connections; want all: %v", s.closesAtEnd, tt.cfg.Conns, tt.allAtEnd)
			}
			// Descriptors are reused: five processes, each with a few
			// descriptors of its own before its sockets.
			if limit := int32(tt.wantMaxOpen + 20); s.maxFD > limit {
				t.Errorf("largest fd %d; want at most %d, reused after close", s.maxFD, limit)
			}
			var in, out, split int
			for _, c := range s.conns {
				in += c.inEv
				out += c.outEv
			}
			split = in - out
			if split <= out/2 {
				t.Errorf("%d in events for %d responses; want responses read in several pieces", in, out)
			}
		})
	}
}

func TestBinaryShape(t *testing.T) {
	cfg := Config{Conns: 40, Exchanges: 6, Open: 10}
	s := replay(t, Binary, cfg)
	for _, c := range s.conns {
		for _, b := range c.heads {
			if b < 0x80 {
				t.Errorf("%v: payload starts with %#x; want 0x80 or more", c.id, b)
			}
		}
		if c.inEv < cfg.Exchanges {
			t.Errorf("%v: %d in events; want at least %d", c.id, c.inEv, cfg.Exchanges)
		}
		if utf8.Valid(c.out) {
			t.Errorf("%v: payload is valid UTF-8; want random bytes", c.id)
		}
	}
}

func TestCollect(t *testing.T) {
	cfg := Config{Seed: 3, Conns: 10, Exchanges: 4, Open: 4}
	evs, err := Collect(KeepAlive, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for i := range evs {
		got = eventfile.AppendEvent(got, &evs[i])
	}
	if want := encode(t, KeepAlive, cfg); !bytes.Equal(got, want) {
		t.Fatalf("Collect differs from Generate")
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		cfg  Config
		want error
	}{
		{"unknown kind", Kind("gopher"), Config{}, ErrUnknownKind},
		{"negative conns", Churn, Config{Conns: -1}, nil},
	}
	for _, tt := range tests {
		err := Generate(tt.kind, tt.cfg, func(*event.Event) error { return nil })
		if err == nil {
			t.Errorf("%s: no error", tt.name)
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: %v; want %v", tt.name, err, tt.want)
		}
	}
	stop := errors.New("stop")
	if err := Generate(Churn, Config{Conns: 5}, func(*event.Event) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("yield's error: got %v; want %v", err, stop)
	}
}
