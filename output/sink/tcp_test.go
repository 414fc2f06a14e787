package sink_test

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tapir-dev/tapir/output/sink"
)

// peer is a TCP listener that sends each line its connections bring,
// as "ID:N:LINE" (its id, the connection's number), on lines.
type peer struct {
	ln    net.Listener
	lines chan string
	mu    sync.Mutex
	conns []net.Conn
}

func listen(t *testing.T, id, addr string, lines chan string) *peer {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{ln: ln, lines: lines}
	go func() {
		for n := 1; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.conns = append(p.conns, c)
			p.mu.Unlock()
			go func() {
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					lines <- fmt.Sprintf("%s:%d:%s", id, n, sc.Text())
				}
			}()
		}
	}()
	return p
}

// close closes the listener and every connection it accepted.
func (p *peer) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
}

func fastTCP(l logs) *sink.Options {
	return &sink.Options{MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, CloseTimeout: 5 * time.Second, Logf: l.logf}
}

// TestTCPReconnect runs the sink against a listener that goes away and
// comes back on the same port; what was written meanwhile arrives on the
// new connection.
func TestTCPReconnect(t *testing.T) {
	lines := make(chan string, 100)
	p := listen(t, "first", "127.0.0.1:0", lines)
	addr := p.ln.Addr().String()
	l := make(logs, 100)
	s, err := sink.NewTCP(addr, fastTCP(l))
	if err != nil {
		t.Fatal(err)
	}
	l.waitFor("connected")
	s.WriteRecord([]byte("a\n"))
	s.WriteRecord([]byte("b\n"))
	first := []string{<-lines, <-lines}
	if first[0] != "first:1:a" || first[1] != "first:1:b" {
		t.Fatalf("first connection brought %q", first)
	}

	p.close()
	l.waitFor("connection lost")
	if s.Connected() {
		t.Error("Connected after the peer went away")
	}
	// Written while no one listens: held in the buffer.
	s.WriteRecord([]byte("c\n"))
	s.WriteRecord([]byte("d\n"))

	p2 := listen(t, "second", addr, lines)
	defer p2.close()
	second := []string{<-lines, <-lines}
	if second[0] != "second:1:c" || second[1] != "second:1:d" {
		t.Fatalf("after reconnecting got %q; want c and d on the new listener", second)
	}
	s.WriteRecord([]byte("e\n"))
	if got := <-lines; got != "second:1:e" {
		t.Errorf("got %q; want e", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.Records != 5 || st.DroppedRecords != 0 || st.Connects != 2 || st.Disconnects != 2 {
		t.Errorf("stats %+v; want 5 records, none dropped, 2 connections made and ended", st)
	}
	if err := s.WriteRecord([]byte("f\n")); err == nil {
		t.Error("WriteRecord after Close succeeded")
	}
}

// TestTCPBound checks that with no peer the sink keeps what its buffer
// holds, drops and counts the rest, never blocks, and gives up at Close
// after CloseTimeout.
func TestTCPBound(t *testing.T) {
	// A port with no listener: take one and free it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	l := make(logs, 100)
	o := fastTCP(l)
	o.Buffer = 100
	o.CloseTimeout = 50 * time.Millisecond
	s, err := sink.NewTCP(addr, o)
	if err != nil {
		t.Fatal(err)
	}
	rec := make([]byte, 30)
	for range 10 {
		if err := s.WriteRecord(rec); err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats()
	if st.Records != 10 || st.DroppedRecords != 7 || st.DroppedBytes != 210 {
		t.Errorf("before Close: %+v; want 10 records, 7 (210 bytes) dropped", st)
	}
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
	st = s.Stats()
	if st.DroppedRecords != 10 || st.DroppedBytes != 300 || st.Connects != 0 {
		t.Errorf("after Close: %+v; want all 10 dropped, no connection", st)
	}
	if !st.Lossy() {
		t.Error("Lossy() = false")
	}
}

// TestTCPCloseDelivers checks that Close waits for what is queued.
func TestTCPCloseDelivers(t *testing.T) {
	lines := make(chan string, 1000)
	p := listen(t, "peer", "127.0.0.1:0", lines)
	defer p.close()
	s, err := sink.NewTCP(p.ln.Addr().String(), fastTCP(make(logs, 100)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		s.WriteRecord(fmt.Appendf(nil, "%d\n", i))
	}
	s.Close()
	for i := range 500 {
		got := <-lines
		if want := fmt.Sprintf("peer:1:%d", i); got != want {
			t.Fatalf("line %d = %q; want %q", i, got, want)
		}
	}
	if st := s.Stats(); st.DroppedRecords != 0 {
		t.Errorf("dropped %d", st.DroppedRecords)
	}
}
