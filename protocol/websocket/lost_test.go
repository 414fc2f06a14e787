package websocket

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// TestLost: bytes lost without their number, in a payload, between
// frames or while looking for a header, make the direction look for the
// next frame header; the message they cut is partial, what follows is
// decoded, and the other direction is not touched.
func TestLost(t *testing.T) {
	long := sf(opText, strings.Repeat("a", 40))
	tests := []struct {
		name  string
		steps []any // step, or lost{dir}
		want  []string
	}{{
		name:  "inside a payload",
		steps: []any{in(long[:12]), lost{event.In}, in(long[30:] + sf(opText, "next") + sf(opText, "after")), out(cf(opText, "untouched"))},
		want: []string{
			`in data text 12B "aaaaaaaaaa" partial [gap: bytes not captured (how many of them were this stream's is not known)]`,
			`in data 12B "aaaaaaaaaaaa" partial [gap: 12 bytes skipped looking for a frame header (after bytes that were not captured)]`,
			`in data text 6B "next"`,
			`in data text 7B "after"`,
			`out data text 15B "untouched"`,
		},
	}, {
		name:  "between frames",
		steps: []any{in(sf(opText, "one")), lost{event.In}, in(sf(opText, "two") + sf(opText, "three"))},
		want: []string{
			`in data text 5B "one"`,
			`in data text 5B "two"`,
			`in data text 7B "three"`,
		},
	}, {
		name:  "twice",
		steps: []any{in(long[:5]), lost{event.In}, in("xyz"), lost{event.In}, in(sf(opText, "two") + sf(opText, "three"))},
		want: []string{
			`in data text 5B "aaa" partial [gap: bytes not captured (how many of them were this stream's is not known)]`,
			`in data 3B "xyz" partial [gap: 3 bytes skipped looking for a frame header (after bytes that were not captured)]`,
			`in data text 5B "two"`,
			`in data text 7B "three"`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := handshake(protocol.Config{}, "")
			var msgs []*message.Message
			emit := func(m *message.Message) { msgs = append(msgs, m) }
			for i, s := range tt.steps {
				switch s := s.(type) {
				case step:
					p.Feed(s.dir, []byte(s.data), uint64(i+1), emit)
				case lost:
					p.Lost(s.dir, uint64(i+1), emit)
				}
			}
			p.Flush(protocol.Closed, emit)
			if diff := cmp.Diff(tt.want, summaries(msgs)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// lost is a call to Parser.Lost.
type lost struct{ dir event.Dir }
