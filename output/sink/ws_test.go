package sink_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/tapir-dev/tapir/output/sink"
)

func newWS(t *testing.T, o *sink.Options) *sink.WebSocket {
	t.Helper()
	s, err := sink.NewWebSocket("ws://127.0.0.1:0/feed", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dial(ctx context.Context, s *sink.WebSocket, header http.Header, query string) (*websocket.Conn, *http.Response, error) {
	return websocket.Dial(ctx, s.URL()+query, &websocket.DialOptions{HTTPHeader: header})
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

func TestWebSocketToken(t *testing.T) {
	l := make(logs, 100)
	s := newWS(t, &sink.Options{Token: "s3cret", Logf: l.logf})
	if s.Token() != "s3cret" {
		t.Fatalf("Token() = %q", s.Token())
	}
	ctx := t.Context()
	tests := []struct {
		name   string
		header http.Header
		query  string
		status int // 0: accepted
	}{
		{"no token", nil, "", http.StatusUnauthorized},
		{"wrong token", bearer("guess"), "", http.StatusUnauthorized},
		{"wrong query token", nil, "?token=guess", http.StatusUnauthorized},
		{"empty bearer", bearer(""), "?token=", http.StatusUnauthorized},
		{"bearer", bearer("s3cret"), "", 0},
		{"query", nil, "?token=s3cret", 0},
	}
	for _, tt := range tests {
		c, resp, err := dial(ctx, s, tt.header, tt.query)
		if tt.status == 0 {
			if err != nil {
				t.Errorf("%s: refused: %v", tt.name, err)
				continue
			}
			c.CloseNow()
			continue
		}
		if err == nil {
			c.CloseNow()
			t.Errorf("%s: accepted; want status %d", tt.name, tt.status)
			continue
		}
		if resp == nil || resp.StatusCode != tt.status {
			t.Errorf("%s: %v; want status %d", tt.name, err, tt.status)
		}
	}
	// Another path is not found, token or not.
	_, resp, err := websocket.Dial(ctx, strings.TrimSuffix(s.URL(), "/feed")+"/other", &websocket.DialOptions{HTTPHeader: bearer("s3cret")})
	if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("other path: %v; want 404", err)
	}
	if st := s.Stats(); st.Refused != 4 {
		t.Errorf("Refused = %d; want 4", st.Refused)
	}
}

func TestWebSocketGeneratedToken(t *testing.T) {
	a, b := newWS(t, nil), newWS(t, nil)
	if len(a.Token()) < 32 || a.Token() == b.Token() {
		t.Errorf("generated tokens %q and %q: want long and different", a.Token(), b.Token())
	}
	if !strings.HasPrefix(a.URL(), "ws://127.0.0.1:") {
		t.Errorf("URL %q: want loopback", a.URL())
	}
}

func TestWebSocketBindsLoopback(t *testing.T) {
	for _, target := range []string{"ws://:0/", "ws://localhost:0"} {
		s, err := sink.NewWebSocket(target, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s.URL(), "ws://127.0.0.1:") || !strings.HasSuffix(s.URL(), "/") {
			t.Errorf("%s serves %s; want 127.0.0.1 and path /", target, s.URL())
		}
		s.Close()
	}
}

// TestWebSocketSlowClient connects two clients, one that reads and one
// that does not: the slow one is dropped once its queue fills, the fast
// one gets every record, and writing never waits on either.
func TestWebSocketSlowClient(t *testing.T) {
	l := make(logs, 1000)
	s := newWS(t, &sink.Options{Buffer: 256 << 10, Binary: true, Logf: l.logf})
	ctx := t.Context()

	fast, _, err := dial(ctx, s, bearer(s.Token()), "")
	if err != nil {
		t.Fatal(err)
	}
	defer fast.CloseNow()
	fast.SetReadLimit(1 << 20)
	slow, _, err := dial(ctx, s, bearer(s.Token()), "")
	if err != nil {
		t.Fatal(err)
	}
	defer slow.CloseNow()
	slow.SetReadLimit(1 << 20)
	l.waitFor("connected")
	l.waitFor("connected")

	const n = 400 // 400 × 64 KiB: far more than the slow client's socket and queue hold
	got := make(chan error, 1)
	read := make(chan int, n) // the fast client keeps up: it tells what it read
	go func() {
		for i := range n {
			typ, p, err := fast.Read(ctx)
			if err != nil {
				got <- fmt.Errorf("record %d: %w", i, err)
				return
			}
			if typ != websocket.MessageBinary || len(p) != 64<<10 || !bytes.HasPrefix(p, fmt.Appendf(nil, "%08d", i)) {
				got <- fmt.Errorf("record %d: type %v, %d bytes %.8q", i, typ, len(p), p)
				return
			}
			read <- i
		}
		got <- nil
	}()
	rec := make([]byte, 64<<10)
	for i := range n {
		if i >= 2 {
			// Stay at most two records ahead of the fast client (its queue
			// holds four), as a capture is ahead of a client that keeps up.
			select {
			case <-read:
			case err := <-got:
				t.Fatalf("fast client: %v", err)
			}
		}
		copy(rec, fmt.Appendf(nil, "%08d", i))
		if err := s.WriteRecord(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-got; err != nil {
		t.Fatalf("fast client: %v", err)
	}
	l.waitFor("too slow")
	// The slow client finds its connection ended after what reached it:
	// with close status 1008 when no message was being written to it,
	// else cut in the middle of one.
	var closeErr error
	for closeErr == nil {
		_, _, closeErr = slow.Read(ctx)
	}
	if st := websocket.CloseStatus(closeErr); st != websocket.StatusPolicyViolation && st != -1 {
		t.Errorf("slow client ended with %v; want close status 1008 or a cut connection", closeErr)
	}
	l.waitFor("left")
	st := s.Stats()
	if st.Slow != 1 || st.DroppedRecords == 0 || st.Records != n || st.Connects != 2 {
		t.Errorf("stats %+v; want 1 slow client with records dropped, %d records, 2 clients", st, n)
	}
	if s.Clients() != 1 {
		t.Errorf("%d clients; want the fast one", s.Clients())
	}
}

// TestWebSocketCloseDelivers checks that Close sends each client what is
// queued for it, then closes normally.
func TestWebSocketCloseDelivers(t *testing.T) {
	l := make(logs, 100)
	s := newWS(t, &sink.Options{Logf: l.logf})
	ctx := t.Context()
	c, _, err := dial(ctx, s, bearer(s.Token()), "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	l.waitFor("connected")
	for i := range 100 {
		s.WriteRecord(fmt.Appendf(nil, `{"n":%d}`, i))
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	for i := range 100 {
		typ, p, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if want := fmt.Sprintf(`{"n":%d}`, i); typ != websocket.MessageText || string(p) != want {
			t.Fatalf("record %d: %v %q; want text %q", i, typ, p, want)
		}
	}
	_, _, err = c.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("after the records: %v; want a normal close", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if err := s.WriteRecord([]byte("late")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("WriteRecord after Close = %v", err)
	}
	if _, _, err := dial(ctx, s, bearer(s.Token()), ""); err == nil {
		t.Error("a client connected after Close")
	}
}
