package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output"
	"github.com/tapir-dev/tapir/output/text"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/builtin"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "feed:", err)
		os.Exit(1)
	}
}

// capture stands for the events a program of your own captured: what a
// curl process (pid 4242) and a redis-cli process (pid 5151) wrote (Out)
// and read (In) on one connection each, with the times they did, then
// the closing of both connections.
func capture() []event.Event {
	const t0 = 1_732_350_000_000_000_000 // ns
	curl := func(dir event.Dir, at uint64, data string) event.Event {
		return event.Event{Kind: event.Data, Time: t0 + at, PID: 4242, TID: 4242, FD: 5, Comm: "curl", Lib: "openssl", Dir: dir,
			Src: netip.MustParseAddrPort("10.0.0.7:50514"), Dst: netip.MustParseAddrPort("10.0.0.9:443"), Data: []byte(data)}
	}
	redis := func(dir event.Dir, at uint64, data string) event.Event {
		return event.Event{Kind: event.Data, Time: t0 + at, PID: 5151, TID: 5151, FD: 3, Comm: "redis-cli", Lib: "openssl", Dir: dir,
			Src: netip.MustParseAddrPort("10.0.0.7:40112"), Dst: netip.MustParseAddrPort("10.0.0.10:6380"), Data: []byte(data)}
	}
	return []event.Event{
		curl(event.Out, 0, "GET /api/users/1 HTTP/1.1\r\nHost: api.example\r\nAccept: */*\r\n\r\n"),
		// Two pipelined commands in one write.
		redis(event.Out, 150_000, "*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$5\r\nhello\r\n*2\r\n$3\r\nGET\r\n$8\r\ngreeting\r\n"),
		// Their two replies, split across reads.
		redis(event.In, 540_000, "+OK\r\n$5\r\nhel"),
		redis(event.In, 550_000, "lo\r\n"),
		curl(event.In, 820_000, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 21\r\n\r\n"),
		curl(event.In, 840_000, `{"id":1,"name":"Ada"}`),
		{Kind: event.Close, Time: t0 + 900_000, PID: 4242, TID: 4242, FD: 5},
		{Kind: event.Close, Time: t0 + 950_000, PID: 5151, TID: 5151, FD: 3},
	}
}

// options are the pipeline's settings: every field has a default (zero),
// these are the ones a program usually sets.
func options() pipeline.Options {
	return pipeline.Options{
		Shards:    2,                                                  // goroutines; the output is the same for any number
		Protocols: builtin.Default,                                    // tapir's parsers, in detection order
		Limits:    protocol.Limits{MaxBuffer: 1 << 20, Display: 4096}, // per connection, per message
		Idle:      5 * time.Second,                                    // flush partial messages of quiet connections
		Clock:     pipeline.EventClock,                                // measure idleness on the events' own times
	}
}

func run(w io.Writer) error {
	// 1. Push events one by one; messages come to a callback, in order,
	// from one goroutine.
	fmt.Fprintln(w, "== callback")
	opts := options()
	opts.Output = func(m *message.Message) error {
		fmt.Fprintf(w, "%-9s %-8s %-3s %s\n", m.Proto, m.Type, m.Dir, summary(m))
		return nil
	}
	p, err := pipeline.New(opts)
	if err != nil {
		return err
	}
	for _, e := range capture() {
		// Push copies what it keeps: e and e.Data may be reused at once.
		if err := p.Push(&e); err != nil {
			return err
		}
	}
	// Close flushes every connection and waits for the last message.
	if err := p.Close(); err != nil {
		return err
	}
	st := p.Stats()
	fmt.Fprintf(w, "%d events, %d messages, lossy: %v\n", st.Events, st.TotalMessages(), st.Lossy())

	// 2. The same events from a source.Source, through a formatter: Run
	// reads the source to its end, then closes the pipeline.
	fmt.Fprintln(w, "== text formatter")
	if err := format(w, text.New(text.Options{})); err != nil {
		return err
	}

	// 3. A formatter of your own: one line a message, and a closing line
	// (output.Finisher) when the writer is closed.
	fmt.Fprintln(w, "== own formatter")
	return format(w, &tally{})
}

// format runs the captured events through a pipeline whose output is
// written by f onto w.
func format(w io.Writer, f output.Formatter) error {
	out := output.NewWriter(w, f)
	opts := options()
	opts.Output = out.Write
	p, err := pipeline.New(opts)
	if err != nil {
		return err
	}
	if err := p.Run(context.Background(), &events{list: capture()}); err != nil {
		return err
	}
	return out.Close() // the Finisher's part, then a flush
}

// summary is what a message says, in a few words.
func summary(m *message.Message) string {
	s := ""
	switch {
	case m.HTTP != nil && m.Type == message.Request:
		s = m.HTTP.Method + " " + m.HTTP.Target
	case m.HTTP != nil:
		s = strconv.Itoa(m.HTTP.Status) + " " + m.HTTP.Reason
	case m.Body != nil:
		s = string(m.Body.Data)
	}
	if m.Request != nil {
		s += fmt.Sprintf(" (answers %s %s in %v)", m.Request.Method, m.Request.Target, time.Duration(m.Latency.Last))
	}
	return s
}

// events is a source.Source over events held in memory.
type events struct {
	list []event.Event
	cur  event.Event
}

// Next returns the next event; it is valid until the next call.
func (s *events) Next() (*event.Event, error) {
	if len(s.list) == 0 {
		return nil, io.EOF
	}
	s.cur, s.list = s.list[0], s.list[1:]
	return &s.cur, nil
}

// Close drops what is left.
func (s *events) Close() error {
	s.list = nil
	return nil
}

// tally is an output.Formatter that writes one line a message and, as an
// output.Finisher, a count at the end.
type tally struct {
	n     int
	bytes int64
}

// Append implements output.Formatter.
func (t *tally) Append(dst []byte, m *message.Message) []byte {
	t.n++
	t.bytes += m.Size
	dst = fmt.Appendf(dst, "%s[%d] %s %s %dB", m.Connection().Comm, m.Connection().PID, m.Proto, m.Type, m.Size)
	if m.Latency != nil {
		dst = fmt.Appendf(dst, " %v", time.Duration(m.Latency.Last))
	}
	return append(dst, '\n')
}

// Finish implements output.Finisher.
func (t *tally) Finish(dst []byte) []byte {
	return fmt.Appendf(dst, "%d messages, %d bytes on the wire\n", t.n, t.bytes)
}
