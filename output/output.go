package output

import (
	"io"

	"github.com/tapir-dev/tapir/message"
)

// Formatter encodes messages.
type Formatter interface {
	// Append appends the encoding of m to dst and returns the result. It
	// does not keep m.
	Append(dst []byte, m *message.Message) []byte
}

// Finisher is implemented by formatters whose output has a closing part
// (a HAR document's end); Finish appends it.
type Finisher interface {
	Finish(dst []byte) []byte
}

// BufferSize is how much formatted output a Writer collects before it
// writes to its io.Writer.
const BufferSize = 64 << 10

// Writer formats messages onto an io.Writer through a buffer. Messages are
// formatted straight into the buffer, which is written out when it holds
// BufferSize bytes, so each byte is copied once on its way out. It is not
// safe for concurrent use.
type Writer struct {
	f   Formatter
	w   io.Writer
	buf []byte
	err error // the first write error; later calls return it
}

// NewWriter returns a Writer that formats with f onto w.
func NewWriter(w io.Writer, f Formatter) *Writer {
	return &Writer{f: f, w: w, buf: make([]byte, 0, BufferSize+BufferSize/4)}
}

// Write formats m and buffers the result.
func (w *Writer) Write(m *message.Message) error {
	if w.err != nil {
		return w.err
	}
	w.buf = w.f.Append(w.buf, m)
	if len(w.buf) >= BufferSize {
		return w.Flush()
	}
	return nil
}

// WriteBytes buffers p, bytes already formatted (a heartbeat, a closing
// part), as Write buffers a message.
func (w *Writer) WriteBytes(p []byte) error {
	if w.err != nil {
		return w.err
	}
	w.buf = append(w.buf, p...)
	if len(w.buf) >= BufferSize {
		return w.Flush()
	}
	return nil
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	_, w.err = w.w.Write(w.buf)
	if cap(w.buf) > 4*BufferSize {
		// A large message made it grow far past BufferSize.
		w.buf = make([]byte, 0, BufferSize+BufferSize/4)
	} else {
		w.buf = w.buf[:0]
	}
	return w.err
}

// Close finishes the output (see Finisher) and flushes it. It does not
// close the underlying writer.
func (w *Writer) Close() error {
	if fin, ok := w.f.(Finisher); ok && w.err == nil {
		w.buf = fin.Finish(w.buf)
	}
	return w.Flush()
}
