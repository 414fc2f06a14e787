package sink

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output"
)

// Heartbeater is implemented by formatters that have a heartbeat record
// (output/pb): AppendHeartbeat appends the count-th heartbeat (from 0),
// sent at now after records messages.
type Heartbeater interface {
	AppendHeartbeat(dst []byte, now time.Time, count int64, records uint64) []byte
}

// Resetter is implemented by formatters that keep state across messages
// (output/har): Reset starts a new document, after Finish, when the
// output moves to a new file.
type Resetter interface {
	Reset()
}

// rotator is implemented by sinks that move to new files (Rotating).
type rotator interface {
	rotateDue(n int) bool
	rotate() error
}

// WriterOptions configure a Writer; nil means the defaults.
type WriterOptions struct {
	// Live flushes after every message, so that a reader of a live
	// stream sees each one when it is complete. Otherwise output is
	// buffered until 64 KiB collect, Flush or Close.
	Live bool
	// Heartbeat writes a heartbeat record this often, when the formatter
	// is a Heartbeater; 0 never.
	Heartbeat time.Duration
}

// Writer formats messages onto a sink. A sink that takes records whole
// (RecordWriter) gets each message as one record, and buffers as it
// sees fit; any other io.Writer gets them through an output.Writer. When the sink is a
// Rotating file and a record is due to start a new file, a formatter
// with a closing part (output.Finisher) finishes the old file and, if it
// is a Resetter, starts the new one afresh, so each file stands alone.
//
// Unlike output.Writer it is safe for concurrent use, which its heartbeat
// ticker needs.
type Writer struct {
	f   output.Formatter
	rec RecordWriter
	rot rotator
	out *output.Writer // onto a stream sink, when rec is nil
	opt WriterOptions

	mu       sync.Mutex
	buf      []byte // one record, for a record sink
	records  uint64
	beats    int64
	err      error // the first write error; later writes return it
	closed   bool
	stopBeat chan struct{}
	beatDone chan struct{}
}

// NewWriter returns a Writer that formats with f onto w; it starts the
// heartbeat ticker, which Close stops.
func NewWriter(w io.Writer, f output.Formatter, opts *WriterOptions) *Writer {
	wr := &Writer{f: f}
	if opts != nil {
		wr.opt = *opts
	}
	if r, ok := w.(RecordWriter); ok {
		wr.rec = r
		wr.rot, _ = w.(rotator)
	} else {
		wr.out = output.NewWriter(w, f)
	}
	if hb, ok := f.(Heartbeater); ok && wr.opt.Heartbeat > 0 {
		wr.stopBeat = make(chan struct{})
		wr.beatDone = make(chan struct{})
		go wr.beat(hb)
	}
	return wr
}

// Write formats m and writes the result.
func (w *Writer) Write(m *message.Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return os.ErrClosed
	}
	if w.rec == nil {
		w.records++
		if err := w.out.Write(m); err != nil {
			return w.fail(err)
		}
		if w.opt.Live {
			return w.flushStream()
		}
		return nil
	}
	w.buf = w.f.Append(w.buf[:0], m)
	if len(w.buf) == 0 {
		return nil
	}
	if w.rot != nil && w.rot.rotateDue(len(w.buf)) {
		if err := w.newFile(); err != nil {
			return w.fail(err)
		}
		if _, ok := w.f.(Resetter); ok {
			w.buf = w.f.Append(w.buf[:0], m)
		}
	}
	w.records++
	return w.emit(w.buf)
}

// newFile finishes the current file and moves to the next.
func (w *Writer) newFile() error {
	if fin, ok := w.f.(output.Finisher); ok {
		end := fin.Finish(nil)
		if len(end) > 0 {
			if err := w.rec.WriteRecord(end); err != nil {
				return err
			}
		}
	}
	if err := w.rot.rotate(); err != nil {
		return err
	}
	if r, ok := w.f.(Resetter); ok {
		r.Reset()
	}
	return nil
}

// flusher is implemented by record sinks that buffer (Rotating).
type flusher interface{ Flush() error }

// emit writes one record.
func (w *Writer) emit(p []byte) error {
	if w.rec != nil {
		if err := w.rec.WriteRecord(p); err != nil {
			return w.fail(err)
		}
		if w.opt.Live {
			return w.flushRecords()
		}
		return nil
	}
	if err := w.out.WriteBytes(p); err != nil {
		return w.fail(err)
	}
	if w.opt.Live {
		return w.flushStream()
	}
	return nil
}

// flushStream writes out what a stream sink's Writer holds.
func (w *Writer) flushStream() error {
	if err := w.out.Flush(); err != nil {
		return w.fail(err)
	}
	return nil
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

// beat writes heartbeats until Close.
func (w *Writer) beat(hb Heartbeater) {
	defer close(w.beatDone)
	t := time.NewTicker(w.opt.Heartbeat)
	defer t.Stop()
	var buf []byte
	for {
		select {
		case <-w.stopBeat:
			return
		case now := <-t.C:
			w.mu.Lock()
			if !w.closed && w.err == nil {
				buf = hb.AppendHeartbeat(buf[:0], now, w.beats, w.records)
				w.beats++
				if w.emit(buf) == nil {
					if w.rec == nil {
						w.flushStream()
					} else {
						w.flushRecords()
					}
				}
			}
			w.mu.Unlock()
		}
	}
}

// flushRecords flushes a record sink that buffers.
func (w *Writer) flushRecords() error {
	if f, ok := w.rec.(flusher); ok {
		if err := f.Flush(); err != nil {
			return w.fail(err)
		}
	}
	return nil
}

// Flush writes out what is buffered, here or in the sink.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if w.rec == nil {
		return w.flushStream()
	}
	return w.flushRecords()
}

// Close stops the heartbeats, finishes the output (see output.Finisher)
// and flushes it. It does not close the sink. It is safe to call twice.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return w.err
	}
	w.closed = true
	w.mu.Unlock()
	if w.stopBeat != nil {
		close(w.stopBeat)
		<-w.beatDone
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if fin, ok := w.f.(output.Finisher); ok {
		if end := fin.Finish(nil); len(end) > 0 {
			if err := w.emit(end); err != nil {
				return err
			}
		}
	}
	if w.rec == nil {
		return w.flushStream()
	}
	return w.flushRecords()
}
