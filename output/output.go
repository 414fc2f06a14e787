package output

import (
	"bufio"
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

// Writer formats messages onto an io.Writer through a buffer. It is not
// safe for concurrent use.
type Writer struct {
	f   Formatter
	bw  *bufio.Writer
	buf []byte
}

// NewWriter returns a Writer that formats with f onto w.
func NewWriter(w io.Writer, f Formatter) *Writer {
	return &Writer{f: f, bw: bufio.NewWriterSize(w, 64<<10)}
}

// Write formats m and buffers the result.
func (w *Writer) Write(m *message.Message) error {
	w.buf = w.f.Append(w.buf[:0], m)
	_, err := w.bw.Write(w.buf)
	return err
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error { return w.bw.Flush() }

// Close finishes the output (see Finisher) and flushes it. It does not
// close the underlying writer.
func (w *Writer) Close() error {
	if fin, ok := w.f.(Finisher); ok {
		if _, err := w.bw.Write(fin.Finish(nil)); err != nil {
			return err
		}
	}
	return w.bw.Flush()
}
