package record

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tapir-dev/tapir/event"
)

// memWriter keeps events in memory, Data copied.
type memWriter struct {
	mu  sync.Mutex
	evs []event.Event
	err error
}

func (m *memWriter) Write(e *event.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	c := *e
	c.Data = append([]byte(nil), e.Data...)
	m.evs = append(m.evs, c)
	return nil
}

func (m *memWriter) events() []event.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]event.Event(nil), m.evs...)
}

// stream returns the bytes of direction dir of connection id, in order.
func stream(evs []event.Event, id event.ConnID, dir event.Dir) string {
	var b strings.Builder
	for _, e := range evs {
		if e.Kind == event.Data && e.ID() == id && e.Dir == dir {
			b.Write(e.Data)
		}
	}
	return b.String()
}

// upperServer answers each line with the line in upper case, until EOF.
func upperServer(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := io.WriteString(c, strings.ToUpper(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln
}

// roundTrip writes line to c and reads the answer line.
func roundTrip(t *testing.T, c net.Conn, br *bufio.Reader, line string) string {
	t.Helper()
	if _, err := io.WriteString(c, line); err != nil {
		t.Fatal(err)
	}
	got, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestParseTCPLine(t *testing.T) {
	tests := []struct {
		name, line   string
		local, rem   string
		inode        uint64
		wantErr      bool
		littleEndian bool
	}{
		{
			name:  "ipv4",
			line:  "   3: 0100007F:C5CE 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 123456 1 0000000000000000 20 4 30 10 -1",
			local: "127.0.0.1:50638", rem: "127.0.0.1:8080", inode: 123456,
		},
		{
			name:  "ipv4 other address",
			line:  "   0: 0A02000A:0016 6400A8C0:D431 01 00000000:00000000 02:000A7B2C 00000000     0        0 98765 4 0000000000000000 20 4 1 10 -1",
			local: "10.0.2.10:22", rem: "192.168.0.100:54321", inode: 98765,
		},
		{
			name:  "ipv6 loopback",
			line:  "   1: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 555 1 0000000000000000 20 4 31 10 -1",
			local: "[::1]:8080", rem: "[::1]:40000", inode: 555,
		},
		{
			name:  "ipv4-mapped",
			line:  "   2: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:9C41 01 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 20 4 31 10 -1",
			local: "127.0.0.1:8080", rem: "127.0.0.1:40001", inode: 777,
		},
		{
			name:    "header",
			line:    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
			wantErr: true,
		},
		{
			name:    "bad address",
			line:    "   3: 0100007:C5CE 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 1 1",
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, r, inode, err := parseTCPLine(tt.line)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error for %q", tt.line)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The fixtures were read on a little-endian host.
			if !littleEndian() {
				t.Skip("fixtures are from a little-endian host")
			}
			if l.String() != tt.local || r.String() != tt.rem || inode != tt.inode {
				t.Errorf("got %v %v %d; want %s %s %d", l, r, inode, tt.local, tt.rem, tt.inode)
			}
		})
	}
}

func littleEndian() bool {
	a, err := parseHexAddr("0100007F:0001")
	return err == nil && a.Addr() == netip.MustParseAddr("127.0.0.1")
}

// needProc skips tests that read /proc/net/tcp.
func needProc(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skipf("needs Linux's /proc/net/tcp: %v", err)
	}
}

func TestFindOwner(t *testing.T) {
	needProc(t)
	ln := upperServer(t)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	o, err := FindOwner(addrPort(c.LocalAddr()), addrPort(c.RemoteAddr()))
	if err != nil {
		t.Fatal(err)
	}
	want := Owner{PID: uint32(os.Getpid()), FD: connFD(c), Comm: selfComm()}
	if o != want {
		t.Errorf("FindOwner = %+v; want %+v", o, want)
	}
	_, err = FindOwner(netip.MustParseAddrPort("127.0.0.1:1"), netip.MustParseAddrPort("127.0.0.1:2"))
	if !errors.Is(err, ErrNoOwner) {
		t.Errorf("FindOwner of no socket: %v; want ErrNoOwner", err)
	}
}

func TestRecorderTime(t *testing.T) {
	var m memWriter
	r := New(&m)
	clock := []uint64{100, 50, 200, 200, 150, 300}
	r.now = func() uint64 { v := clock[0]; clock = clock[1:]; return v }
	for range 5 {
		if err := r.Record(&event.Event{Kind: event.Close}); err != nil {
			t.Fatal(err)
		}
	}
	var got []uint64
	for _, e := range m.events() {
		got = append(got, e.Time)
	}
	if want := []uint64{100, 100, 200, 200, 200}; !slices.Equal(got, want) {
		t.Errorf("times %v; want %v", got, want)
	}
	m.err = errors.New("disk full")
	if err := r.Record(&event.Event{Kind: event.Close}); err == nil || r.Err() == nil {
		t.Errorf("write error not returned: %v, Err() %v", err, r.Err())
	}
}

func TestConn(t *testing.T) {
	ln := upperServer(t)
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var m memWriter
	c := New(&m).Wrap(raw)
	br := bufio.NewReader(c)
	for _, line := range []string{"hello\n", "second line\n"} {
		if got := roundTrip(t, c, br, line); got != strings.ToUpper(line) {
			t.Fatalf("got %q; want %q", got, strings.ToUpper(line))
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v; want net.ErrClosed", err)
	}

	evs := m.events()
	id := c.Identity()
	if id.PID != uint32(os.Getpid()) || id.FD < 0 || id.Comm == "" || id.Lib != "record" {
		t.Errorf("identity %+v", id)
	}
	if id.Src != addrPort(raw.LocalAddr()) || id.Dst != addrPort(raw.RemoteAddr()) {
		t.Errorf("addresses %v -> %v; want %v -> %v", id.Src, id.Dst, raw.LocalAddr(), raw.RemoteAddr())
	}
	name := event.ConnID{PID: id.PID, FD: id.FD}
	if got := stream(evs, name, event.Out); got != "hello\nsecond line\n" {
		t.Errorf("out stream %q", got)
	}
	if got := stream(evs, name, event.In); got != "HELLO\nSECOND LINE\n" {
		t.Errorf("in stream %q", got)
	}
	last := evs[len(evs)-1]
	if last.Kind != event.Close || last.ID() != name || len(evs) < 5 {
		t.Errorf("events end with %+v, of %d; want one close", last, len(evs))
	}
	var closes int
	for i, e := range evs {
		if e.TID == 0 || (i > 0 && e.Time < evs[i-1].Time) {
			t.Errorf("event %d: tid %d, time %d after %d", i, e.TID, e.Time, evs[max(i-1, 0)].Time)
		}
		if e.Kind == event.Close {
			closes++
		}
	}
	if closes != 1 {
		t.Errorf("%d close events; want 1", closes)
	}
	// The reply to a line is recorded after the line.
	if evs[0].Dir != event.Out || evs[1].Dir != event.In {
		t.Errorf("first events %v, %v; want out then in", evs[0].Dir, evs[1].Dir)
	}
}

// serve runs p on a new listener and returns its address and a channel
// that yields Serve's error.
func serve(t *testing.T, p *Proxy) (string, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Serve(context.Background(), ln) }()
	return ln.Addr().String(), done
}

func TestProxy(t *testing.T) {
	needProc(t)
	up := upperServer(t)
	var m memWriter
	var mu sync.Mutex
	var infos []ConnInfo
	p := &Proxy{
		To:       up.Addr().String(),
		Rec:      New(&m),
		MaxConns: 2,
		OnConn:   func(ci ConnInfo) { mu.Lock(); infos = append(infos, ci); mu.Unlock() },
	}
	addr, done := serve(t, p)

	type client struct {
		c    net.Conn
		name event.ConnID
	}
	var clients []client
	for i, lines := range [][]string{{"get a\n", "get b\n"}, {"quit\n"}} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		for _, l := range lines {
			if got := roundTrip(t, c, br, l); got != strings.ToUpper(l) {
				t.Fatalf("client %d: got %q", i, got)
			}
		}
		clients = append(clients, client{c, event.ConnID{PID: uint32(os.Getpid()), FD: connFD(c)}})
		c.Close()
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	evs := m.events()
	if len(infos) != 2 {
		t.Fatalf("%d connections reported; want 2", len(infos))
	}
	for i, ci := range infos {
		if ci.Err != nil {
			t.Errorf("conn %d: client not found: %v", i, ci.Err)
		}
		if ci.ID.PID != uint32(os.Getpid()) || ci.ID.Comm != selfComm() || ci.ID.Lib != "recproxy" {
			t.Errorf("conn %d: identity %+v", i, ci.ID)
		}
		if ci.ID.Src != addrPort(clients[i].c.LocalAddr()) || ci.ID.Dst.String() != addr {
			t.Errorf("conn %d: %v -> %v; want %v -> %s", i, ci.ID.Src, ci.ID.Dst, clients[i].c.LocalAddr(), addr)
		}
	}
	for i, want := range []string{"get a\nget b\n", "quit\n"} {
		src := addrPort(clients[i].c.LocalAddr())
		var out, in strings.Builder
		for _, e := range evs {
			if e.Kind == event.Data && e.Src == src {
				if e.ID() != clients[i].name {
					t.Errorf("client %d: event of %v; want %v", i, e.ID(), clients[i].name)
				}
				if e.Dir == event.Out {
					out.Write(e.Data)
				} else {
					in.Write(e.Data)
				}
			}
		}
		if out.String() != want || in.String() != strings.ToUpper(want) {
			t.Errorf("client %d: out %q, in %q; want %q and its upper case", i, out.String(), in.String(), want)
		}
	}
	// Each connection: data, then exactly one close, which ends it.
	seen := map[event.ConnID]int{}
	for _, e := range evs {
		if e.Kind == event.Close {
			seen[e.ID()]++
		}
	}
	var total int
	for _, n := range seen {
		total += n
	}
	if total != 2 {
		t.Errorf("%d close events; want 2: %v", total, seen)
	}
}

// TestProxyReusedName checks that a client which closes a connection and
// opens the next on the same descriptor gets the first one's close
// recorded before anything of the second.
func TestProxyReusedName(t *testing.T) {
	up := upperServer(t)
	var m memWriter
	notFound := errors.New("no /proc here")
	var mu sync.Mutex
	var infos []ConnInfo
	p := &Proxy{
		To:       up.Addr().String(),
		Rec:      New(&m),
		MaxConns: 3,
		Owner:    func(_, _ netip.AddrPort) (Owner, error) { return Owner{PID: 4242, FD: 5, Comm: "client"}, nil },
		OnConn:   func(ci ConnInfo) { mu.Lock(); infos = append(infos, ci); mu.Unlock() },
	}
	addr, done := serve(t, p)
	for i := range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, c, bufio.NewReader(c), "line "+string(rune('a'+i))+"\n")
		c.Close()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	evs := m.events()
	var order []string
	for _, e := range evs {
		if e.PID != 4242 || e.FD != 5 || e.Comm != "client" {
			t.Fatalf("event %+v; want pid 4242 fd 5", e)
		}
		if e.Kind == event.Close {
			order = append(order, "close")
		} else if e.Dir == event.Out {
			order = append(order, string(e.Data))
		}
	}
	want := "line a\n,close,line b\n,close,line c\n,close"
	if got := strings.Join(order, ","); got != want {
		t.Errorf("order %q; want %q", got, want)
	}

	// The fallback: the proxy's own numbers, and the reason.
	p2 := &Proxy{
		To:       up.Addr().String(),
		Rec:      New(&m),
		MaxConns: 1,
		Owner:    func(_, _ netip.AddrPort) (Owner, error) { return Owner{}, notFound },
		OnConn:   func(ci ConnInfo) { mu.Lock(); infos = append(infos, ci); mu.Unlock() },
	}
	addr, done = serve(t, p2)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, bufio.NewReader(c), "x\n")
	c.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ci := infos[len(infos)-1]
	if !errors.Is(ci.Err, notFound) || ci.ID.PID != uint32(os.Getpid()) || ci.ID.FD < 0 {
		t.Errorf("fallback info %+v", ci)
	}
}
