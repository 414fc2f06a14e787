package http1

import (
	"bytes"
	"compress/gzip"
	"runtime"
	"strconv"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// TestBomb sends a gzip body that decodes to 1 GiB of zeros (1,024
// members of 1 MiB each, about 1 MB on the wire), chunked, in 16 KiB
// reads: decoding stops at MaxBody, the next response is parsed, and
// memory stays small.
func TestBomb(t *testing.T) {
	var unit bytes.Buffer
	w, _ := gzip.NewWriterLevel(&unit, gzip.BestCompression)
	w.Write(make([]byte, 1<<20))
	w.Close()
	payload := bytes.Repeat(unit.Bytes(), 1024)
	wire := []byte("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
	for p := payload; len(p) > 0; {
		n := min(len(p), 8000)
		wire = append(wire, strconv.FormatInt(int64(n), 16)+"\r\n"...)
		wire = append(wire, p[:n]...)
		wire = append(wire, "\r\n"...)
		p = p[n:]
	}
	wire = append(wire, "0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"...)

	const maxBody = 1 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := New(protocol.Config{Limits: protocol.Limits{MaxBody: maxBody, Display: 4096}})
	var msgs []*message.Message
	emit := func(m *message.Message) { msgs = append(msgs, m) }
	p.Feed(event.Out, []byte("GET /bomb HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\n\r\n"), 1, emit)
	for b := wire; len(b) > 0; {
		n := min(len(b), 16<<10)
		p.Feed(event.In, b[:n], 2, emit)
		b = b[n:]
	}
	p.Flush(protocol.Closed, emit)
	runtime.ReadMemStats(&after)

	if len(msgs) != 4 {
		t.Fatalf("got %d messages; want 4: %q", len(msgs), summaries(msgs))
	}
	m := msgs[2]
	b := m.Body
	if b == nil || b.DecodedSize != maxBody || b.Size != int64(len(payload)) || len(b.Data) != 4096 || b.Err != "" || !b.Binary {
		t.Fatalf("bomb body = %+v", b)
	}
	if len(m.Notes) != 1 || m.Notes[0].Kind != message.Limit || m.Partial {
		t.Errorf("bomb notes %v, partial %v; want one limit note, complete", m.Notes, m.Partial)
	}
	if s := summary(msgs[3]); s != "< 204 No Content (GET /next)" {
		t.Errorf("after the bomb: %s", s)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("parsing the bomb allocated %d bytes", alloc)
	}
}

// TestHugeLength checks that a Content-Length (or chunk size) of many
// terabytes costs nothing until its bytes come: at most the room made
// ahead for Raw and the body (maxPrealloc each).
func TestHugeLength(t *testing.T) {
	for _, resp := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 999999999999999999\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nContent-Length: 999999999999999999\r\nContent-Encoding: gzip\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\nabc",
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var parsers []*Parser
		for range 100 {
			p := New(protocol.Config{})
			p.Feed(event.In, []byte(resp), 1, func(*message.Message) {})
			parsers = append(parsers, p)
		}
		runtime.ReadMemStats(&after)
		t.Logf("%.60q: %d bytes per parser", resp, (after.TotalAlloc-before.TotalAlloc)/100)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 100*128<<10 {
			t.Errorf("%.50q: 100 parsers allocated %d bytes", resp, alloc)
		}
		for _, p := range parsers {
			var msgs []*message.Message
			p.Flush(protocol.Shutdown, func(m *message.Message) { msgs = append(msgs, m) })
			if len(msgs) != 1 || !msgs[0].Partial {
				t.Fatalf("%.50q: %q", resp, summaries(msgs))
			}
		}
	}
}
