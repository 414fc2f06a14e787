package sink

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// WebSocket is a WebSocket server that sends every record, as one
// message, to every client connected at the time. Clients must present
// the server's token, as "Authorization: Bearer TOKEN" or as the query
// parameter "token" (for browsers, which cannot set headers); others get
// 401. Messages from clients are not expected: one closes its connection.
//
// Each client has its own queue of Options.Buffer bytes, so a slow client
// slows no one: when its queue is full it is disconnected — with close
// status 1008 ("too slow"), or cut mid-message when one was being written
// to it — counted, and the records it did not get are counted as
// dropped; it may connect again. A client whose single write takes
// longer than Options.WriteTimeout is dropped the same way.
//
// It is safe for concurrent use.
type WebSocket struct {
	o     Options
	path  string
	token string
	typ   websocket.MessageType
	ln    net.Listener
	srv   *http.Server

	closing   chan struct{}
	serveDone chan struct{}
	wg        sync.WaitGroup // client goroutines

	mu      sync.Mutex
	clients map[*wsClient]struct{}
	closed  bool
	st      Stats
}

type wsClient struct {
	conn   *websocket.Conn
	addr   string
	q      *queue
	ctx    context.Context // cancelled to drop the client
	cancel context.CancelFunc
	slow   bool // guarded by WebSocket.mu
}

// NewWebSocket listens on the host and port of target
// ("ws://HOST:PORT/PATH") and serves clients at its path ("/" when it has
// none). An empty host, or "localhost", binds 127.0.0.1: serving other
// hosts takes naming an address. Port 0 picks a free port (see URL).
func NewWebSocket(target string, opts *Options) (*WebSocket, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("sink: websocket address %q: %w", target, err)
	}
	if u.Scheme != "ws" {
		return nil, fmt.Errorf("sink: websocket address %q: scheme must be ws", target)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		return nil, fmt.Errorf("sink: websocket address %q: needs a port", target)
	}
	if host == "" || strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	o := opts.withDefaults(4 << 20)
	token := o.Token
	if token == "" {
		var b [16]byte
		rand.Read(b[:])
		token = hex.EncodeToString(b[:])
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("sink: websocket: %w", err)
	}
	s := &WebSocket{
		o:         o,
		path:      path,
		token:     token,
		typ:       websocket.MessageText,
		ln:        ln,
		closing:   make(chan struct{}),
		serveDone: make(chan struct{}),
		clients:   make(map[*wsClient]struct{}),
		st:        Stats{Kind: "websocket"},
	}
	if o.Binary {
		s.typ = websocket.MessageBinary
	}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(s.serveDone)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// URL returns the address clients connect to, without the token.
func (s *WebSocket) URL() string { return "ws://" + s.ln.Addr().String() + s.path }

// Token returns the token clients must present.
func (s *WebSocket) Token() string { return s.token }

// Clients returns the number of clients connected.
func (s *WebSocket) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// Stats returns the counters.
func (s *WebSocket) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// authorized reports whether r presents the token.
func (s *WebSocket) authorized(r *http.Request) bool {
	got := r.URL.Query().Get("token")
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, t, ok := strings.Cut(auth, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			got = strings.TrimSpace(t)
		}
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) == 1
}

// ServeHTTP accepts WebSocket clients at the server's path.
func (s *WebSocket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != s.path {
		http.NotFound(w, r)
		return
	}
	if !s.authorized(r) {
		s.mu.Lock()
		s.st.Refused++
		s.mu.Unlock()
		s.o.Logf("websocket: refused %s: missing or wrong token", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="tapir"`)
		http.Error(w, "missing or wrong token", http.StatusUnauthorized)
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.o.OriginPatterns})
	if err != nil {
		return // Accept answered the request
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &wsClient{conn: conn, addr: r.RemoteAddr, q: newQueue(s.o.Buffer), ctx: ctx, cancel: cancel}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		cancel()
		conn.Close(websocket.StatusGoingAway, "end of stream")
		return
	}
	s.clients[c] = struct{}{}
	s.st.Connects++
	s.wg.Add(1)
	s.mu.Unlock()
	s.o.Logf("websocket: client %s connected", c.addr)
	defer s.wg.Done()
	s.serve(c)
}

// serve sends c its records until it leaves, is dropped, or the server
// closes and its queue is empty.
func (s *WebSocket) serve(c *wsClient) {
	peerGone := c.conn.CloseRead(c.ctx)
	why := ""
	defer func() {
		c.cancel()
		s.mu.Lock()
		delete(s.clients, c)
		s.st.Disconnects++
		if recs, bytes := c.q.drain(); recs > 0 {
			s.st.DroppedRecords += uint64(recs)
			s.st.DroppedBytes += uint64(bytes)
		}
		s.mu.Unlock()
		s.o.Logf("websocket: client %s left: %s", c.addr, why)
	}()
	var recs [][]byte
	for {
		recs = c.q.peek(recs[:0])
		if len(recs) == 0 {
			select {
			case <-c.q.ready:
				continue
			case <-c.ctx.Done():
				why = s.drop(c)
				return
			case <-peerGone.Done():
				if c.ctx.Err() != nil {
					why = s.drop(c)
					return
				}
				why = "closed by the client"
				c.conn.CloseNow()
				return
			case <-s.closing:
				if c.q.len() > 0 {
					continue
				}
				why = "end of stream"
				c.conn.Close(websocket.StatusNormalClosure, "end of stream")
				return
			}
		}
		for i, rec := range recs {
			ctx, cancel := context.WithTimeout(c.ctx, s.o.WriteTimeout)
			err := c.conn.Write(ctx, s.typ, rec)
			cancel()
			if err != nil {
				c.q.remove(i)
				if c.ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
					s.markSlow(c)
				}
				why = "write failed: " + err.Error()
				c.conn.CloseNow()
				return
			}
		}
		c.q.remove(len(recs))
		clear(recs)
	}
}

// drop ends the connection of a client that was cancelled: too slow, or
// still busy when Close gave up. It returns why.
func (s *WebSocket) drop(c *wsClient) string {
	s.mu.Lock()
	slow := c.slow
	s.mu.Unlock()
	if slow {
		// The close handshake may wait on the slow client for seconds:
		// let it, without holding anyone up.
		go c.conn.Close(websocket.StatusPolicyViolation, "too slow")
		return "too slow"
	}
	c.conn.CloseNow()
	return "still receiving when the stream closed"
}

// markSlow counts c as a slow client being dropped.
func (s *WebSocket) markSlow(c *wsClient) {
	s.mu.Lock()
	if !c.slow {
		c.slow = true
		s.st.Slow++
	}
	s.mu.Unlock()
	c.cancel()
}

// WriteRecord queues p for every client. It never blocks: a client whose
// queue is full is dropped (see WebSocket). It returns an error only
// after Close.
func (s *WebSocket) WriteRecord(p []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return os.ErrClosed
	}
	s.st.Records++
	s.st.Bytes += uint64(len(p))
	if len(s.clients) == 0 {
		return nil
	}
	rec := append([]byte(nil), p...)
	for c := range s.clients {
		if c.slow {
			continue
		}
		if !c.q.push(rec) {
			c.slow = true
			s.st.Slow++
			s.st.DroppedRecords++
			s.st.DroppedBytes += uint64(len(p))
			s.o.Logf("websocket: client %s too slow: dropping it", c.addr)
			c.cancel()
		}
	}
	return nil
}

// Write sends p as one message.
func (s *WebSocket) Write(p []byte) (int, error) {
	if err := s.WriteRecord(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close stops accepting clients, waits up to Options.CloseTimeout for
// each to receive what is queued for it, then closes every connection.
// It is safe to call twice.
func (s *WebSocket) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.serveDone
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.closing)
	s.ln.Close()

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(s.o.CloseTimeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		s.mu.Lock()
		for c := range s.clients {
			c.cancel()
		}
		s.mu.Unlock()
		<-done
	}
	s.srv.Close()
	<-s.serveDone
	return nil
}
