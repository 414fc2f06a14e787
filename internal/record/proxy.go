package record

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/tapir-dev/tapir/event"
)

// Proxy is a TCP proxy that records, for each client connection, what the
// client wrote (out) and what it was sent back (in), from the client's
// point of view: the events name the client's real process, name and file
// descriptor (see FindOwner), Src is the client's address and Dst the
// address it connected to. Data events are split as the proxy read them.
//
// Set the fields, then call Serve; they are not changed after.
type Proxy struct {
	// To is the server (host:port) each client connection is forwarded to.
	To string
	// Rec receives the events.
	Rec *Recorder
	// Lib is the events' "lib" field; "" means "recproxy".
	Lib string
	// Owner finds the client's process; nil means FindOwner. When it
	// fails the proxy's own pid and the accepted socket's descriptor
	// stand in, and ConnInfo.Err says why.
	Owner func(client, server netip.AddrPort) (Owner, error)
	// OnConn, if not nil, is told of each accepted connection.
	OnConn func(ConnInfo)
	// OnError, if not nil, is told of errors that end one connection
	// but not the proxy, such as a failed dial.
	OnError func(error)
	// MaxConns, if positive, makes Serve return once that many client
	// connections have ended.
	MaxConns int
	// Linger is how long a connection waits for the server's last bytes
	// after the client has closed, and how long Serve waits for open
	// connections when its context ends; 0 means 2 seconds.
	Linger time.Duration
}

// ConnInfo describes an accepted client connection.
type ConnInfo struct {
	Client, Server netip.AddrPort
	// ID is who the connection's events name.
	ID Identity
	// Err is why the client's process was not found, and ID holds the
	// proxy's own numbers; nil when it was found.
	Err error
}

// Serve accepts clients on ln and forwards each to p.To until ctx ends,
// or until MaxConns connections have ended. It closes ln, and returns
// once every connection has ended and its close is recorded, closing any
// that are still open after Linger.
func (p *Proxy) Serve(ctx context.Context, ln net.Listener) error {
	linger := p.Linger
	if linger <= 0 {
		linger = 2 * time.Second
	}
	s := &session{p: p, linger: linger, live: map[event.ConnID]chan struct{}{}, conns: map[net.Conn]struct{}{}}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		nEnded int
		err    error
	)
	for {
		c, aerr := ln.Accept()
		if aerr != nil {
			if ctx.Err() == nil {
				err = fmt.Errorf("accept: %w", aerr)
			}
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.handle(c)
			mu.Lock()
			nEnded++
			if p.MaxConns > 0 && nEnded >= p.MaxConns {
				cancel()
			}
			mu.Unlock()
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(linger):
		s.closeAll()
		<-done
	}
	return errors.Join(err, p.Rec.Err())
}

// session is the state one Serve shares between its connections.
type session struct {
	p      *Proxy
	linger time.Duration
	mu     sync.Mutex
	// live holds, for each connection name, a channel closed when its
	// close is recorded: a client that reuses a descriptor waits for it.
	live  map[event.ConnID]chan struct{}
	conns map[net.Conn]struct{}
}

func (s *session) track(c net.Conn, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.conns[c] = struct{}{}
	} else {
		delete(s.conns, c)
	}
}

func (s *session) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

func (s *session) fail(err error) {
	if s.p.OnError != nil {
		s.p.OnError(err)
	}
}

// handle forwards one client connection and records it.
func (s *session) handle(client net.Conn) {
	s.track(client, true)
	defer s.track(client, false)
	defer client.Close()
	p := s.p
	upstream, err := net.DialTimeout("tcp", p.To, s.linger)
	if err != nil {
		s.fail(fmt.Errorf("dial %s: %w", p.To, err))
		return
	}
	s.track(upstream, true)
	defer s.track(upstream, false)
	defer upstream.Close()

	info := ConnInfo{Client: addrPort(client.RemoteAddr()), Server: addrPort(client.LocalAddr())}
	find := p.Owner
	if find == nil {
		find = FindOwner
	}
	lib := p.Lib
	if lib == "" {
		lib = "recproxy"
	}
	info.ID = Identity{Lib: lib, Src: info.Client, Dst: info.Server}
	if o, err := find(info.Client, info.Server); err == nil {
		info.ID.PID, info.ID.TID, info.ID.FD, info.ID.Comm = o.PID, o.PID, o.FD, o.Comm
	} else {
		info.Err = err
		info.ID.PID = uint32(os.Getpid())
		info.ID.TID = info.ID.PID
		info.ID.FD = connFD(client)
		info.ID.Comm = selfComm()
	}
	if p.OnConn != nil {
		p.OnConn(info)
	}

	// A client that closed a connection and opened this one on the same
	// descriptor: record nothing before the old one's close.
	name := event.ConnID{PID: info.ID.PID, FD: info.ID.FD}
	mine := make(chan struct{})
	s.mu.Lock()
	prev := s.live[name]
	s.live[name] = mine
	s.mu.Unlock()
	if prev != nil {
		<-prev
	}
	rc := p.Rec.WrapAs(nopConn{}, info.ID)
	defer func() {
		rc.Close()
		s.mu.Lock()
		if s.live[name] == mine {
			delete(s.live, name)
		}
		s.mu.Unlock()
		close(mine)
	}()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		// Server to client: what the client reads.
		defer wg.Done()
		s.pump(client, upstream, rc, event.In)
		closeWrite(client)
	}()
	// Client to server: what the client writes.
	s.pump(upstream, client, rc, event.Out)
	closeWrite(upstream)
	upstream.SetReadDeadline(time.Now().Add(s.linger))
	wg.Wait()
}

// pump copies src to dst, recording each read as an event of direction
// dir before it is forwarded.
func (s *session) pump(dst, src net.Conn, rc *Conn, dir event.Dir) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if rerr := rc.record(event.Data, dir, buf[:n]); rerr != nil {
				s.fail(rerr)
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !errors.Is(err, os.ErrDeadlineExceeded) {
				s.fail(fmt.Errorf("%v -> %v: %w", src.RemoteAddr(), src.LocalAddr(), err))
			}
			return
		}
	}
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}

// nopConn is the net.Conn under the proxy's recording Conn, which only
// records: the proxy moves the bytes itself.
type nopConn struct{ net.Conn }

func (nopConn) Close() error { return nil }
