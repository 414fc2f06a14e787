package http1

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

const (
	benchRequest = "GET /api/v2/items/12345?include=owner,tags&sort=-updated HTTP/1.1\r\n" +
		"Host: api.example.com\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36\r\n" +
		"Accept: application/json, text/plain, */*\r\n" +
		"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
		"Accept-Language: en-GB,en;q=0.9\r\n" +
		"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\r\n" +
		"Cookie: session=6f1c2e9a8b7d4c3e; theme=dark; _ga=GA1.2.1234567890.1700000000\r\n" +
		"Referer: https://app.example.com/items\r\n" +
		"Connection: keep-alive\r\n\r\n"
	benchResponse = "HTTP/1.1 200 OK\r\n" +
		"Server: nginx/1.25.3\r\n" +
		"Date: Mon, 23 Nov 2026 08:33:56 GMT\r\n" +
		"Content-Type: application/json; charset=utf-8\r\n" +
		"Content-Length: 1234\r\n" +
		"Connection: keep-alive\r\n" +
		"Cache-Control: private, max-age=0, must-revalidate\r\n" +
		"ETag: W/\"4d2-18c0a1b2c3d\"\r\n" +
		"Vary: Accept-Encoding, Origin\r\n" +
		"X-Request-Id: 9f8e7d6c-5b4a-3c2d-1e0f-a1b2c3d4e5f6\r\n" +
		"Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n\r\n"
)

// BenchmarkParseHead measures head parsing alone: finding the end of the
// head, copying it into the one string its fields share and splitting it
// into the start line and fields, in a message that is reused; the
// "+alloc" runs allocate the message each time, as the Parser does.
func BenchmarkParseHead(b *testing.B) {
	for _, tt := range []struct{ name, head string }{{"request", benchRequest}, {"response", benchResponse}} {
		for _, alloc := range []bool{false, true} {
			name := tt.name
			if alloc {
				name += "+alloc"
			}
			b.Run(name, func(b *testing.B) {
				p := New(protocol.Config{})
				h := &p.half[0]
				raw := []byte(tt.head)
				mm := newMsg(16, tt.name == "response")
				b.SetBytes(int64(len(raw)))
				b.ReportAllocs()
				for b.Loop() {
					n, _, ends := scanHead(raw, 0, 0, h.ends[:0])
					h.ends = ends
					var hd head
					if alloc {
						hd = h.parseHead(raw[:n], h.ends, true)
					} else {
						mm.m.Notes = mm.m.Notes[:0]
						mm.http.Headers = mm.http.Headers[:0]
						hd = h.parseInto(mm, raw[:n], h.ends, tt.name == "request")
					}
					if len(hd.m.http.Headers) < 8 {
						b.Fatal("parse failed")
					}
				}
			})
		}
	}
}

// keepAlive builds one keep-alive connection: n exchanges of GETs and
// POSTs with JSON, answered with Content-Length, chunked, 204 and 304
// responses.
func keepAlive(n int, r *rand.Rand) (client, server []byte) {
	var c, s strings.Builder
	body := strings.Repeat(`{"id":12345,"name":"a thing","tags":["x","y"],"price":9.99},`, 60)
	for i := range n {
		switch i % 4 {
		case 0, 1:
			c.WriteString(benchRequest)
			k := 200 + r.IntN(len(body)-200)
			resp := strings.Replace(benchResponse, "Content-Length: 1234", fmt.Sprintf("Content-Length: %d", k), 1)
			s.WriteString(resp)
			s.WriteString(body[:k])
		case 2:
			post := `{"name":"new thing","qty":3,"note":"from the benchmark"}`
			fmt.Fprintf(&c, "POST /api/v2/items HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(post), post)
			s.WriteString("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
			for p := body[:3000]; len(p) > 0; {
				k := min(len(p), 1000)
				fmt.Fprintf(&s, "%x\r\n%s\r\n", k, p[:k])
				p = p[k:]
			}
			s.WriteString("0\r\n\r\n")
		case 3:
			c.WriteString("GET /api/v2/items/7 HTTP/1.1\r\nHost: api.example.com\r\nIf-None-Match: W/\"4d2\"\r\n\r\n")
			s.WriteString("HTTP/1.1 304 Not Modified\r\nETag: W/\"4d2\"\r\n\r\n")
		}
	}
	return []byte(c.String()), []byte(s.String())
}

// piece is a read size from 1 B to 16 KiB, small ones as likely as big
// ones in scale.
func piece(r *rand.Rand) int { return 1 << r.IntN(15) >> 1 * (1 + r.IntN(2)) }

// BenchmarkParser feeds a keep-alive connection of requests and responses
// (exchange by exchange, each message in random pieces of 1 B to 16 KiB)
// through a Parser.
func BenchmarkParser(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const exchanges = 200
	client, server := keepAlive(exchanges, r)
	// Cut the two streams into events, alternating at message ends.
	type ev struct {
		dir event.Dir
		p   []byte
	}
	var evs []ev
	cut := func(dir event.Dir, p []byte) {
		for len(p) > 0 {
			n := min(len(p), max(1, piece(r)))
			evs = append(evs, ev{dir, p[:n]})
			p = p[n:]
		}
	}
	var ends [2][]int // where each message ends in its stream
	off := [2]int{}
	collect := New(protocol.Config{})
	collect.Feed(event.Out, client, 1, func(m *message.Message) { off[0] += int(m.Size); ends[0] = append(ends[0], off[0]) })
	collect.Feed(event.In, server, 1, func(m *message.Message) { off[1] += int(m.Size); ends[1] = append(ends[1], off[1]) })
	if len(ends[0]) != exchanges || len(ends[1]) != exchanges {
		b.Fatalf("%d requests and %d responses; want %d", len(ends[0]), len(ends[1]), exchanges)
	}
	prev := [2]int{}
	for i := range exchanges {
		cut(event.Out, client[prev[0]:ends[0][i]])
		cut(event.In, server[prev[1]:ends[1][i]])
		prev = [2]int{ends[0][i], ends[1][i]}
	}
	b.SetBytes(int64(len(client) + len(server)))
	b.ReportAllocs()
	msgs := 0
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		p := New(protocol.Config{})
		emit := func(*message.Message) { msgs++ }
		for i, e := range evs {
			p.Feed(e.dir, e.p, uint64(i), emit)
		}
		p.Flush(protocol.Closed, emit)
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(len(evs))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(msgs), "allocs/msg")
}
