package record

import (
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"syscall"

	"github.com/tapir-dev/tapir/event"
)

// Identity is who a connection's events say made them.
type Identity struct {
	PID uint32
	// TID is the thread; 0 means the thread that makes each call.
	TID uint32
	// FD is the socket's file descriptor in process PID, -1 if unknown.
	FD   int32
	Comm string
	// Lib is the events' "lib" field.
	Lib string
	// Src is the process's end of the connection, Dst the peer's.
	Src, Dst netip.AddrPort
}

// Conn is a net.Conn that records every Write (direction out) and every
// Read (direction in, only the bytes read) as events of one process, and a
// close event on Close.
//
// A Write is recorded when it is called, before its bytes are sent, so
// that the peer's answer can never be recorded before the request; the
// bytes of a write that fails are recorded all the same. Data read after
// Close is not recorded. Conn is safe for concurrent use, as net.Conn is.
type Conn struct {
	net.Conn
	rec    *Recorder
	id     Identity
	mu     sync.Mutex
	closed bool
}

// Wrap returns a Conn that records c's traffic as the events of this
// process: its pid, its name, the calling thread and c's file descriptor,
// with lib "record".
func (r *Recorder) Wrap(c net.Conn) *Conn {
	return r.WrapAs(c, Identity{
		PID:  uint32(os.Getpid()),
		FD:   connFD(c),
		Comm: selfComm(),
		Lib:  "record",
		Src:  addrPort(c.LocalAddr()),
		Dst:  addrPort(c.RemoteAddr()),
	})
}

// WrapAs returns a Conn that records c's traffic as the events of id.
func (r *Recorder) WrapAs(c net.Conn, id Identity) *Conn {
	return &Conn{Conn: c, rec: r, id: id}
}

// Identity returns who the connection's events say made them.
func (c *Conn) Identity() Identity { return c.id }

// Read reads from the connection and records the bytes read.
func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		if rerr := c.record(event.Data, event.In, p[:n]); rerr != nil && err == nil {
			err = rerr
		}
	}
	return n, err
}

// Write records p, then writes it to the connection.
func (c *Conn) Write(p []byte) (int, error) {
	if len(p) > 0 {
		if err := c.record(event.Data, event.Out, p); err != nil {
			return 0, err
		}
	}
	return c.Conn.Write(p)
}

// Close records the close, the first time, then closes the connection.
// It is safe to call more than once.
func (c *Conn) Close() error {
	rerr := c.record(event.Close, event.Out, nil)
	if err := c.Conn.Close(); err != nil {
		return err
	}
	return rerr
}

// record writes one event of the connection. It writes nothing once the
// close is recorded.
func (c *Conn) record(kind event.Kind, dir event.Dir, p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	e := event.Event{
		Kind: kind,
		PID:  c.id.PID,
		TID:  c.id.TID,
		FD:   c.id.FD,
		Comm: c.id.Comm,
	}
	if e.TID == 0 {
		e.TID = gettid()
	}
	if kind == event.Data {
		e.Dir, e.Data = dir, p
		e.Lib, e.Src, e.Dst = c.id.Lib, c.id.Src, c.id.Dst
	} else {
		c.closed = true
	}
	return c.rec.Record(&e)
}

// connFD returns c's file descriptor, or -1.
func connFD(c net.Conn) int32 {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := int32(-1)
	if err := raw.Control(func(f uintptr) { fd = int32(f) }); err != nil {
		return -1
	}
	return fd
}

// selfComm returns this process's name as the kernel keeps it (at most 15
// bytes), or the base name of its executable.
func selfComm() string {
	if b, err := os.ReadFile("/proc/self/comm"); err == nil {
		return strings.TrimSpace(string(b))
	}
	name := os.Args[0]
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return name[:min(len(name), 15)]
}

// addrPort returns a's address and port, IPv4 unmapped, or the zero value.
func addrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		ap := t.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	if a == nil {
		return netip.AddrPort{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}
	}
	return ap
}
