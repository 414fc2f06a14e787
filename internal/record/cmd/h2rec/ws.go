package main

import (
	"bufio"
	"context"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/net/http2"

	"github.com/tapir-dev/tapir/internal/record"
	"github.com/tapir-dev/tapir/internal/record/testserver"
)

// WebSockets over HTTP/2 (RFC 8441): x/net/http2's client and server do
// the extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL, :protocol
// websocket) — the server only with GODEBUG=http2xconnect=1 in its
// environment, read when the package starts — and github.com/coder/
// websocket makes and reads every WebSocket frame. coder/websocket knows
// only the HTTP/1.1 handshake, so two small adapters translate it: on the
// client, a RoundTripper turns its upgrade request into an extended
// CONNECT and the 200 back into the 101 it expects, the stream's request
// body and response body being the connection; on the server, a
// ResponseWriter turns the 101 into a 200 and "hijacks" the stream. The
// Sec-WebSocket-Key and Sec-WebSocket-Accept fields RFC 8441 does without
// never reach the wire.

// xconnect is the GODEBUG setting that turns on x/net/http2's extended
// CONNECT in servers.
const xconnect = "http2xconnect=1"

// wsSession records both ends of one HTTP/2 connection (unencrypted,
// prior knowledge) that carries two WebSockets and ordinary requests.
func wsSession(rec *record.Recorder) (int, error) {
	if !strings.Contains(os.Getenv("GODEBUG"), xconnect) {
		return 0, fmt.Errorf("-kind ws needs GODEBUG=%s in the environment: x/net/http2's server reads it when it starts", xconnect)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	var served sync.WaitGroup
	serveErr := make(chan error, 4)
	h := handler()
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodConnect && r.Header.Get(":protocol") == "websocket" {
			if err := serveWS(w, r); err != nil {
				serveErr <- fmt.Errorf("server %s: %w", r.URL.Path, err)
			}
			return
		}
		h.ServeHTTP(w, r)
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			served.Add(1)
			go func() {
				defer served.Done()
				rc := rec.Wrap(c)
				(&http2.Server{}).ServeConn(rc, &http2.ServeConnOpts{Handler: mux, BaseConfig: &http.Server{}})
				rc.Close()
			}()
		}
	}()

	var dialer net.Dialer
	tr := &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, _ string, _ *tls.Config) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, ln.Addr().String())
			if err != nil {
				return nil, err
			}
			return rec.Wrap(c), nil
		},
	}
	client := &http.Client{Transport: connectTransport{tr}}
	n, err := wsExchanges(ctx, client, "http://"+ln.Addr().String())
	tr.CloseIdleConnections()
	served.Wait()
	close(serveErr)
	if err == nil {
		err = <-serveErr
	}
	if err != nil {
		return n, err
	}
	return n, rec.Err()
}

// wsExchanges runs the client's side: a request, a WebSocket with
// permessage-deflate (context takeover), a request while it is open, a
// second WebSocket without compression, messages on both in turn, then
// both closed. It returns how many messages and responses came back.
func wsExchanges(ctx context.Context, client *http.Client, base string) (int, error) {
	get := step{method: "GET", path: "/api/items/42", header: map[string]string{"Accept": "application/json"}, want: 200}
	if err := do(ctx, client, base, get); err != nil {
		return 0, err
	}
	n := 1
	chat, err := dialWS(ctx, client, base+"/chat", websocket.CompressionContextTakeover)
	if err != nil {
		return n, err
	}
	defer chat.c.CloseNow()
	bin := make([]byte, 64)
	for i := range bin {
		bin[i] = byte(i * 3)
	}
	roster := func(user string) []byte {
		var b strings.Builder
		b.WriteString(`{"type":"roster","room":"general","members":[`)
		for i := range 8 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":%d,"name":"member-%02d","status":"online"}`, 1000+i, i)
		}
		fmt.Fprintf(&b, `],"requested_by":%q}`, user)
		return []byte(b.String())
	}
	steps := []wsStep{
		{chat, websocket.MessageText, []string{"hello over HTTP/2"}},
		{chat, websocket.MessageBinary, []string{string(bin)}},
		{chat, websocket.MessageText, []string{"part one, ", "part two, ", "part three"}},
		{chat, websocket.MessageText, []string{string(roster("ada"))}},
		{chat, websocket.MessageText, []string{string(roster("grace"))}},
	}
	run := func(i int, s wsStep) error {
		if err := s.c.send(ctx, s.typ, s.parts...); err != nil {
			return fmt.Errorf("step %d: %w", i, err)
		}
		n++
		return nil
	}
	for i, s := range steps {
		if err := run(i, s); err != nil {
			return n, err
		}
	}
	if err := chat.c.Ping(ctx); err != nil {
		return n, fmt.Errorf("ping: %w", err)
	}
	// An ordinary request on the same connection while the WebSocket is
	// open.
	if err := do(ctx, client, base, step{method: "GET", path: "/trailers", want: 200}); err != nil {
		return n, err
	}
	n++
	plain, err := dialWS(ctx, client, base+"/plain", websocket.CompressionDisabled)
	if err != nil {
		return n, err
	}
	defer plain.c.CloseNow()
	steps = []wsStep{
		{plain, websocket.MessageText, []string{"second socket, no compression"}},
		{chat, websocket.MessageText, []string{"first socket again"}},
		{plain, websocket.MessageText, []string{"frag: answer me in pieces, please; " + strings.Repeat("la ", 20)}},
		{chat, websocket.MessageText, []string{string(roster("edsger"))}},
	}
	for i, s := range steps {
		if err := run(i, s); err != nil {
			return n, err
		}
	}
	if err := plain.close(websocket.StatusNormalClosure, "done"); err != nil {
		return n, fmt.Errorf("close /plain: %w", err)
	}
	if err := chat.close(websocket.StatusNormalClosure, "bye"); err != nil {
		return n, fmt.Errorf("close /chat: %w", err)
	}
	return n, nil
}

// wsStep is a message a client WebSocket sends, one frame per part.
type wsStep struct {
	c     *wsClient
	typ   websocket.MessageType
	parts []string
}

// wsClient is a client WebSocket and the messages read from it.
type wsClient struct {
	c       *websocket.Conn
	echoes  chan wsMsg
	readErr chan error
}

type wsMsg struct {
	typ  websocket.MessageType
	data []byte
}

// dialWS opens a WebSocket (subprotocol chat.v1) through client, whose
// transport makes it an extended CONNECT, and reads its messages in the
// background so that pongs and the close are read while it writes.
func dialWS(ctx context.Context, client *http.Client, url string, cm websocket.CompressionMode) (*wsClient, error) {
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		HTTPClient:      client,
		Subprotocols:    []string{"chat.v1"},
		CompressionMode: cm,
	})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	w := &wsClient{c: c, echoes: make(chan wsMsg), readErr: make(chan error, 1)}
	go func() {
		for {
			typ, data, err := c.Read(ctx)
			if err != nil {
				w.readErr <- err
				close(w.echoes)
				return
			}
			w.echoes <- wsMsg{typ, data}
		}
	}()
	return w, nil
}

// send writes a message, as one frame per part, and waits for its echo.
func (w *wsClient) send(ctx context.Context, typ websocket.MessageType, parts ...string) error {
	wr, err := w.c.Writer(ctx, typ)
	if err != nil {
		return err
	}
	want := strings.Join(parts, "")
	for _, p := range parts {
		if _, err := io.WriteString(wr, p); err != nil {
			return err
		}
	}
	if err := wr.Close(); err != nil {
		return err
	}
	m, ok := <-w.echoes
	if !ok {
		return fmt.Errorf("read: %w", <-w.readErr)
	}
	if m.typ != typ || string(m.data) != want {
		return fmt.Errorf("echo differs (%v, %d bytes)", m.typ, len(m.data))
	}
	return nil
}

// close closes the WebSocket and waits for its reader to stop.
func (w *wsClient) close(code websocket.StatusCode, reason string) error {
	if err := w.c.Close(code, reason); err != nil {
		return err
	}
	for range w.echoes {
	}
	return nil
}

// serveWS accepts an extended CONNECT as coder/websocket would accept an
// HTTP/1.1 upgrade and echoes every message back; a text starting with
// "frag:" is answered in three fragments. /plain turns compression off.
func serveWS(w http.ResponseWriter, r *http.Request) error {
	up := r.Clone(r.Context())
	up.Method = http.MethodGet
	up.Proto, up.ProtoMajor, up.ProtoMinor = "HTTP/1.1", 1, 1
	up.Header.Set("Connection", "Upgrade")
	up.Header.Set("Upgrade", "websocket")
	// RFC 8441 has no key; coder/websocket wants one to answer.
	up.Header.Set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(make([]byte, 16)))
	cm := websocket.CompressionContextTakeover
	if r.URL.Path == "/plain" {
		cm = websocket.CompressionDisabled
	}
	hw := &streamWriter{w: w, body: r.Body, header: http.Header{}}
	c, err := websocket.Accept(hw, up, &websocket.AcceptOptions{Subprotocols: []string{"chat.v1"}, CompressionMode: cm})
	if err != nil {
		return err
	}
	defer c.CloseNow()
	return testserver.Echo(r.Context(), c)
}

// streamWriter is the ResponseWriter coder/websocket accepts with: its
// 101 becomes the 200 of the extended CONNECT, carrying the negotiated
// Sec-WebSocket-Protocol and Sec-WebSocket-Extensions, and Hijack hands
// out the stream as a connection.
type streamWriter struct {
	w      http.ResponseWriter
	body   io.ReadCloser
	header http.Header
}

func (s *streamWriter) Header() http.Header { return s.header }

func (s *streamWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

func (s *streamWriter) WriteHeader(code int) {
	if code != http.StatusSwitchingProtocols {
		for k, v := range s.header {
			s.w.Header()[k] = v
		}
		s.w.WriteHeader(code)
		return
	}
	for _, k := range []string{"Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions"} {
		if v := s.header.Get(k); v != "" {
			s.w.Header().Set(k, v)
		}
	}
	s.w.WriteHeader(http.StatusOK)
	http.NewResponseController(s.w).Flush()
}

func (s *streamWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c := &streamConn{r: s.body, w: s.w, flush: http.NewResponseController(s.w).Flush}
	return c, bufio.NewReadWriter(bufio.NewReader(c), bufio.NewWriter(c)), nil
}

// connectTransport sends coder/websocket's HTTP/1.1 upgrade requests as
// extended CONNECTs (RFC 8441) and everything else as it is.
type connectTransport struct{ h2 http.RoundTripper }

func (t connectTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.EqualFold(req.Header.Get("Upgrade"), "websocket") {
		return t.h2.RoundTrip(req)
	}
	key := req.Header.Get("Sec-WebSocket-Key")
	pr, pw := io.Pipe()
	creq := req.Clone(req.Context())
	creq.Method = http.MethodConnect
	creq.Body = pr
	for _, k := range []string{"Connection", "Upgrade", "Sec-WebSocket-Key"} {
		creq.Header.Del(k)
	}
	creq.Header[":protocol"] = []string{"websocket"}
	resp, err := t.h2.RoundTrip(creq)
	if err != nil {
		pw.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		pw.Close()
		return resp, nil
	}
	h := resp.Header.Clone()
	h.Set("Connection", "Upgrade")
	h.Set("Upgrade", "websocket")
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	h.Set("Sec-WebSocket-Accept", base64.StdEncoding.EncodeToString(sum[:]))
	return &http.Response{
		Status: "101 Switching Protocols", StatusCode: http.StatusSwitchingProtocols,
		Proto: resp.Proto, ProtoMajor: resp.ProtoMajor, ProtoMinor: resp.ProtoMinor,
		Header: h, Request: req,
		Body: &streamConn{r: resp.Body, w: pw, closeW: pw.Close},
	}, nil
}

// streamConn is one HTTP/2 stream as a connection: reads from one body,
// writes to the other side's. On the client, Close ends the request body
// (END_STREAM) and reads the response to its end; on the server it ends
// nothing (the handler's return does).
type streamConn struct {
	r      io.ReadCloser
	w      io.Writer
	flush  func() error // server: send what was written
	closeW func() error // client: end the request body
	once   sync.Once
}

func (c *streamConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *streamConn) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err == nil && c.flush != nil {
		err = c.flush()
	}
	return n, err
}

func (c *streamConn) Close() error {
	c.once.Do(func() {
		if c.closeW != nil {
			c.closeW()
			// Wait for the server's END_STREAM, so the stream ends
			// cleanly rather than with RST_STREAM.
			done := make(chan struct{})
			go func() {
				io.Copy(io.Discard, c.r)
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(2 * time.Second):
			}
			c.r.Close()
		}
	})
	return nil
}

func (c *streamConn) LocalAddr() net.Addr                { return streamAddr{} }
func (c *streamConn) RemoteAddr() net.Addr               { return streamAddr{} }
func (c *streamConn) SetDeadline(t time.Time) error      { return errNoDeadline }
func (c *streamConn) SetReadDeadline(t time.Time) error  { return errNoDeadline }
func (c *streamConn) SetWriteDeadline(t time.Time) error { return errNoDeadline }

var errNoDeadline = errors.New("an HTTP/2 stream has no deadlines")

type streamAddr struct{}

func (streamAddr) Network() string { return "http2" }
func (streamAddr) String() string  { return "stream" }
