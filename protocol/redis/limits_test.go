package redis_test

import (
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/redis"
)

// hasNote reports whether m has a note of kind k containing text.
func hasNote(m *message.Message, k message.NoteKind, text string) bool {
	for _, n := range m.Notes {
		if n.Kind == k && strings.Contains(n.Text, text) {
			return true
		}
	}
	return false
}

// replies feeds one command, then reply to it in pieces of at most
// piece bytes, checking what the parser holds after each; it returns
// the messages of the reply direction.
func replies(t *testing.T, lim protocol.Limits, reply string, piece int) []*message.Message {
	t.Helper()
	p := redis.New(lim)
	bound := redis.HeldBound(lim.WithDefaults().MaxBuffer)
	var msgs []*message.Message
	emit := func(m *message.Message) {
		if m.Dir == event.In {
			msgs = append(msgs, m)
		}
	}
	p.Feed(event.Out, []byte("*1\r\n$1\r\nX\r\n"), 1, emit)
	for i := 0; i < len(reply); i += piece {
		p.Feed(event.In, []byte(reply[i:min(i+piece, len(reply))]), 2, emit)
		if h := redis.Held(p); h > bound {
			t.Fatalf("holds %d bytes; bound %d", h, bound)
		}
	}
	p.Flush(protocol.Closed, emit)
	return msgs
}

func TestLimits(t *testing.T) {
	small := protocol.Limits{MaxBuffer: 4096}
	tests := []struct {
		name  string
		lim   protocol.Limits
		reply string
		check func(t *testing.T, ms []*message.Message)
	}{
		{"big bulk", small, "$1000000\r\n" + strings.Repeat("x", 1_000_000) + "\r\n+OK\r\n", func(t *testing.T, ms []*message.Message) {
			m := ms[0]
			if m.Partial || len(m.Body.Data) > 4096+64 || m.Body.Cut < 1_000_000-4096 || !hasNote(m, message.Limit, "bytes of values not kept") {
				t.Errorf("partial %v, %d bytes kept, cut %d, notes %v", m.Partial, len(m.Body.Data), m.Body.Cut, m.Notes)
			}
			if m.Size != 1_000_000+12 || len(m.Raw) != 4096 || m.RawCut != m.Size-4096 {
				t.Errorf("size %d, raw %d, raw cut %d", m.Size, len(m.Raw), m.RawCut)
			}
			if len(ms) != 2 || string(ms[1].Body.Data) != "+OK" {
				t.Errorf("the reply after the big one is lost")
			}
		}},
		{"many elements", small, "*100000\r\n" + strings.Repeat(":1\r\n", 100000), func(t *testing.T, ms []*message.Message) {
			m := ms[0]
			if m.Partial || !hasNote(m, message.Limit, "elements not kept") || !strings.Contains(string(m.Body.Data), "more elements not kept") {
				t.Errorf("partial %v, notes %v", m.Partial, m.Notes)
			}
			if m.Size != 9+400000 {
				t.Errorf("size %d", m.Size)
			}
		}},
		{"long simple string", small, "+" + strings.Repeat("y", 200_000) + "\r\n", func(t *testing.T, ms []*message.Message) {
			m := ms[0]
			if m.Partial || len(m.Body.Data) > 4096+64 || !hasNote(m, message.Limit, "not kept") {
				t.Errorf("partial %v, %d bytes, notes %v", m.Partial, len(m.Body.Data), m.Notes)
			}
		}},
		{"deep nesting", protocol.Limits{}, strings.Repeat("*1\r\n", 100_000) + ":1\r\n", func(t *testing.T, ms []*message.Message) {
			if !hasNote(ms[0], message.Error, "nested deeper") {
				t.Errorf("notes %v", ms[0].Notes)
			}
		}},
		{"huge count", protocol.Limits{}, "*99999999999\r\n+OK\r\n", func(t *testing.T, ms []*message.Message) {
			if !hasNote(ms[0], message.Error, "count") {
				t.Errorf("notes %v", ms[0].Notes)
			}
		}},
		{"huge bulk length", protocol.Limits{}, "$99999999999999\r\n", func(t *testing.T, ms []*message.Message) {
			if !hasNote(ms[0], message.Error, "length") {
				t.Errorf("notes %v", ms[0].Notes)
			}
		}},
		{"endless length line", protocol.Limits{}, "$" + strings.Repeat("9", 100_000), func(t *testing.T, ms []*message.Message) {
			if !hasNote(ms[0], message.Error, "longer than") || len(ms[0].Body.Data) > 100 {
				t.Errorf("%d messages, the first %.100q", len(ms), summaries(ms)[0])
			}
		}},
		{"display limit", protocol.Limits{Display: 10}, "$100\r\n" + strings.Repeat("z", 100) + "\r\n", func(t *testing.T, ms []*message.Message) {
			m := ms[0]
			if len(m.Body.Data) != 10 || m.Body.Cut == 0 || len(m.Raw) != 10 || m.RawCut != m.Size-10 || len(m.Notes) != 0 {
				t.Errorf("body %q cut %d, raw %q, notes %v", m.Body.Data, m.Body.Cut, m.Raw, m.Notes)
			}
			if !m.Truncated() {
				t.Error("not marked truncated")
			}
		}},
		{"skipped garbage", small, strings.Repeat("\x00", 100_000) + "\r\n+OK\r\n", func(t *testing.T, ms []*message.Message) {
			if len(ms) != 2 || ms[0].Size != 100_002 || len(ms[0].Raw) > 4096 || !hasNote(ms[0], message.Error, "not RESP") {
				t.Errorf("%.300q", summaries(ms))
			}
		}},
	}
	for _, tt := range tests {
		for _, piece := range []int{1 << 20, 7} {
			if piece == 7 && len(tt.reply) > 200_000 {
				continue
			}
			t.Run(tt.name, func(t *testing.T) {
				ms := replies(t, tt.lim, tt.reply, piece)
				if len(ms) == 0 {
					t.Fatal("no reply message")
				}
				tt.check(t, ms)
			})
		}
	}
}

// TestPendingLimit checks that commands waiting for replies are bounded:
// past the bound their replies still come, marked.
func TestPendingLimit(t *testing.T) {
	lim := protocol.Limits{MaxBuffer: 4096} // 32 commands kept
	p := redis.New(lim)
	var msgs []*message.Message
	emit := func(m *message.Message) { msgs = append(msgs, m) }
	p.Feed(event.Out, []byte(strings.Repeat("*1\r\n$4\r\nPING\r\n", 100)), 1, emit)
	p.Feed(event.In, []byte(strings.Repeat("+PONG\r\n", 100)), 2, emit)
	p.Flush(protocol.Closed, emit)
	var paired, marked int
	for _, m := range msgs[100:] {
		switch {
		case m.Request != nil:
			paired++
		case hasNote(m, message.Limit, "was not kept"):
			marked++
		}
	}
	if paired != 32 || marked != 68 {
		t.Errorf("%d replies paired, %d marked; want 32 and 68", paired, marked)
	}
}
