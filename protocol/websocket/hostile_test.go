package websocket

import (
	"runtime"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// heldBy feeds a parser the stream made by next (nil ends it) in the
// server's direction, and returns the heap it holds before its flush,
// and the messages.
func heldBy(t *testing.T, lim protocol.Limits, ext string, next func(i int) []byte) (int64, []*message.Message) {
	t.Helper()
	p := handshake(protocol.Config{Limits: lim}, ext)
	var msgs []*message.Message
	emit := func(m *message.Message) { msgs = append(msgs, m) }
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; ; i++ {
		b := next(i)
		if b == nil {
			break
		}
		p.Feed(1, b, uint64(i), emit)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	p.Flush(protocol.Shutdown, emit)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc), msgs
}

// TestHostile checks that memory stays bounded whatever a peer sends:
// a 64-bit length that never ends, endless continuation frames
// (compressed or not), and bytes that never parse.
func TestHostile(t *testing.T) {
	chunk := []byte(strings.Repeat("0123456789abcdef", 4096)) // 64 KiB
	const total = 32 << 20
	lim := protocol.Limits{Display: 1 << 10, MaxBuffer: 256 << 10}
	tests := []struct {
		name string
		ext  string
		head string
		more func() []byte
		// check looks at the one message that is emitted.
		check func(t *testing.T, m *message.Message)
	}{
		{
			name:  "64-bit length of 2^62",
			head:  frame(opBinary, "", frameOpts{length: 1 << 62}),
			more:  func() []byte { return chunk },
			check: func(t *testing.T, m *message.Message) {},
		},
		{
			name: "endless continuation frames",
			head: frame(opText, "start", frameOpts{more: true}),
			more: func() []byte {
				return []byte(strings.Repeat(frame(opContinuation, "0123456789", frameOpts{more: true}), 5000))
			},
			check: func(t *testing.T, m *message.Message) {
				if m.WS.Fragments < 1_000_000 {
					t.Errorf("%d fragments counted", m.WS.Fragments)
				}
			},
		},
		{
			name: "endless compressed continuation frames",
			ext:  "permessage-deflate",
			head: frame(opText, "\x00", frameOpts{more: true, rsv: bitRSV1}),
			more: func() []byte {
				return []byte(strings.Repeat(frame(opContinuation, "\x00\x00\x00\xff\xff", frameOpts{more: true}), 10000))
			},
			check: func(t *testing.T, m *message.Message) {
				if !m.Truncated() {
					t.Errorf("notes %v; want the buffer limit", m.Notes)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fed := 0
			held, msgs := heldBy(t, lim, tt.ext, func(i int) []byte {
				if i == 0 {
					return []byte(tt.head)
				}
				if fed >= total {
					return nil
				}
				b := tt.more()
				fed += len(b)
				return b
			})
			if held > 2<<20 {
				t.Errorf("%d bytes held after %d fed", held, fed)
			}
			if len(msgs) != 1 {
				t.Fatalf("%d messages: %v", len(msgs), summaries(msgs))
			}
			m := msgs[0]
			if !m.Partial || m.Size < total || len(m.Raw) > lim.Display || m.Body == nil || len(m.Body.Data) > lim.Display {
				t.Errorf("message: partial %v, size %d, %d raw bytes, body %v", m.Partial, m.Size, len(m.Raw), m.Body != nil)
			}
			tt.check(t, m)
		})
	}
}

// TestHostileSync checks the bytes held while a direction looks for a
// frame header, past a gap, when nothing ever parses.
func TestHostileSync(t *testing.T) {
	p := handshake(protocol.Config{}, "")
	var msgs []*message.Message
	emit := func(m *message.Message) { msgs = append(msgs, m) }
	p.Gap(1, 10, 1, emit)
	junk := []byte(strings.Repeat("\xffno frame here\x13", 4096))
	fed := 0
	for i := range 256 {
		p.Feed(1, junk, uint64(i+2), emit)
		fed += len(junk)
		if n := len(p.half[1].sync); n > syncLimit {
			t.Fatalf("%d bytes held looking for a frame", n)
		}
	}
	p.Flush(protocol.Closed, emit)
	if st := p.Stats(); st.Skipped != int64(fed) {
		t.Errorf("%d bytes skipped; want %d", st.Skipped, fed)
	}
	if len(msgs) != 1 || msgs[0].Size != int64(fed) || int64(len(msgs[0].Raw)) > 4<<20 {
		t.Errorf("messages: %v", summaries(msgs))
	}
}
