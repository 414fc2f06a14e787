package http2

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/net/http2"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// fuzzChunks decodes a fuzz input: records of one byte h (direction h&1,
// h>>1&3 == 3 a gap of the record's length instead of bytes, length
// (h>>3)+1) and then its bytes.
func fuzzChunks(b []byte) []chunk {
	var out []chunk
	for len(b) > 0 {
		h := b[0]
		n := min(int(h>>3)+1, len(b)-1)
		c := chunk{dir: event.Dir(h & 1)}
		if h>>1&3 == 3 {
			c.gap = n
		} else {
			c.data = b[1 : 1+n]
		}
		out = append(out, c)
		b = b[1+n:]
	}
	return out
}

// fuzzInput encodes chunks as fuzzChunks reads them.
func fuzzInput(chunks []chunk) []byte {
	var b []byte
	for _, c := range chunks {
		for p := c.data; len(p) > 0; {
			n := min(len(p), 32)
			b = append(b, byte(n-1)<<3|byte(c.dir))
			b = append(b, p[:n]...)
			p = p[n:]
		}
	}
	return b
}

// FuzzParser feeds both directions of a connection, cut and with gaps as
// the input says, with small limits and frames on: the parser never
// panics, and holds no more than its limits allow.
func FuzzParser(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/recordings/h2-*.jsonl")
	for _, file := range files {
		// The first few KiB: small inputs keep the fuzzer quick.
		b := fuzzInput(readChunks(f, file))
		f.Add(b[:min(len(b), 4<<10)])
	}
	lim := protocol.Limits{MaxBuffer: 32 << 10, MaxHeaderBytes: 4 << 10, MaxHeaders: 32, MaxBody: 64 << 10, Display: 1 << 10}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := New(protocol.Config{Limits: lim, Frames: true})
		n := 0
		emit := func(m *message.Message) {
			n++
			if m.Proto != Name {
				t.Fatalf("proto %q", m.Proto)
			}
		}
		for i, c := range fuzzChunks(b) {
			if len(c.data) > 0 {
				p.Feed(c.dir, c.data, uint64(i), emit)
			}
			if c.gap > 0 {
				p.Gap(c.dir, c.gap, uint64(i), emit)
			}
			if h := held(p); h > 8*lim.MaxBuffer+maxTableSize*2+256<<10 {
				t.Fatalf("holds %d bytes", h)
			}
		}
		p.Flush(protocol.Closed, emit)
		if len(p.streams) != 0 {
			t.Fatalf("%d streams after Flush", len(p.streams))
		}
	})
}

// readChunks returns the data events of an event file as chunks.
func readChunks(tb testing.TB, path string) []chunk {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return decodeEvents(tb, b)
}

// TestFuzzCorpus writes, with -update, small seeds for FuzzParser made
// with x/net's Framer: padding, priority, CONTINUATION, push, resets,
// settings, unknown frames.
func TestFuzzCorpus(t *testing.T) {
	c := newConv(t).preface()
	c.fr[event.Out].WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: c.block(event.Out, get1...)[:4],
		PadLength: 3, Priority: http2.PriorityParam{Weight: 9}})
	c.fr[event.Out].WriteContinuation(1, true, c.block(event.Out, "x-a", "b"))
	c.flush(event.Out)
	c.fr[event.In].WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, EndHeaders: true, PadLength: 2,
		BlockFragment: c.block(event.In, ":method", "GET", ":path", "/p")})
	c.fr[event.In].WriteSettings(http2.Setting{ID: http2.SettingHeaderTableSize, Val: 100})
	c.fr[event.In].WriteRawFrame(0x42, 0xff, 7, []byte("ext"))
	c.fr[event.In].WriteDataPadded(1, false, []byte("body"), []byte{0, 0})
	c.fr[event.In].WriteRSTStream(1, http2.ErrCodeCancel)
	c.fr[event.In].WriteGoAway(1, http2.ErrCodeProtocol, []byte("bye"))
	c.flush(event.In)
	seeds := map[string][]byte{"frames": fuzzInput(c.chunks)}
	dir := filepath.Join("testdata", "fuzz", "FuzzParser")
	for name, b := range seeds {
		path := filepath.Join(dir, name)
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if *updateCorpus {
			os.MkdirAll(dir, 0o755)
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != content {
			t.Errorf("%s is not up to date (go test -run TestFuzzCorpus -update-corpus): %v", path, err)
		}
	}
}
