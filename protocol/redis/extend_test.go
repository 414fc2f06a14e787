package redis_test

// The tests here play a user of the module: they write a parser of their
// own, outside tapir's packages, add it to tapir's detection list at a
// stated position, and run it through the public pipeline, next to the
// Redis parser and the rest of protocol/builtin.

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/builtin"
	"github.com/tapir-dev/tapir/source/eventfile"
)

// lineEcho is the line protocol of testdata/recordings/line-echo.jsonl: the
// client sends a command line, the server answers with one line. The
// first command is HELLO.
var lineEcho = protocol.Spec{
	Name: "lineecho",
	Doc:  "the echo_server.py line protocol (a test)",
	Detect: func(s protocol.Sample) protocol.Verdict {
		const hello = "HELLO "
		out := s.Out
		switch {
		case len(out) >= len(hello) && string(out[:len(hello)]) == hello:
			return protocol.Yes
		case string(hello[:min(len(out), len(hello))]) == string(out) && len(out) > 0:
			return protocol.NeedMore
		}
		return protocol.No
	},
	New: func(cfg protocol.Config) protocol.Parser {
		return &lineParser{proto: "lineecho", max: cfg.Limits.WithDefaults().MaxBuffer}
	},
}

// lineParser emits each line as a message; a reply line (In) answers the
// oldest command line not yet answered.
type lineParser struct {
	proto   string
	max     int
	buf     [2][]byte
	start   [2]uint64
	pending []message.RequestRef
	ends    []uint64
}

func (p *lineParser) Feed(dir event.Dir, b []byte, at uint64, emit protocol.Emit) error {
	for len(b) > 0 {
		if len(p.buf[dir]) == 0 {
			p.start[dir] = at
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(p.buf[dir])+len(b) > p.max {
				return fmt.Errorf("line longer than %d bytes", p.max)
			}
			p.buf[dir] = append(p.buf[dir], b...)
			return nil
		}
		p.buf[dir] = append(p.buf[dir], b[:i]...)
		b = b[i+1:]
		p.line(dir, at, false, emit)
	}
	return nil
}

func (p *lineParser) line(dir event.Dir, at uint64, partial bool, emit protocol.Emit) {
	text := bytes.Clone(p.buf[dir])
	p.buf[dir] = p.buf[dir][:0]
	m := &message.Message{Proto: p.proto, Type: message.Request, Dir: dir, Start: p.start[dir], End: at,
		Size: int64(len(text)) + 1, Raw: text, Partial: partial,
		Body: &message.Body{Data: text, Size: int64(len(text)), DecodedSize: int64(len(text))}}
	if dir == event.Out {
		verb, _, _ := bytes.Cut(text, []byte(" "))
		p.pending = append(p.pending, message.RequestRef{Method: string(verb)})
		p.ends = append(p.ends, at)
	} else {
		m.Type = message.Response
		if len(p.pending) > 0 {
			m.Request = &p.pending[0]
			m.Latency = &message.Latency{First: m.Start - p.ends[0], Last: at - p.ends[0]}
			p.pending, p.ends = p.pending[1:], p.ends[1:]
		}
	}
	emit(m)
}

func (p *lineParser) Gap(dir event.Dir, n int, at uint64, emit protocol.Emit) {
	if len(p.buf[dir]) == 0 {
		p.start[dir] = at
	}
	p.line(dir, at, true, func(m *message.Message) {
		m.AddNote(message.Gap, "%d bytes not captured", n)
		emit(m)
	})
}

func (p *lineParser) Flush(_ protocol.End, emit protocol.Emit) {
	for _, d := range []event.Dir{event.Out, event.In} {
		if len(p.buf[d]) > 0 {
			p.line(d, p.start[d], true, emit)
		}
	}
}

// greedy says Yes to every connection: where it sits in the list decides
// what it takes.
var greedy = protocol.Spec{
	Name:   "greedy",
	Detect: func(protocol.Sample) protocol.Verdict { return protocol.Yes },
	New:    func(cfg protocol.Config) protocol.Parser { return &lineParser{proto: "greedy", max: 1 << 20} },
}

// decode runs recordings, one after the other, through a pipeline with
// protocols, and returns every message.
func decode(t *testing.T, protocols protocol.List, shards int, names ...string) []*message.Message {
	t.Helper()
	var msgs []*message.Message
	p, err := pipeline.New(pipeline.Options{
		Shards:    shards,
		Protocols: protocols,
		Output: func(m *message.Message) error {
			msgs = append(msgs, m)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		r, err := eventfile.Open(recordingPath(name), &eventfile.Options{Strict: true})
		if err != nil {
			t.Fatal(err)
		}
		for {
			e, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Push(e); err != nil {
				t.Fatal(err)
			}
		}
		r.Close()
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	return msgs
}

// protos counts messages by protocol, per recording's process name.
func protos(msgs []*message.Message) map[string]string {
	got := map[string]string{}
	for _, m := range msgs {
		k := m.Connection().Comm
		if !bytes.Contains([]byte(got[k]), []byte(m.Proto)) {
			if got[k] != "" {
				got[k] += ","
			}
			got[k] += m.Proto
		}
	}
	return got
}

// TestRegisteredParser adds lineEcho after Redis: it is detected, and its
// messages come out complete, paired and in order.
func TestRegisteredParser(t *testing.T) {
	list, err := builtin.Default.Insert(lineEcho, protocol.After("redis"))
	if err != nil {
		t.Fatal(err)
	}
	msgs := decode(t, list, 2, "line-echo", "redis-cli")
	var lines []string
	for _, m := range msgs {
		switch m.Proto {
		case "lineecho":
			s := fmt.Sprintf("%s %s", m.Type, m.Body.Data)
			if m.Request != nil {
				s += " <- " + m.Request.Method
			}
			lines = append(lines, s)
		case "redis":
		default:
			t.Errorf("a %s message from %s", m.Proto, m.Connection().Comm)
		}
	}
	want := []string{
		"request HELLO client=echo_client.py version=1",
		"response WELCOME client=echo_client.py version=1 <- HELLO",
		"request ECHO the quick brown fox",
		"response the quick brown fox <- ECHO",
		"request STORE color deep blue",
		"response STORED color <- STORE",
		"request FETCH color",
		"response VALUE deep blue <- FETCH",
		"request CLOCK",
	}
	if len(lines) < len(want) || !slices.Equal(lines[:len(want)], want) {
		t.Errorf("lineecho messages:\n%q\nwant them to start with:\n%q", lines, want)
	}
	if len(lines) != 14 {
		t.Errorf("%d lineecho messages; want 14 (7 commands, 7 replies)", len(lines))
	}
	// Without it, the same connection is raw turns.
	if got := protos(decode(t, builtin.Default, 2, "line-echo"))["python3"]; got != "raw" {
		t.Errorf("line-echo without lineecho: %s; want raw", got)
	}
}

// TestRegistrationOrder puts a parser that claims everything at each
// position: the position alone decides which connections it takes, the
// same way on every run and with any number of shards.
func TestRegistrationOrder(t *testing.T) {
	tests := []struct {
		pos  protocol.Position
		want map[string]string // process -> protocols
	}{
		{protocol.First(), map[string]string{"python3": "greedy", "redis-cli": "greedy", "curl": "greedy"}},
		{protocol.Before("redis"), map[string]string{"python3": "greedy", "redis-cli": "greedy", "curl": "http1"}},
		{protocol.After("redis"), map[string]string{"python3": "greedy", "redis-cli": "redis", "curl": "http1"}},
		{protocol.Last(), map[string]string{"python3": "greedy", "redis-cli": "redis", "curl": "http1"}},
	}
	for _, tt := range tests {
		list, err := builtin.Default.Insert(greedy, tt.pos)
		if err != nil {
			t.Fatal(err)
		}
		var first []*message.Message
		for _, shards := range []int{1, 3} {
			msgs := decode(t, list, shards, "line-echo", "redis-cli", "curl-post")
			if got := protos(msgs); !mapsEqual(got, tt.want) {
				t.Errorf("greedy %v, %d shards: %v; want %v", tt.pos, shards, got, tt.want)
			}
			if first == nil {
				first = msgs
				continue
			}
			if a, b := dump(first), dump(msgs); !bytes.Equal(a, b) {
				t.Errorf("greedy %v: output differs between 1 and %d shards:\n%s", tt.pos, shards, firstDiff(string(b), string(a)))
			}
		}
	}
	if _, err := builtin.Default.Insert(lineEcho, protocol.After("memcached")); err == nil {
		t.Error("Insert after an unknown protocol: no error")
	}
	if _, err := builtin.Default.Insert(protocol.Spec{Name: "redis", Detect: greedy.Detect, New: greedy.New}, protocol.Last()); err == nil {
		t.Error("Insert of a second redis: no error")
	}
}

// TestDisable turns parsers off by name: their connections go to what
// comes next, or to raw.
func TestDisable(t *testing.T) {
	tests := []struct {
		disable []string
		extra   bool // greedy at the end of the list
		want    map[string]string
	}{
		{nil, false, map[string]string{"redis-cli": "redis", "curl": "http1"}},
		{[]string{"redis"}, false, map[string]string{"redis-cli": "raw", "curl": "http1"}},
		{[]string{"redis", "http1"}, false, map[string]string{"redis-cli": "raw", "curl": "raw"}},
		{[]string{"redis"}, true, map[string]string{"redis-cli": "greedy", "curl": "http1"}},
	}
	for _, tt := range tests {
		list := builtin.Default
		if tt.extra {
			var err error
			if list, err = list.Insert(greedy, protocol.Last()); err != nil {
				t.Fatal(err)
			}
		}
		list, err := list.Without(tt.disable...)
		if err != nil {
			t.Fatal(err)
		}
		if got := protos(decode(t, list, 2, "redis-cli", "curl-post")); !mapsEqual(got, tt.want) {
			t.Errorf("without %v: %v; want %v", tt.disable, got, tt.want)
		}
	}
	if _, err := builtin.Default.Without("redis", "redis"); err == nil {
		t.Error("disabling redis twice: no error")
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
