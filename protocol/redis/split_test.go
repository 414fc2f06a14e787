package redis_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/redis"
	"github.com/tapir-dev/tapir/source/eventfile"
)

// conn is one recorded connection: its data events in order.
type conn struct {
	name   string
	events []event.Event
}

// connections reads a recording into its connections, in the order they
// opened.
func connections(t testing.TB, name string) []*conn {
	t.Helper()
	r, err := eventfile.Open(recordingPath(name), &eventfile.Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	open := map[event.ConnID]*conn{}
	var all []*conn
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		id := e.ID()
		c := open[id]
		if e.Kind == event.Close {
			delete(open, id)
			continue
		}
		if c == nil {
			c = &conn{name: fmt.Sprintf("%s/%s", name, id)}
			open[id] = c
			all = append(all, c)
		}
		if n := len(c.events); n > 0 && e.Time < c.events[n-1].Time {
			t.Errorf("%s: time goes back", c.name)
		}
		ev := *e
		ev.Data = bytes.Clone(e.Data)
		c.events = append(c.events, ev)
	}
	for id := range open {
		t.Errorf("%s: connection %v never closed", name, id)
	}
	return all
}

// render runs a connection's events through a parser, splitting event
// split (if any) at byte at, and renders every message with its bytes.
func render(t testing.TB, c *conn, lim protocol.Limits, split, at int) string {
	p := redis.New(lim)
	var b bytes.Buffer
	var msgs []*message.Message
	emit := func(m *message.Message) { msgs = append(msgs, m) }
	for i, e := range c.events {
		if i == split {
			if err := p.Feed(e.Dir, e.Data[:at], e.Time, emit); err != nil {
				t.Fatal(err)
			}
			if err := p.Feed(e.Dir, e.Data[at:], e.Time, emit); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := p.Feed(e.Dir, e.Data, e.Time, emit); err != nil {
			t.Fatal(err)
		}
	}
	p.Flush(protocol.Closed, emit)
	b.Write(dump(msgs))
	for _, m := range msgs {
		fmt.Fprintf(&b, "%d-%d %q %d\n", m.Start, m.End, m.Raw, m.RawCut)
	}
	return b.String()
}

// TestSplitPoints feeds every recorded connection with each event split
// at every byte: the messages must not change.
func TestSplitPoints(t *testing.T) {
	for _, name := range recordings {
		for _, c := range connections(t, name) {
			want := render(t, c, protocol.Limits{}, -1, 0)
			for i, e := range c.events {
				for at := 1; at < len(e.Data); at++ {
					if got := render(t, c, protocol.Limits{}, i, at); got != want {
						t.Fatalf("%s: event %d split at %d:\n%s", c.name, i, at, firstDiff(got, want))
					}
				}
			}
		}
	}
}

// TestByteAtATime feeds every recorded connection one byte per call, and
// with small limits, checking that what is held stays bounded.
func TestByteAtATime(t *testing.T) {
	for _, lim := range []protocol.Limits{{}, {MaxBuffer: 1024, Display: 100}} {
		for _, name := range recordings {
			for _, c := range connections(t, name) {
				want := render(t, c, lim, -1, 0)
				p := redis.New(lim)
				var msgs []*message.Message
				emit := func(m *message.Message) { msgs = append(msgs, m) }
				bound := redis.HeldBound(lim.WithDefaults().MaxBuffer)
				for _, e := range c.events {
					for i := range e.Data {
						p.Feed(e.Dir, e.Data[i:i+1], e.Time, emit)
						if h := redis.Held(p); h > bound {
							t.Fatalf("%s: holds %d bytes; bound %d", c.name, h, bound)
						}
					}
				}
				p.Flush(protocol.Closed, emit)
				var b bytes.Buffer
				b.Write(dump(msgs))
				for _, m := range msgs {
					fmt.Fprintf(&b, "%d-%d %q %d\n", m.Start, m.End, m.Raw, m.RawCut)
				}
				if got := b.String(); got != want {
					t.Fatalf("%s, limits %+v:\n%s", c.name, lim, firstDiff(got, want))
				}
			}
		}
	}
}
