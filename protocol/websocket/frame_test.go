package websocket

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/protocol"
)

// TestFrames feeds hand-made frames to a parser made after a handshake
// (Out is the client, In the server) and checks the messages.
func TestFrames(t *testing.T) {
	long := strings.Repeat("0123456789", 7000) // 70,000 bytes: a 64-bit length
	mid := strings.Repeat("abcd", 50)          // 200 bytes: a 16-bit length
	tests := []struct {
		name  string
		cfg   protocol.Config
		steps []step
		want  []string
	}{
		{
			name:  "7-bit masked text",
			steps: []step{out(cf(opText, "hi"))},
			want:  []string{`out data text 8B "hi"`},
		},
		{
			name:  "16-bit binary from the server",
			steps: []step{in(sf(opBinary, mid))},
			want:  []string{`in data binary 204B "abcdabcdabcdabcdabcdabcd"...`},
		},
		{
			name: "64-bit masked text in pieces",
			steps: func() []step {
				f := cf(opText, long)
				return []step{out(f[:3]), out(f[3:11]), out(f[11:5000]), out(f[5000:])}
			}(),
			want: []string{`out data text 70014B "012345678901234567890123"...`},
		},
		{
			name: "a ping between the fragments of a message",
			steps: []step{
				out(frame(opText, "one, ", frameOpts{mask: true, more: true})),
				out(cf(opPing, "are you there")),
				out(frame(opContinuation, "two, ", frameOpts{mask: true, more: true})),
				in(sf(opPong, "are you there")),
				out(frame(opContinuation, "three", frameOpts{mask: true})),
			},
			want: []string{
				`out data ping 19B "are you there"`,
				`in data pong 15B "are you there"`,
				`out data text x3 33B "one, two, three"`,
			},
		},
		{
			name:  "close with code and reason",
			steps: []step{out(cf(opClose, closePayload(1001, "going away"))), in(sf(opClose, closePayload(1001, "")))},
			want:  []string{`out data close 1001 "going away" 18B`, `in data close 1001 "" 4B`},
		},
		{
			name:  "close without payload",
			steps: []step{in(sf(opClose, ""))},
			want:  []string{`in data close 2B`},
		},
		{
			name:  "close with a 1-byte payload",
			steps: []step{in(sf(opClose, "x"))},
			want:  []string{`in data close 3B "x" [error: a close frame with a 1-byte payload]`},
		},
		{
			name:  "close code a peer may not send",
			steps: []step{in(sf(opClose, closePayload(1005, "")))},
			want:  []string{`in data close 1005 "" 4B [error: close code 1005 is not one a peer may send]`},
		},
		{
			name:  "RSV2 set: reported, the message kept, the next one too",
			steps: []step{in(frame(opText, "odd", frameOpts{rsv: bitRSV2}) + sf(opText, "next"))},
			want: []string{
				`in data text 5B "odd" [error: reserved bits RSV2/RSV3 set (0x20)]`,
				`in data text 6B "next"`,
			},
		},
		{
			name:  "reserved opcode: reported, skipped by its length",
			steps: []step{out(cf(0x3, "what is this") + cf(opText, "fine"))},
			want: []string{
				`out data opcode-3 18B "what is this" [error: reserved opcode 0x3]`,
				`out data text 10B "fine"`,
			},
		},
		{
			name:  "control frame too long and not final",
			steps: []step{in(frame(opPing, strings.Repeat("p", 130), frameOpts{more: true}) + sf(opText, "after"))},
			want: []string{
				`in data ping 134B "pppppppppppppppppppppppp"... [error: a fragmented control frame] [error: a control frame of 130 bytes (at most 125)]`,
				`in data text 7B "after"`,
			},
		},
		{
			name:  "continuation with no message",
			steps: []step{in(sf(opContinuation, "stray"))},
			want:  []string{`in data continuation 7B "stray" [error: a continuation frame with no message to continue]`},
		},
		{
			name: "a new message before the last frame of the one before",
			steps: []step{
				in(frame(opText, "first ", frameOpts{more: true})),
				in(sf(opText, "second")),
			},
			want: []string{
				`in data text 8B "first " partial [error: a new message began before this one's last frame]`,
				`in data text 8B "second"`,
			},
		},
		{
			name:  "masking the wrong way round",
			steps: []step{out(sf(opText, "bare")), in(cf(opText, "hidden"))},
			want: []string{
				`out data text 6B "bare" [error: a client frame not masked]`,
				`in data text 12B "hidden" [error: a server frame masked]`,
			},
		},
		{
			name:  "length not in its shortest form",
			steps: []step{in(frame(opText, "short", frameOpts{long: true}))},
			want:  []string{`in data text 15B "short" [error: payload length not in its shortest form]`},
		},
		{
			name: "64-bit length over 2^63: the direction looks for the next frame",
			steps: []step{
				in(frame(opBinary, "", frameOpts{length: 1 << 63}) + sf(opText, "found again") + sf(opText, "and on")),
			},
			want: []string{
				`in data 10B "\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00" partial [gap: 10 bytes skipped looking for a frame header (after a frame header with an impossible length)]`,
				`in data text 13B "found again"`,
				`in data text 8B "and on"`,
			},
		},
		{
			name:  "display limit",
			cfg:   protocol.Config{Limits: protocol.Limits{Display: 4}},
			steps: []step{out(cf(opText, "hello, world")), in(sf(opText, "hello, world"))},
			want:  []string{`out data text 18B "hell" cut=8`, `in data text 14B "hell" cut=8`},
		},
		{
			name:  "unfinished message at the close",
			steps: []step{in(frame(opText, "to be continued", frameOpts{more: true}))},
			want:  []string{`in data text 17B "to be continued" partial [info: the connection closed before the end of the message]`},
		},
		{
			name:  "frames shown on their own",
			cfg:   protocol.Config{Frames: true},
			steps: []step{in(frame(opText, "ab", frameOpts{more: true}) + sf(opPing, "") + sf(opContinuation, "cd"))},
			want: []string{
				`in frame text 4B "ab" [info: more, 2-byte payload]`,
				`in frame ping 2B [info: fin, 0-byte payload]`,
				`in data ping 2B`,
				`in frame continuation 4B "cd" [info: fin, 2-byte payload]`,
				`in data text x2 8B "abcd"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summaries(parse(handshake(tt.cfg, ""), tt.steps...))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages differ (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGap checks what bytes that were not captured do: inside a payload
// they cut it; elsewhere the direction looks for the next frame.
func TestGap(t *testing.T) {
	f := cf(opText, "abcdefghij")
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{
			name:  "inside the payload",
			steps: []step{out(f[:8]), {dir: 0, gap: 4}, out(f[12:])},
			want:  []string{`out data text 16B "abghij" partial [gap: 4 bytes not captured]`},
		},
		{
			name:  "past the end of the frame",
			steps: []step{out(f[:8]), {dir: 0, gap: 40}, out(cf(opText, "later") + cf(opText, "on"))},
			want: []string{
				`out data text 8B "ab" partial [gap: 40 bytes not captured]`,
				`out data text 11B "later"`,
				`out data text 8B "on"`,
			},
		},
		{
			name:  "then bytes from the middle of a frame",
			steps: []step{{dir: 0, gap: 3}, out(f[9:] + cf(opText, "later") + cf(opText, "on"))},
			want: []string{
				`out data 7B "YR\x9cFU^\x90" partial [gap: 7 bytes skipped looking for a frame header (after bytes that were not captured)]`,
				`out data text 11B "later"`,
				`out data text 8B "on"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summaries(parse(handshake(protocol.Config{}, ""), tt.steps...))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages differ (-want +got):\n%s", diff)
			}
		})
	}
}
