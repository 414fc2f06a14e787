package sink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"time"
)

// TCP sends records to a TCP peer. It connects in the background and
// reconnects whenever the connection is lost, waiting between attempts
// from Options.MinBackoff, doubling up to Options.MaxBackoff (with some
// jitter). Records wait in a buffer of Options.Buffer bytes; a record
// that does not fit is dropped and counted, so WriteRecord never blocks.
// A record that was being written when a connection failed is sent again,
// whole, on the next connection; one that the failed connection's kernel
// had accepted is gone without trace, as with any TCP sender.
//
// It is safe for concurrent use.
type TCP struct {
	addr string
	o    Options
	q    *queue

	ctx     context.Context // cancelled when Close gives up
	cancel  context.CancelFunc
	closing chan struct{} // closed by Close
	done    chan struct{} // closed when the sender has returned

	mu        sync.Mutex
	st        Stats
	connected bool
	closed    bool
}

// NewTCP returns a sink for addr ("host:port") and starts connecting.
func NewTCP(addr string, opts *Options) (*TCP, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("sink: tcp address %q: %w", addr, err)
	}
	o := opts.withDefaults(16 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	t := &TCP{
		addr:    addr,
		o:       o,
		q:       newQueue(o.Buffer),
		ctx:     ctx,
		cancel:  cancel,
		closing: make(chan struct{}),
		done:    make(chan struct{}),
		st:      Stats{Kind: "tcp"},
	}
	go t.run()
	return t, nil
}

// WriteRecord queues a copy of p, or drops it (counted) when the buffer
// is full. It returns an error only after Close.
func (t *TCP) WriteRecord(p []byte) error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return os.ErrClosed
	}
	t.st.Records++
	t.st.Bytes += uint64(len(p))
	t.mu.Unlock()
	if len(p) == 0 {
		return nil
	}
	if !t.q.push(append([]byte(nil), p...)) {
		t.drop(1, len(p))
	}
	return nil
}

// Write queues p as one record.
func (t *TCP) Write(p []byte) (int, error) {
	if err := t.WriteRecord(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (t *TCP) drop(recs, bytes int) {
	t.mu.Lock()
	t.st.DroppedRecords += uint64(recs)
	t.st.DroppedBytes += uint64(bytes)
	t.mu.Unlock()
}

// Stats returns the counters.
func (t *TCP) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.st
}

// Connected reports whether a connection is up.
func (t *TCP) Connected() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.connected
}

// Close waits up to Options.CloseTimeout for the buffer to be delivered,
// then drops (and counts) what is left and closes the connection. It is
// safe to call twice.
func (t *TCP) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		<-t.done
		return nil
	}
	t.closed = true
	t.mu.Unlock()
	close(t.closing)
	timer := time.NewTimer(t.o.CloseTimeout)
	defer timer.Stop()
	select {
	case <-t.done:
	case <-timer.C:
		t.cancel()
		<-t.done
	}
	t.cancel()
	if recs, bytes := t.q.drain(); recs > 0 {
		t.drop(recs, bytes)
		t.o.Logf("tcp %s: %d records not delivered", t.addr, recs)
	}
	return nil
}

// run connects, sends and reconnects until Close.
func (t *TCP) run() {
	defer close(t.done)
	backoff := t.o.MinBackoff
	for {
		if t.finished() {
			return
		}
		d := net.Dialer{Timeout: t.o.WriteTimeout}
		conn, err := d.DialContext(t.ctx, "tcp", t.addr)
		if err != nil {
			if t.ctx.Err() != nil {
				return
			}
			// Wait, unless Close gives up first.
			wait := backoff/2 + rand.N(backoff/2+1)
			backoff = min(2*backoff, t.o.MaxBackoff)
			timer := time.NewTimer(wait)
			select {
			case <-timer.C:
			case <-t.ctx.Done():
				timer.Stop()
				return
			}
			continue
		}
		backoff = t.o.MinBackoff
		t.setConnected(true)
		t.o.Logf("tcp %s: connected", t.addr)
		err = t.send(conn)
		conn.Close()
		t.setConnected(false)
		if err == nil { // closing, all sent
			return
		}
		t.o.Logf("tcp %s: connection lost: %v", t.addr, err)
	}
}

// finished reports whether Close was called and nothing is left to send,
// or Close gave up.
func (t *TCP) finished() bool {
	if t.ctx.Err() != nil {
		return true
	}
	select {
	case <-t.closing:
		return t.q.len() == 0
	default:
		return false
	}
}

func (t *TCP) setConnected(up bool) {
	t.mu.Lock()
	t.connected = up
	if up {
		t.st.Connects++
	} else {
		t.st.Disconnects++
	}
	t.mu.Unlock()
}

// errClosing ends send when Close gives up.
var errClosing = errors.New("closing")

// send writes queued records to conn until it fails (the error) or the
// sink is closed and the queue is empty (nil).
func (t *TCP) send(conn net.Conn) error {
	// The peer is not expected to speak; reading tells at once when it
	// goes away, rather than at the next write.
	gone := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, conn)
		if err == nil {
			err = io.EOF
		}
		gone <- err
	}()
	var recs [][]byte
	for {
		recs = t.q.peek(recs[:0])
		if len(recs) == 0 {
			select {
			case <-t.q.ready:
				continue
			case <-t.closing:
				if t.q.len() == 0 {
					return nil
				}
				continue
			case err := <-gone:
				return fmt.Errorf("peer closed: %w", err)
			case <-t.ctx.Done():
				return errClosing
			}
		}
		select {
		case err := <-gone:
			return fmt.Errorf("peer closed: %w", err)
		default:
		}
		conn.SetWriteDeadline(time.Now().Add(t.o.WriteTimeout))
		bufs := net.Buffers(append([][]byte(nil), recs...))
		n, err := bufs.WriteTo(conn)
		// Remove what was written whole; a record cut short goes again.
		done := 0
		for _, r := range recs {
			if n < int64(len(r)) {
				break
			}
			n -= int64(len(r))
			done++
		}
		t.q.remove(done)
		clear(recs)
		if err != nil {
			return err
		}
	}
}
