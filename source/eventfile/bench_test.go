package eventfile

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/tapir-dev/tapir/event"
)

// keepAlive returns the lines of a capture of conns keep-alive HTTP/1.1
// connections, interleaved, each making requests whose responses carry
// bodies of 1 B to 16 KiB (log-uniform), the way SSL_write and SSL_read see
// them: a request in one write, a response's head and body in reads of at
// most 16 KiB. It stops once the file holds at least size bytes.
func keepAlive(conns, size int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var out []byte
	ts := uint64(1732350000123456789)
	e := event.Event{Kind: event.Data, PID: 4242, TID: 4243, Comm: "curl", Lib: "openssl"}
	body := make([]byte, 16<<10)
	const text = "{\"id\":12345,\"name\":\"tapir\",\"tags\":[\"a\",\"b\"],\"ok\":true}\n"
	for i := range body {
		body[i] = text[i%len(text)]
	}
	for len(out) < size {
		c := rng.IntN(conns)
		e.FD = int32(5 + c)
		e.Src = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(50000+c))
		e.Dst = netip.MustParseAddrPort("127.0.0.1:8443")

		ts += 1000
		e.Time, e.Dir = ts, event.Out
		e.Data = fmt.Appendf(e.Data[:0], "GET /api/items/%d HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo\r\n\r\n", rng.IntN(1e6))
		out = AppendEvent(out, &e)

		n := int(math.Exp2(rng.Float64() * 14)) // 1 B .. 16 KiB
		resp := fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nDate: Sat, 23 Nov 2024 08:20:00 GMT\r\n\r\n", n)
		resp = append(resp, body[:n]...)
		e.Dir = event.In
		for len(resp) > 0 {
			k := min(len(resp), 16<<10)
			ts += 5000
			e.Time, e.Data = ts, resp[:k]
			out = AppendEvent(out, &e)
			resp = resp[k:]
		}
	}
	return out
}

// loopReader serves its bytes over and over.
type loopReader struct {
	b   []byte
	off int
}

func (l *loopReader) Read(p []byte) (int, error) {
	if l.off == len(l.b) {
		l.off = 0
	}
	n := copy(p, l.b[l.off:])
	l.off += n
	return n, nil
}

// BenchmarkDecode measures Next on a keep-alive capture served from
// memory: one op is one event, bytes are JSON input.
func BenchmarkDecode(b *testing.B) {
	corpus := keepAlive(16, 16<<20)
	events := bytes.Count(corpus, []byte{'\n'})
	r := NewReader(&loopReader{b: corpus}, "bench", &Options{Strict: true})
	b.SetBytes(int64(len(corpus) / events))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Next(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReadFile measures reading a whole file through Open, plain and
// compressed: one op is the file, bytes are its uncompressed JSON.
func BenchmarkReadFile(b *testing.B) {
	corpus := keepAlive(16, 16<<20)
	for _, ext := range []string{"", ".gz", ".zst"} {
		path := filepath.Join(b.TempDir(), "events.jsonl"+ext)
		w, err := Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.bw.Write(corpus); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		b.Run("ext="+ext, func(b *testing.B) {
			b.SetBytes(int64(len(corpus)))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				r, err := Open(path, &Options{Strict: true})
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := r.Next(); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
					n++
				}
				r.Close()
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
