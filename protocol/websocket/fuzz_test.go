package websocket

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// fuzzInput encodes a connection for FuzzParser: a mode byte, then
// chunks of one length byte (the top bit is the direction: set for In,
// the rest the length; 0 means a gap of 7 bytes) and that many bytes.
func fuzzInput(mode byte, chunks []step) []byte {
	b := []byte{mode}
	for _, c := range chunks {
		d := []byte(c.data)
		for len(d) > 0 {
			n := min(len(d), 127)
			l := byte(n)
			if c.dir == event.In {
				l |= 0x80
			}
			b = append(b, l)
			b = append(b, d[:n]...)
			d = d[n:]
		}
	}
	return b
}

// recordedSeeds returns the WebSocket frames of the recordings (what
// follows each 101), as fuzz inputs.
func recordedSeeds(t testing.TB) [][]byte {
	files, _ := filepath.Glob("../../testdata/recordings/ws-*.jsonl")
	var seeds [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var chunks []step
		upgraded := map[string]bool{}
		for _, line := range bytes.Split(data, []byte("\n")) {
			var e struct{ Kind, Dir, Data string }
			if json.Unmarshal(line, &e) != nil || e.Kind != "data" {
				continue
			}
			d, _ := base64.StdEncoding.DecodeString(e.Data)
			if bytes.HasPrefix(d, []byte("HTTP/1.1 101")) || bytes.HasPrefix(d, []byte("GET ")) {
				upgraded[e.Dir] = true
				if i := bytes.Index(d, []byte("\r\n\r\n")); i >= 0 {
					d = d[i+4:]
				}
			}
			dir := event.Out
			if e.Dir == "in" {
				dir = event.In
			}
			chunks = append(chunks, step{dir: dir, data: string(d)})
			if len(chunks) > 12 {
				break
			}
		}
		seeds = append(seeds, fuzzInput(0, chunks), fuzzInput(1, chunks), fuzzInput(6, chunks))
	}
	return seeds
}

// FuzzParser feeds arbitrary bytes, cut anywhere, with gaps, to parsers
// made after a handshake and mid-stream, and checks that it never panics
// and that what it emits stays within the limits.
func FuzzParser(f *testing.F) {
	for _, s := range recordedSeeds(f) {
		f.Add(s)
	}
	f.Add(fuzzInput(2, []step{in(frame(opText, "\xf2\x48\xcd\xc9\xc9\x07\x00", frameOpts{rsv: bitRSV1})), out(cf(opClose, closePayload(1000, "bye")))}))
	f.Add(fuzzInput(0, []step{in(frame(opBinary, "", frameOpts{length: 1 << 63}) + sf(opText, "x"))}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := runFuzz(b); err != "" {
			t.Fatal(err)
		}
	})
}

// runFuzz runs one input of FuzzParser and says what was wrong with it.
func runFuzz(b []byte) string {
	var bad string
	{
		if len(b) == 0 {
			return ""
		}
		mode := b[0]
		lim := protocol.Limits{MaxBuffer: 4096, MaxBody: 8192, Display: -1}
		if mode&4 != 0 {
			lim.Display = 16
		}
		cfg := protocol.Config{Limits: lim, Frames: mode&2 != 0}
		var p *Parser
		if mode&1 != 0 {
			p = New(cfg)
		} else {
			ext := ""
			if mode&8 == 0 {
				ext = "permessage-deflate; client_no_context_takeover"
			}
			p = handshake(cfg, ext)
		}
		keep := lim.MaxBuffer
		if lim.Display >= 0 {
			keep = lim.Display
		}
		emit := func(m *message.Message) {
			if len(m.Raw) > keep || int64(len(m.Raw)) > m.Size || m.RawCut != m.Size-int64(len(m.Raw)) {
				bad = fmt.Sprintf("raw %d bytes of %d (cut %d)", len(m.Raw), m.Size, m.RawCut)
			}
			if m.Body != nil && (len(m.Body.Data) > keep && len(m.Body.Data) > int(lim.MaxBody) || m.Body.Cut < 0) {
				bad = fmt.Sprintf("body %d bytes, cut %d", len(m.Body.Data), m.Body.Cut)
			}
		}
		b = b[1:]
		for i := 0; len(b) > 0; i++ {
			l := b[0]
			b = b[1:]
			dir := event.Dir(l >> 7)
			n := int(l & 0x7f)
			if n == 0 {
				p.Gap(dir, 7, uint64(i), emit)
				continue
			}
			n = min(n, len(b))
			p.Feed(dir, b[:n], uint64(i), emit)
			b = b[n:]
		}
		p.Flush(protocol.Closed, emit)
	}
	return bad
}
