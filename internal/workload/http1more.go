package workload

import (
	"bytes"
	"net/netip"
	"strconv"

	"github.com/klauspost/compress/gzip"
)

const (
	// ChunkedGzip is 50 connections x 20 downloads of about 256 KB of JSON
	// each, gzip-encoded and chunked, read in random pieces.
	ChunkedGzip Kind = "chunked-gzip"
	// Pipelined is HTTP/1.1 pipelining: each write carries 1 to 8
	// requests, and their responses come back in one stream.
	Pipelined Kind = "pipelined"
)

// gzipBodies is how many distinct bodies the chunked-gzip workload
// compresses (once per generator) and sends again and again.
const gzipBodies = 8

func newChunkedGzipWorld(g *generator) world {
	data := &server{host: "data.example.com", addr: netip.MustParseAddrPort("203.0.113.52:443"), name: "nginx/1.24.0"}
	p := &proc{pid: 8123, comm: "report-sync", tids: []uint32{8123, 8125}, weight: 1, dsts: []*server{data},
		src: hostV4, src6: hostV6}
	p.fds.next = 7
	t := text{g.rng}
	var bodies [][]byte
	var raw []byte
	for range gzipBodies {
		raw = raw[:0]
		raw = append(raw, `{"export":"`...)
		raw = t.appendUUID(raw)
		raw = append(raw, `","rows":[`...)
		size := g.cfg.BodySize
		if size <= 0 {
			size = 256 << 10
		}
		for i := 0; len(raw) < size; i++ {
			if i > 0 {
				raw = append(raw, ',')
			}
			raw = t.appendRecord(raw, i+1)
		}
		raw = append(raw, "]}"...)
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
		zw.Write(raw)
		zw.Close()
		bodies = append(bodies, z.Bytes())
	}
	fill := func(c *conn, i int) {
		n := g.rng.IntN(gzipBodies)
		b := c.out[:0]
		b = append(b, "GET /exports/"...)
		b = strconv.AppendInt(b, int64(1000+n), 10)
		b = append(b, ".json HTTP/1.1\r\nHost: data.example.com\r\nUser-Agent: report-sync/3.2\r\nAccept: application/json\r\nAccept-Encoding: gzip\r\n"...)
		if i == c.n-1 {
			b = append(b, "Connection: close\r\n"...)
		}
		c.out = append(b, "\r\n"...)

		b = c.in[:0]
		b = append(b, "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: "...)
		b = t.appendDate(b)
		b = append(b, "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\nVary: Accept-Encoding\r\n"...)
		if i == c.n-1 {
			b = append(b, "Connection: close\r\n"...)
		}
		b = append(b, "\r\n"...)
		head := len(b)
		body := bodies[n]
		for len(body) > 0 {
			k := min(len(body), g.logUniform(4<<10, 32<<10))
			b = strconv.AppendInt(b, int64(k), 16)
			b = append(b, "\r\n"...)
			b = append(b, body[:k]...)
			b = append(b, "\r\n"...)
			body = body[k:]
		}
		c.in = append(b, "0\r\n\r\n"...)
		c.mark = head
	}
	return world{procs: []*proc{p}, fill: fill, piece: func(n int) int { return min(n, g.logUniform(1, 16<<10)) }}
}

func newPipelinedWorld(g *generator) world {
	w := newHTTPWorld(g)
	one := w.fill
	accOut := map[*conn][]byte{}
	accIn := map[*conn][]byte{}
	w.fill = func(c *conn, i int) {
		out, in := accOut[c][:0], accIn[c][:0]
		k := 1 + g.rng.IntN(8)
		for j := range k {
			idx := -1 // not the connection's last
			if j == k-1 {
				idx = i
			}
			one(c, idx)
			out = append(out, c.out...)
			in = append(in, c.in...)
		}
		// The connection's own buffers take the group; the accumulators
		// keep the storage one() wrote into.
		accOut[c], accIn[c] = c.out, c.in
		c.out, c.in = out, in
		c.mark = 0
	}
	return w
}
