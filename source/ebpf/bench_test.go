//go:build linux && amd64

package ebpf_test

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol/builtin"
)

// pyLoop makes N HTTPS requests on one keep-alive connection, at most
// RATE a second (0: as fast as it can), and prints the seconds they took.
const pyLoop = `
import socket, ssl, sys, time
port, n, rate = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
s = ssl._create_unverified_context().wrap_socket(socket.create_connection(("127.0.0.1", port)))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
req = b"GET /bench HTTP/1.1\r\nHost: bench\r\n\r\n"
def first():
    s.sendall(req)
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, _, body = buf.partition(b"\r\n\r\n")
    cl = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
    while len(body) < cl:
        body += s.recv(65536)
    return len(head) + 4 + cl
size = first()
def rt():
    s.sendall(req)
    got = 0
    while got < size:
        got += len(s.recv(65536))
start = time.perf_counter()
for i in range(n):
    if rate:
        wait = start + i / rate - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
    rt()
print(time.perf_counter() - start, size, flush=True)
`

// BenchmarkHTTPSRoundTrip measures what capture adds to an HTTPS round
// trip: python3 (OpenSSL) makes b.N keep-alive requests to a Go TLS server
// (crypto/tls, not traced), without and with the probes attached and the
// events decoded by the pipeline. The metric is µs per round trip as the
// client measured it; "lost" counts records that did not fit in the ring
// buffer plus events the pipeline dropped. Run alone, so that no test has
// attached the probes before "off":
//
//	go test -run '^$' -bench HTTPSRoundTrip -benchtime 20000x ./source/ebpf/
func BenchmarkHTTPSRoundTrip(b *testing.B) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"items":[1,2,3]}`)
	}))
	srv.TLS = &tls.Config{}
	srv.StartTLS()
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	for _, bc := range []struct {
		name    string
		capture bool
		decode  bool // events go through the pipeline, else are discarded
		rate    int  // requests a second in all, 0: as fast as possible
		clients int
	}{
		{"off", false, false, 0, 1},
		{"off-2-clients", false, false, 0, 2},
		{"on", true, true, 0, 1},
		{"on-no-decode", true, false, 0, 1},
		{"on-2-clients", true, true, 0, 2},
		{"on-10k-per-s", true, true, 10000, 4},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if !bc.capture && shared.cap != nil {
				b.Skip("the probes are attached already: run with -run '^$'")
			}
			var p *pipeline.Pipeline
			if bc.capture {
				h := needCapture(b)
				var err error
				p, err = pipeline.New(pipeline.Options{Protocols: builtin.Default, Clock: pipeline.WallClock, Drop: true,
					Output: func(*message.Message) error { return nil }})
				if err != nil {
					b.Fatal(err)
				}
				if bc.decode {
					h.setConsumer(func(e *event.Event) { p.Push(e) })
				} else {
					h.setConsumer(func(*event.Event) {})
				}
				defer h.setConsumer(nil)
			} else if _, err := exec.LookPath("python3"); err != nil {
				b.Skip("needs python3")
			}
			before := kernelLost(b)
			per := b.N / bc.clients
			var wg sync.WaitGroup
			secs := make([]float64, bc.clients)
			sizes := make([]int, bc.clients)
			b.ResetTimer()
			for i := range bc.clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					cmd, out := runPython(b, pyLoop, strconv.Itoa(port), strconv.Itoa(per), strconv.FormatFloat(float64(bc.rate)/float64(bc.clients), 'f', -1, 64))
					line, _ := io.ReadAll(out)
					if err := cmd.Wait(); err != nil {
						b.Errorf("python3: %v", err)
						return
					}
					f := strings.Fields(string(line))
					if len(f) == 2 {
						secs[i], _ = strconv.ParseFloat(f[0], 64)
						sizes[i], _ = strconv.Atoi(f[1])
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			var total float64
			for _, s := range secs {
				total += s
			}
			b.ReportMetric(total/float64(bc.clients)/float64(per)*1e6, "µs/rt")
			b.ReportMetric(float64(bc.clients*per)/(total/float64(bc.clients)), "rt/s")
			b.SetBytes(int64(sizes[0]))
			b.ReportAllocs()
			if p != nil {
				if err := p.Close(); err != nil {
					b.Fatal(err)
				}
				st := p.Stats()
				b.ReportMetric(float64(kernelLost(b)-before+st.Dropped), "lost")
			}
		})
	}
}

// kernelLost returns the records the shared capture lost so far.
func kernelLost(b *testing.B) uint64 {
	if shared.cap == nil {
		return 0
	}
	st, err := shared.cap.Stats()
	if err != nil {
		b.Fatal(err)
	}
	return st.LostRecords + st.LostCloses
}
