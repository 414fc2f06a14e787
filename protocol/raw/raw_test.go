package raw

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

type step struct {
	dir  event.Dir
	data string
	gap  int
	at   uint64
}

func run(l protocol.Limits, steps []step, why protocol.End) []*message.Message {
	p := New(l)
	var got []*message.Message
	emit := func(m *message.Message) { got = append(got, m) }
	for _, s := range steps {
		if s.gap > 0 {
			p.Gap(s.dir, s.gap, s.at, emit)
			continue
		}
		p.Feed(s.dir, []byte(s.data), s.at, emit)
	}
	p.Flush(why, emit)
	return got
}

type turn struct {
	Dir    event.Dir
	Data   string
	Size   int64
	Cut    int64
	Binary bool
	Start  uint64
	End    uint64
	Notes  int
}

func turns(ms []*message.Message) []turn {
	var out []turn
	for _, m := range ms {
		out = append(out, turn{m.Dir, string(m.Body.Data), m.Size, m.Body.Cut, m.Body.Binary, m.Start, m.End, len(m.Notes)})
	}
	return out
}

func TestTurns(t *testing.T) {
	tests := []struct {
		name   string
		limits protocol.Limits
		steps  []step
		want   []turn
	}{
		{
			name:  "one turn per direction change",
			steps: []step{{event.Out, "PING ", 0, 1}, {event.Out, "1\n", 0, 2}, {event.In, "PONG\n", 0, 5}, {event.Out, "QUIT\n", 0, 9}},
			want: []turn{
				{event.Out, "PING 1\n", 7, 0, false, 1, 2, 0},
				{event.In, "PONG\n", 5, 0, false, 5, 5, 0},
				{event.Out, "QUIT\n", 5, 0, false, 9, 9, 0},
			},
		},
		{
			name:  "binary",
			steps: []step{{event.In, "\x00\x01\x02", 0, 1}},
			want:  []turn{{event.In, "\x00\x01\x02", 3, 0, true, 1, 1, 0}},
		},
		{
			name:   "display limit keeps the first bytes and counts the rest",
			limits: protocol.Limits{Display: 4},
			steps:  []step{{event.Out, "abcdef", 0, 1}, {event.Out, "gh", 0, 2}},
			want:   []turn{{event.Out, "abcd", 8, 4, false, 1, 2, 0}},
		},
		{
			name:   "buffer limit is noted",
			limits: protocol.Limits{MaxBuffer: 3},
			steps:  []step{{event.Out, "abcdef", 0, 1}},
			want:   []turn{{event.Out, "abc", 6, 3, false, 1, 1, 1}},
		},
		{
			name:  "gap noted in its turn",
			steps: []step{{event.Out, "abc", 0, 1}, {event.Out, "", 100, 2}, {event.In, "x", 0, 3}},
			want:  []turn{{event.Out, "abc", 3, 0, false, 1, 2, 1}, {event.In, "x", 1, 0, false, 3, 3, 0}},
		},
		{name: "nothing, nothing out"},
	}
	for _, tt := range tests {
		got := turns(run(tt.limits, tt.steps, protocol.Closed))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: turns differ (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"hello\r\n\tworld", true},
		{"héllo wörld ✓", true},
		{"caf\xc3", true}, // cut inside a character at the end
		{"\xc3caf", false},
		{"a\x00b", false},
		{"\x1b[31mred", false},
		{"", true},
	}
	for _, tt := range tests {
		if got := Printable([]byte(tt.in)); got != tt.want {
			t.Errorf("Printable(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}
