package eventfile

import (
	"bufio"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	fastb64 "github.com/segmentio/asm/base64"

	"github.com/tapir-dev/tapir/event"
)

// Writer writes events as JSON Lines (EVENTS.md). It is not safe for
// concurrent use.
type Writer struct {
	bw     *bufio.Writer
	buf    []byte
	closer []io.Closer
}

// NewWriter returns a Writer that writes uncompressed lines to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{bw: bufio.NewWriterSize(w, 256<<10)}
}

// Create creates (or truncates) the file at path, readable by its owner
// only since captured plaintext holds secrets, and returns a Writer to it.
// A ".gz" or ".zst" suffix compresses the file.
func Create(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	var w io.Writer = f
	closers := []io.Closer{f}
	switch {
	case strings.HasSuffix(path, ".gz"):
		zw := gzip.NewWriter(f)
		w, closers = zw, []io.Closer{zw, f}
	case strings.HasSuffix(path, ".zst"):
		zw, err := zstd.NewWriter(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		w, closers = zw, []io.Closer{zw, f}
	}
	ew := NewWriter(w)
	ew.closer = closers
	return ew, nil
}

// Write appends one event as a line.
func (w *Writer) Write(e *event.Event) error {
	w.buf = AppendEvent(w.buf[:0], e)
	_, err := w.bw.Write(w.buf)
	return err
}

// Flush writes buffered lines to the underlying writer.
func (w *Writer) Flush() error { return w.bw.Flush() }

// Close flushes and, for a Writer made by Create, closes the file.
func (w *Writer) Close() error {
	err := w.bw.Flush()
	for _, c := range w.closer {
		err = errors.Join(err, c.Close())
	}
	w.closer = nil
	return err
}

// AppendEvent appends the JSON line of e, newline included, to dst. JSON
// text is UTF-8: a byte of Comm, Conn or Lib that is not part of valid UTF-8
// is written as U+FFFD.
func AppendEvent(dst []byte, e *event.Event) []byte {
	dst = append(dst, `{"kind":"`...)
	dst = append(dst, e.Kind.String()...)
	dst = append(dst, `","ts":`...)
	dst = strconv.AppendUint(dst, e.Time, 10)
	dst = append(dst, `,"pid":`...)
	dst = strconv.AppendUint(dst, uint64(e.PID), 10)
	dst = append(dst, `,"tid":`...)
	dst = strconv.AppendUint(dst, uint64(e.TID), 10)
	if e.Comm != "" {
		dst = append(dst, `,"comm":`...)
		dst = appendString(dst, e.Comm)
	}
	dst = append(dst, `,"fd":`...)
	dst = strconv.AppendInt(dst, int64(e.FD), 10)
	if e.Conn != "" {
		dst = append(dst, `,"conn":`...)
		dst = appendString(dst, e.Conn)
	}
	if e.Kind == event.Data {
		dst = append(dst, `,"dir":"`...)
		dst = append(dst, e.Dir.String()...)
		dst = append(dst, '"')
	}
	if e.Src.IsValid() {
		dst = append(dst, `,"src":"`...)
		dst = e.Src.AppendTo(dst)
		dst = append(dst, '"')
	}
	if e.Dst.IsValid() {
		dst = append(dst, `,"dst":"`...)
		dst = e.Dst.AppendTo(dst)
		dst = append(dst, '"')
	}
	if e.Lib != "" {
		dst = append(dst, `,"lib":`...)
		dst = appendString(dst, e.Lib)
	}
	if e.Kind == event.Data {
		dst = append(dst, `,"data":"`...)
		n := fastb64.StdEncoding.EncodedLen(len(e.Data))
		dst = slices.Grow(dst, n)
		fastb64.StdEncoding.Encode(dst[len(dst):len(dst)+n], e.Data)
		dst = dst[:len(dst)+n]
		dst = append(dst, '"')
		if e.OrigLen != 0 {
			dst = append(dst, `,"orig_len":`...)
			dst = strconv.AppendUint(dst, uint64(e.OrigLen), 10)
		}
	}
	return append(dst, "}\n"...)
}
