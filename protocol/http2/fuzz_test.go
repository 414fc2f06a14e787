package http2

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/http2"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/websocket"
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
		for g := c.gap; g > 0; {
			n := min(g, 32)
			b = append(b, byte(n-1)<<3|3<<1|byte(c.dir))
			b = append(b, make([]byte, n)...)
			g -= n
		}
	}
	return b
}

// FuzzParser feeds both directions of a connection, cut and with gaps as
// the input says, with small limits, frames on and the websocket parser
// at hand for extended CONNECT streams: the parser never panics, and
// holds no more than its limits allow.
func FuzzParser(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/recordings/h2-*.jsonl")
	for _, file := range files {
		// The first few KiB: small inputs keep the fuzzer quick.
		b := fuzzInput(readChunks(f, file))
		f.Add(b[:min(len(b), 4<<10)])
	}
	lim := protocol.Limits{MaxBuffer: 32 << 10, MaxHeaderBytes: 4 << 10, MaxHeaders: 32, MaxBody: 64 << 10, Display: 1 << 10}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := New(withWS(protocol.Config{Limits: lim, Frames: true}))
		n := 0
		emit := func(m *message.Message) {
			n++
			if m.Proto != Name && m.Proto != websocket.Name {
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
		if len(p.streams) != 0 || p.tunnels != 0 || p.rawHeld != 0 {
			t.Fatalf("%d streams, %d tunnels, %d bytes held after Flush", len(p.streams), p.tunnels, p.rawHeld)
		}
	})
}

// TestMutatedInputs runs FuzzParser's checks over inputs made from its
// seeds by a fixed sequence of random mutations (bytes changed, cut out,
// copied elsewhere), with two buffer sizes: what a short fuzzing run
// does, on every test run.
func TestMutatedInputs(t *testing.T) {
	var seeds [][]byte
	files, _ := filepath.Glob("../../testdata/recordings/h2-*.jsonl")
	for _, file := range files {
		b := fuzzInput(readChunks(t, file))
		seeds = append(seeds, b[:min(len(b), 4<<10)])
	}
	corpus, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParser", "*"))
	for _, file := range corpus {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var seed []byte
		if _, err := fmt.Sscanf(strings.TrimPrefix(string(b), "go test fuzz v1\n"), "[]byte(%q)", &seed); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		seeds = append(seeds, seed, seed) // the synthetic seeds twice: they hold the rare cases
	}
	for _, maxBuf := range []int{32 << 10, 512} {
		lim := protocol.Limits{MaxBuffer: maxBuf, MaxHeaderBytes: 4 << 10, MaxHeaders: 32, MaxBody: 64 << 10, Display: 1 << 10}
		r := rand.New(rand.NewPCG(uint64(maxBuf), 1))
		for it := range 4000 {
			b := bytes.Clone(seeds[r.IntN(len(seeds))])
			for k := r.IntN(6); k >= 0 && len(b) > 0; k-- {
				switch i := r.IntN(len(b)); r.IntN(3) {
				case 0:
					b[i] = byte(r.IntN(256))
				case 1:
					b = append(b[:i], b[min(len(b), i+r.IntN(40)):]...)
				default:
					j := r.IntN(len(b))
					b = slices.Insert(b, i, bytes.Clone(b[j:min(len(b), j+20)])...)
				}
			}
			p := New(withWS(protocol.Config{Limits: lim, Frames: it%2 == 0}))
			emit := func(*message.Message) {}
			for i, c := range fuzzChunks(b) {
				if len(c.data) > 0 {
					p.Feed(c.dir, c.data, uint64(i), emit)
				}
				if c.gap > 0 {
					p.Gap(c.dir, c.gap, uint64(i), emit)
				}
			}
			p.Flush(protocol.Closed, emit)
			if len(p.streams) != 0 || p.tunnels != 0 || p.rawHeld != 0 {
				t.Fatalf("%d streams, %d tunnels, %d bytes held after Flush, for %q", len(p.streams), p.tunnels, p.rawHeld, b)
			}
		}
	}
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
	// A WebSocket over HTTP/2 (RFC 8441): the extended CONNECT, DATA
	// before the response, the 2xx, frames of both sides (one cut across
	// two DATA frames, one padded), a gap, a close and a reset.
	w := newConv(t).preface()
	connect1(w, 1, "/chat")
	w.data(event.Out, 1, false, clientWS(opText, "early"))
	w.headers(event.In, 1, false, ":status", "200", "sec-websocket-extensions", "permessage-deflate")
	msg := serverWS(opBinary, "\x00\x01\x02\x03")
	w.data(event.In, 1, false, msg[:3])
	w.fr[event.In].WriteDataPadded(1, false, []byte(msg[3:]+serverWS(opText, "pad")), []byte{0, 0, 0})
	w.flush(event.In)
	w.chunks = append(w.chunks, chunk{dir: event.Out, gap: 7})
	w.data(event.Out, 1, false, clientWS(opClose, "\x03\xe8bye"))
	connect1(w, 3, "/other")
	w.headers(event.In, 3, false, ":status", "200")
	w.fr[event.Out].WriteRSTStream(3, http2.ErrCodeCancel)
	w.flush(event.Out)
	w.data(event.In, 1, true, serverWS(opClose, "\x03\xe8"))
	seeds := map[string][]byte{"frames": fuzzInput(c.chunks), "websocket": fuzzInput(w.chunks)}
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
