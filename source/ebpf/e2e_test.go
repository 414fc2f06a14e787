//go:build linux && amd64

package ebpf_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/eventtest"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/builtin"
)

// decode runs events through the pipeline, as tapir does, and returns the
// messages.
func decode(t *testing.T, evs []event.Event) []*message.Message {
	t.Helper()
	msgs, _ := eventtest.Run(t, pipeline.Options{Shards: 1, Protocols: builtin.Default}, evs)
	return msgs
}

// exchange finds the request for target and the response paired with it.
func exchange(msgs []*message.Message, pid int, target string) (req, resp *message.Message) {
	for _, m := range msgs {
		if m.Connection().PID != uint32(pid) || m.HTTP == nil {
			continue
		}
		if m.Type == message.Request && m.HTTP.Target == target {
			req = m
		}
		if m.Type == message.Response && m.Request != nil && m.Request.Target == target {
			resp = m
		}
	}
	return req, resp
}

func bodyOf(m *message.Message) string {
	if m == nil || m.Body == nil {
		return ""
	}
	return string(m.Body.Data)
}

// TestCurl: curl's request and the response to it are captured from curl's
// side of the connection, decoded and paired, with curl's pid, command
// name, socket fd and both ends of the TCP connection.
func TestCurl(t *testing.T) {
	h := needCapture(t)
	start := time.Now()
	tok, body := token(t), "body-"+token(t)

	type truth struct {
		fd, port int
		err      error
	}
	pidc := make(chan int, 1)
	truthc := make(chan truth, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := io.ReadAll(r.Body)
		pid := <-pidc
		_, p, _ := net.SplitHostPort(r.RemoteAddr)
		port, _ := strconv.Atoi(p)
		fd, err := socketFD(pid, port)
		truthc <- truth{fd, port, err}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "hello %s, you sent %s", tok, got)
	}))
	defer srv.Close()
	srvPort := srv.Listener.Addr().(*net.TCPAddr).Port

	var out bytes.Buffer
	cmd := exec.Command("curl", "-sSk", "--http1.1", "-d", body, srv.URL+"/t/"+tok)
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	pidc <- pid
	if err := cmd.Wait(); err != nil {
		t.Fatalf("curl: %v", err)
	}
	want := truth{}
	select {
	case want = <-truthc:
	default:
		t.Fatal("the server saw no request")
	}
	if want.err != nil {
		t.Fatalf("finding curl's socket in /proc: %v", want.err)
	}

	evs := h.wait(t, pid, "close", closed)
	msgs := decode(t, evs)
	target := "/t/" + tok
	req, resp := exchange(msgs, pid, target)
	if req == nil || resp == nil {
		t.Fatalf("request %v, response %v for %s; events:\n%s", req != nil, resp != nil, target, describe(evs))
	}
	if req.HTTP.Method != "POST" || bodyOf(req) != body {
		t.Errorf("request %s with body %q; want POST with %q", req.HTTP.Method, bodyOf(req), body)
	}
	if wantBody := "hello " + tok + ", you sent " + body; resp.HTTP.Status != 200 || bodyOf(resp) != wantBody || out.String() != wantBody {
		t.Errorf("response %d %q (curl printed %q); want 200 %q", resp.HTTP.Status, bodyOf(resp), out.String(), wantBody)
	}
	if resp.Latency == nil {
		t.Error("response has no latency")
	}
	loop := netip.MustParseAddr("127.0.0.1")
	for _, m := range []*message.Message{req, resp} {
		c := m.Conn
		if c.PID != uint32(pid) || c.Comm != "curl" || c.Lib != "openssl" {
			t.Errorf("%s: pid %d comm %q lib %q; want %d curl openssl", m.Type, c.PID, c.Comm, c.Lib, pid)
		}
		if int(c.FD) != want.fd {
			t.Errorf("%s: fd %d; curl's socket is fd %d", m.Type, c.FD, want.fd)
		}
		if c.Src != netip.AddrPortFrom(loop, uint16(want.port)) || c.Dst != netip.AddrPortFrom(loop, uint16(srvPort)) {
			t.Errorf("%s: %s → %s; want 127.0.0.1:%d → 127.0.0.1:%d", m.Type, c.Src, c.Dst, want.port, srvPort)
		}
	}
	for _, e := range evs {
		if e.Time < uint64(start.UnixNano()) {
			t.Errorf("event time %d is before the test started (%d): not wall-clock", e.Time, start.UnixNano())
			break
		}
	}
}

const pyServer = `
import http.server, ssl, sys, os, hashlib
big = int(sys.argv[3])
body = os.urandom(big) if big else b""
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        b = body if big else ("pong " + self.path).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream" if big else "text/plain")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], hashlib.sha256(body).hexdigest(), hashlib.sha256(body[:int(sys.argv[4])]).hexdigest(), flush=True)
s.handle_request()
`

const pyClient = `
import http.client, ssl, sys
c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ssl._create_unverified_context())
c.request("GET", sys.argv[2])
r = c.getresponse()
print(r.status, r.read().decode())
c.close()
`

// startPyServer starts the python3 TLS server; big > 0 makes it answer
// with that many random bytes in one write.
func startPyServer(t *testing.T, big, prefix int) (cmd *exec.Cmd, port int, sum, prefixSum string) {
	t.Helper()
	cert, key := certFiles(t)
	cmd, out := runPython(t, pyServer, cert, key, strconv.Itoa(big), strconv.Itoa(prefix))
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("python3 server: %v", err)
	}
	f := strings.Fields(line)
	if len(f) != 3 {
		t.Fatalf("python3 server said %q", line)
	}
	port, _ = strconv.Atoi(f[0])
	return cmd, port, f[1], f[2]
}

// TestPython: python3 links OpenSSL on both ends; each side's request and
// response are captured, and the two sides see mirrored addresses.
func TestPython(t *testing.T) {
	h := needCapture(t)
	tok := token(t)
	server, port, _, _ := startPyServer(t, 0, 0)
	target := "/py/" + tok

	client, out := runPython(t, pyClient, strconv.Itoa(port), target)
	printed, _ := io.ReadAll(out)
	if err := client.Wait(); err != nil {
		t.Fatalf("python3 client: %v", err)
	}
	if want := "200 pong " + target + "\n"; string(printed) != want {
		t.Fatalf("client printed %q; want %q", printed, want)
	}
	if err := server.Wait(); err != nil {
		t.Fatalf("python3 server: %v", err)
	}

	hasBoth := func(evs []event.Event) bool {
		in, _ := stream(evs, event.In)
		outb, _ := stream(evs, event.Out)
		return bytes.Contains(in, []byte("pong "+target)) || bytes.Contains(outb, []byte("pong "+target))
	}
	cev := h.wait(t, client.Process.Pid, "response", hasBoth)
	sev := h.wait(t, server.Process.Pid, "response", hasBoth)
	cmsgs, smsgs := decode(t, cev), decode(t, sev)

	creq, cresp := exchange(cmsgs, client.Process.Pid, target)
	sreq, sresp := exchange(smsgs, server.Process.Pid, target)
	for _, c := range []struct {
		side      string
		req, resp *message.Message
		reqDir    event.Dir
	}{{"client", creq, cresp, event.Out}, {"server", sreq, sresp, event.In}} {
		if c.req == nil || c.resp == nil {
			t.Fatalf("%s: request %v, response %v", c.side, c.req != nil, c.resp != nil)
		}
		if c.req.Dir != c.reqDir || c.resp.Dir != c.reqDir.Other() {
			t.Errorf("%s: request %s, response %s; want %s, %s", c.side, c.req.Dir, c.resp.Dir, c.reqDir, c.reqDir.Other())
		}
		if bodyOf(c.resp) != "pong "+target {
			t.Errorf("%s: response body %q", c.side, bodyOf(c.resp))
		}
		if c.req.Conn.Comm != "python3" || c.req.Conn.FD < 0 {
			t.Errorf("%s: comm %q fd %d; want python3 and an fd", c.side, c.req.Conn.Comm, c.req.Conn.FD)
		}
	}
	cc, sc := creq.Conn, sreq.Conn
	if cc.Src != sc.Dst || cc.Dst != sc.Src || int(sc.Src.Port()) != port {
		t.Errorf("client %s → %s, server %s → %s; want mirrored, server on port %d", cc.Src, cc.Dst, sc.Src, sc.Dst, port)
	}
}

// TestLargeResponse: several MiB arrive complete and in order on the
// reading side (curl, many SSL_read calls), and on the writing side
// (python3, one SSL_write_ex call split in 16 KiB records) the call is cut
// at the per-call cap with the rest counted as lost.
func TestLargeResponse(t *testing.T) {
	h := needCapture(t)
	const size = 6<<20 + 12345
	server, port, sum, prefixSum := startPyServer(t, size, testMaxCall)

	cmd := exec.Command("curl", "-sSk", "--http1.1", "-o", "/dev/null", fmt.Sprintf("https://127.0.0.1:%d/big", port))
	if err := cmd.Run(); err != nil {
		t.Fatalf("curl: %v", err)
	}
	if err := server.Wait(); err != nil {
		t.Fatalf("python3 server: %v", err)
	}
	pid := cmd.Process.Pid

	// The reader: every byte, in order.
	evs := h.wait(t, pid, "close", closed)
	in, lost := stream(evs, event.In)
	i := bytes.Index(in, []byte("\r\n\r\n"))
	if i < 0 || lost != 0 {
		t.Fatalf("curl: no response head, or %d bytes lost", lost)
	}
	if got := in[i+4:]; len(got) != size || sha(got) != sum {
		t.Errorf("curl: body of %d bytes, sha256 %s; want %d bytes, %s", len(got), sha(got), size, sum)
	}

	// The writer: the first testMaxCall bytes of the call, in order, then
	// a gap for the rest.
	sev := h.wait(t, server.Process.Pid, "the large write", func(evs []event.Event) bool {
		_, lost := stream(evs, event.Out)
		return lost > 0
	})
	out, lost := stream(sev, event.Out)
	j := bytes.Index(out, []byte("\r\n\r\n"))
	if j < 0 {
		t.Fatal("python3: no response head")
	}
	body := out[j+4:]
	if len(body) != testMaxCall || sha(body) != prefixSum || lost != size-testMaxCall {
		t.Errorf("python3: %d bytes (sha256 %s) then %d lost; want %d (%s) then %d lost",
			len(body), sha(body), lost, testMaxCall, prefixSum, size-testMaxCall)
	}
	st, err := shared.cap.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.CutCalls == 0 || st.CutBytes < size-testMaxCall {
		t.Errorf("stats %+v; want the cut call counted", st)
	}
}

// TestCurlHTTP2: curl speaks HTTP/2 to a Go HTTP/2 server; the captured
// stream decodes to the request and its response, paired by stream.
func TestCurlHTTP2(t *testing.T) {
	h := needCapture(t)
	if out, err := exec.Command("curl", "--version").Output(); err != nil || !bytes.Contains(out, []byte("HTTP2")) {
		t.Skip("this curl has no HTTP/2")
	}
	if !slices.ContainsFunc(builtin.Default, func(s protocol.Spec) bool { return s.Name == "http2" }) {
		t.Skip("protocol/builtin has no HTTP/2 parser")
	}
	tok := token(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "h2 %s %s", r.Proto, r.URL.Path)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	target := "/h2/" + tok
	cmd := exec.Command("curl", "-sSk", "--http2", srv.URL+target)
	out, err := cmd.Output()
	if err != nil || string(out) != "h2 HTTP/2.0 "+target {
		t.Fatalf("curl: %v: %q", err, out)
	}
	pid := cmd.Process.Pid
	evs := h.wait(t, pid, "close", closed)
	msgs := decode(t, evs)
	req, resp := exchange(msgs, pid, target)
	if req == nil || resp == nil {
		var got []string
		for _, m := range msgs {
			got = append(got, m.Proto+"/"+m.Type.String())
		}
		t.Fatalf("request %v, response %v for %s; messages %v", req != nil, resp != nil, target, got)
	}
	if req.Proto != "http2" || resp.HTTP.Status != 200 || bodyOf(resp) != "h2 HTTP/2.0 "+target || resp.HTTP.Stream != req.HTTP.Stream {
		t.Errorf("got %s request on stream %d, response %d %q on stream %d", req.Proto, req.HTTP.Stream, resp.HTTP.Status, bodyOf(resp), resp.HTTP.Stream)
	}
}
