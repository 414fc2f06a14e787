package http2

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// held returns the bytes a parser holds in its buffers, roughly.
func held(p *Parser) int {
	n := p.rawHeld
	for d := range p.side {
		s := &p.side[d]
		n += cap(s.buf) + cap(s.hp.pend) + len(s.blk.list.fields)*32 + cap(s.junk.raw) // blk.raw is in rawHeld
		for _, e := range s.hp.tab.ents {
			n += len(e.name) + len(e.value)
		}
	}
	return n
}

// hostile feeds chunks one by one, checking after each that the parser
// holds at most limit bytes.
func hostile(t *testing.T, cfg protocol.Config, chunks []chunk, limit int) ([]*message.Message, *Parser) {
	t.Helper()
	p := New(cfg)
	var out []*message.Message
	emit := func(m *message.Message) { out = append(out, m) }
	peak := 0
	for i, c := range chunks {
		p.Feed(c.dir, c.data, uint64(i), emit)
		peak = max(peak, held(p))
	}
	p.Flush(protocol.Closed, emit)
	if peak > limit {
		t.Errorf("held up to %d bytes; limit %d", peak, limit)
	}
	return out, p
}

// TestHugeHeaderList: a block of 100,000 fields in CONTINUATION frames
// keeps MaxHeaders of them, counted and noted.
func TestHugeHeaderList(t *testing.T) {
	c := newConv(t).preface()
	var b bytes.Buffer
	e := hpack.NewEncoder(&b)
	for _, kv := range [][2]string{{":method", "GET"}, {":path", "/"}} {
		e.WriteField(hpack.HeaderField{Name: kv[0], Value: kv[1]})
	}
	c.fr[event.Out].WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: bytes.Clone(b.Bytes()), EndStream: true})
	c.flush(event.Out)
	for i := range 100000 {
		b.Reset()
		e.WriteField(hpack.HeaderField{Name: fmt.Sprintf("x-%d", i%5000), Value: "v"})
		c.fr[event.Out].WriteContinuation(1, i == 99999, b.Bytes())
		if i%100 == 99 {
			c.flush(event.Out)
		}
	}
	c.flush(event.Out)
	msgs, p := hostile(t, protocol.Config{Limits: protocol.Limits{MaxBuffer: 256 << 10}}, c.chunks, 512<<10)
	if len(msgs) != 1 || len(msgs[0].HTTP.Headers) != 256 || p.Stats().Limits != 1 {
		t.Fatalf("%d messages; stats %+v\n%s", len(msgs), p.Stats(), summary(msgs[:min(1, len(msgs))])[:200])
	}
	if !strings.Contains(msgs[0].Notes[0].Text, "99746 header fields") {
		t.Errorf("note %q", msgs[0].Notes[0].Text)
	}
}

// TestEndlessContinuation: a header block that never ends holds no more
// than its limits, and is shown partial when the connection ends.
func TestEndlessContinuation(t *testing.T) {
	c := newConv(t).preface()
	c.fr[event.Out].WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: c.block(event.Out, get1...)})
	c.flush(event.Out)
	junk := bytes.Repeat([]byte{0x40, 0x01, 'x', 0x7f, 0x7f}, 200) // literals, the last one 16K long, never finished
	for range 5000 {
		c.fr[event.Out].WriteContinuation(1, false, junk)
		c.flush(event.Out)
	}
	msgs, _ := hostile(t, protocol.Config{Limits: protocol.Limits{MaxHeaderBytes: 8 << 10, MaxBuffer: 256 << 10}}, c.chunks, 512<<10)
	if len(msgs) != 1 || !msgs[0].Partial || msgs[0].HTTP.Method != "GET" {
		t.Fatalf("got:\n%.500s", summary(msgs))
	}
}

// TestManyStreams: a peer that opens 5,000 streams and ends none is
// followed for DefaultMaxStreams of them at a time; the others are shown
// partial, with a note, as they are dropped.
func TestManyStreams(t *testing.T) {
	c := newConv(t).preface()
	for i := range 5000 {
		c.headers(event.Out, uint32(2*i+1), false, ":method", "POST", ":path", "/s")
		c.data(event.Out, uint32(2*i+1), false, "x")
	}
	msgs, p := hostile(t, protocol.Config{}, c.chunks, 1<<20)
	st := p.Stats()
	if len(msgs) != 5000 || st.Evicted != 5000-DefaultMaxStreams || st.Limits != st.Evicted {
		t.Errorf("%d messages; stats %+v", len(msgs), st)
	}
	if len(p.streams) != 0 {
		t.Errorf("%d streams left after Flush", len(p.streams))
	}
}

// TestLongFrames: with a small buffer, a DATA frame longer than both it
// and the default frame size is taken as it comes and such a HEADERS
// frame is skipped, noted; the connection goes on.
func TestLongFrames(t *testing.T) {
	c := newConv(t).preface()
	c.headers(event.Out, 1, true, get1...)
	c.headers(event.In, 1, false, ":status", "200")
	body := bytes.Repeat([]byte("0123456789"), 10000)
	c.fr[event.In].WriteDataPadded(1, true, body, make([]byte, 100))
	c.flush(event.In)
	c.headers(event.Out, 3, true, append(get1, "x-big", strings.Repeat("b", 30000))...)
	c.headers(event.Out, 5, true, get1...)
	c.headers(event.In, 5, true, ":status", "204")
	var chunks []chunk
	for _, ch := range c.chunks {
		for len(ch.data) > 700 {
			chunks = append(chunks, chunk{dir: ch.dir, data: ch.data[:700]})
			ch.data = ch.data[700:]
		}
		chunks = append(chunks, ch)
	}
	msgs, _ := hostile(t, protocol.Config{Limits: protocol.Limits{MaxBuffer: 2048}}, chunks, 64<<10)
	got := summary(msgs)
	// The skipped block's entries are missing from the table: stream 5's
	// fields that refer to the table are unknown from then on.
	if !strings.Contains(got, "in response s1 200") || !strings.Contains(got, "in response s5 204 <- GET") ||
		!strings.Contains(got, "[limit: HEADERS frame of") || !strings.Contains(got, "out request s5 GET  <unknown>=<unknown>") {
		for _, l := range strings.Split(got, "\n") {
			t.Errorf("%.200s", l)
		}
	}
	for _, m := range msgs {
		if m.HTTP != nil && m.HTTP.Stream == 1 && m.Type == message.Response && m.Body.Size != int64(len(body)) {
			t.Errorf("body of %d bytes; want %d", m.Body.Size, len(body))
		}
	}
}
