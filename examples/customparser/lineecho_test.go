package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		head string
		want protocol.Verdict
	}{
		{"HELLO client=x\n", protocol.Yes},
		{"BYE\n", protocol.Yes},
		{"HEL", protocol.NeedMore},
		{"HELLO", protocol.NeedMore},
		{"HELLOX", protocol.No},
		{"GET / HTTP/1.1\r\n", protocol.No},
		{"", protocol.No},
	}
	for _, tt := range tests {
		if got := detect(protocol.Sample{Out: []byte(tt.head)}); got != tt.want {
			t.Errorf("detect(%q) = %v; want %v", tt.head, got, tt.want)
		}
	}
}

// TestParser feeds calls to a parser and compares one line per message.
func TestParser(t *testing.T) {
	type call struct {
		dir  event.Dir
		data string
		gap  int
	}
	tests := []struct {
		name  string
		lim   protocol.Limits
		calls []call
		want  []string
	}{
		{"paired, split", protocol.Limits{}, []call{
			{event.Out, "ECHO hi\nFE", 0}, {event.Out, "TCH k\n", 0}, {event.In, "hi\nVALUE", 0}, {event.In, " v\n", 0},
		}, []string{"request out ECHO hi", "request out FETCH k", "response in <-ECHO hi", "response in <-FETCH VALUE v"}},
		{"gap", protocol.Limits{}, []call{
			{event.Out, "ECHO a", 0}, {event.Out, "", 5}, {event.Out, "lost\nECHO b\n", 0}, {event.In, "b\n", 0},
		}, []string{"request out ECHO a [partial] [gap]", "request out ECHO b", "response in <-ECHO b"}},
		{"long line", protocol.Limits{MaxHeaderBytes: 8}, []call{{event.Out, "ECHO 0123456789\n", 0}},
			[]string{"request out ECHO 012 [limit]"}},
		{"flush", protocol.Limits{}, []call{{event.Out, "CLOCK", 0}}, []string{"request out CLOCK [partial]"}},
	}
	for _, tt := range tests {
		p := newParser(tt.lim)
		var got []string
		emit := func(m *message.Message) {
			s := fmt.Sprintf("%s %s", m.Type, m.Dir)
			if m.Request != nil {
				s += " <-" + m.Request.Method
			}
			s += " " + string(m.Body.Data)
			if m.Partial {
				s += " [partial]"
			}
			for _, n := range m.Notes {
				s += " [" + n.Kind.String() + "]"
			}
			got = append(got, s)
		}
		for i, c := range tt.calls {
			if c.gap > 0 {
				p.Gap(c.dir, c.gap, uint64(i), emit)
				continue
			}
			if err := p.Feed(c.dir, []byte(c.data), uint64(i), emit); err != nil {
				t.Fatal(err)
			}
		}
		p.Flush(protocol.Closed, emit)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, strings.Join(got, "; "), strings.Join(tt.want, "; "))
		}
	}
}
