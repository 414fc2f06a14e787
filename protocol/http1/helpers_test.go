package http1

import (
	"fmt"
	"strings"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// op is one step of a script fed to a Parser: bytes of a direction, a gap,
// or (end) the Flush that ends the script.
type op struct {
	dir  event.Dir
	data string
	gap  int
	at   uint64
}

// out and in make ops; their times are filled in by run when zero.
func out(s string) op { return op{dir: event.Out, data: s} }
func in(s string) op  { return op{dir: event.In, data: s} }
func gapOut(n int) op { return op{dir: event.Out, gap: n} }
func gapIn(n int) op  { return op{dir: event.In, gap: n} }

// run feeds ops to a new Parser with cfg and flushes it with why,
// returning the messages in the order emitted. Op i happens at time
// 10*(i+1) unless it says otherwise.
func run(cfg protocol.Config, ops []op, why protocol.End) []*message.Message {
	msgs, _ := runParser(cfg, ops, why)
	return msgs
}

// runParser is run, returning the Parser too, for its Stats and Counts.
func runParser(cfg protocol.Config, ops []op, why protocol.End) ([]*message.Message, *Parser) {
	p := New(cfg)
	var msgs []*message.Message
	emit := func(m *message.Message) { msgs = append(msgs, m) }
	for i, o := range ops {
		at := o.at
		if at == 0 {
			at = uint64(10 * (i + 1))
		}
		if o.gap > 0 {
			p.Gap(o.dir, o.gap, at, emit)
			continue
		}
		if err := p.Feed(o.dir, []byte(o.data), at, emit); err != nil {
			msgs = append(msgs, &message.Message{Proto: "error", Notes: []message.Note{{Kind: message.Error, Text: err.Error()}}})
		}
	}
	p.Flush(why, emit)
	return msgs, p
}

// summary describes m in one line for table tests:
//
//	> GET /a HTTP/1.1 body="hi"
//	< 200 OK (GET /a) body="..." [info: ...]
//	? out 12 bytes
func summary(m *message.Message) string {
	var b strings.Builder
	switch {
	case m.Proto != Name:
		fmt.Fprintf(&b, "%s %s %v %q", m.Proto, m.Dir, m.Type, m.Raw)
	case m.Type == message.Request:
		fmt.Fprintf(&b, "> %s %s %s", m.HTTP.Method, m.HTTP.Target, m.HTTP.Version)
	case m.Type == message.Response:
		fmt.Fprintf(&b, "< %d %s", m.HTTP.Status, m.HTTP.Reason)
		if m.Request != nil {
			fmt.Fprintf(&b, " (%s %s)", m.Request.Method, m.Request.Target)
		}
	default:
		fmt.Fprintf(&b, "? %s %d bytes", m.Dir, m.Size)
	}
	if m.Proto == Name && m.Type != message.Data {
		if d := m.Dir; (m.Type == message.Request) != (d == event.Out) {
			fmt.Fprintf(&b, " dir=%s", d)
		}
	}
	if bd := m.Body; bd != nil && m.Proto == Name && m.Type != message.Data {
		fmt.Fprintf(&b, " body=%q", bd.Data)
		if bd.Encoding != "" {
			fmt.Fprintf(&b, " enc=%q", bd.Encoding)
		}
		if bd.Size != int64(len(bd.Data)) || bd.DecodedSize != int64(len(bd.Data)) {
			fmt.Fprintf(&b, " size=%d/%d", bd.Size, bd.DecodedSize)
		}
		if bd.Err != "" {
			fmt.Fprintf(&b, " err=%q", bd.Err)
		}
	}
	if m.HTTP != nil && len(m.HTTP.Trailers) > 0 {
		fmt.Fprintf(&b, " trailers=%v", m.HTTP.Trailers)
	}
	if m.Partial {
		b.WriteString(" partial")
	}
	for _, n := range m.Notes {
		fmt.Fprintf(&b, " [%s: %s]", n.Kind, n.Text)
	}
	return b.String()
}

func summaries(ms []*message.Message) []string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = summary(m)
	}
	return s
}
