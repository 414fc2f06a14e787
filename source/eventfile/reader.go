package eventfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/source"
)

// DefaultMaxLine is the longest line a Reader accepts by default: a data
// event with a 16 MiB payload, whose base64 is about 21.3 MiB, and room
// for its other fields.
const DefaultMaxLine = 23 << 20

// Options configure a Reader. The zero value, like a nil *Options, means
// the defaults.
type Options struct {
	// Strict makes Next return the first bad line as a *LineError, which
	// ends the reader. By default a bad line is counted, handed to
	// OnError and skipped.
	Strict bool
	// OnError, when not nil, receives each bad line's *LineError when
	// Strict is false. It is called from Next, and must not call the
	// Reader's Next or Close.
	OnError func(error)
	// MaxLine is the longest line accepted, in bytes, newline excluded;
	// 0 means DefaultMaxLine. A longer line is a bad line whose rest is
	// skipped without being buffered.
	MaxLine int
}

// Reader reads events from an event file (EVENTS.md). It implements
// source.Source.
//
// The *event.Event returned by Next, and its Data, are reused: they are
// valid only until the next call to Next. Next and Close may be called from
// different goroutines; Lines, Bad, Pos and Size may be called from any
// goroutine at any time (a progress bar reads them while Next runs).
type Reader struct {
	name    string
	strict  bool
	onError func(error)
	maxLine int
	size    int64

	count  countingReader // the underlying stream, counted for Pos
	src    io.Reader      // the decompressed stream
	file   io.Closer      // closed by Close; nil for NewReader
	gz     *gzip.Reader
	zd     *zstd.Decoder
	closed atomic.Bool
	lines  atomic.Int64
	bad    atomic.Int64

	mu       sync.Mutex // held by Next
	buf      []byte
	start    int // first byte of the next line
	scan     int // where to look for the next newline
	end      int // end of the bytes read
	line     int // number of the last line taken from buf
	skipping bool
	eof      bool
	readErr  error // the error that ended the input, reported after its complete lines
	err      error // sticky: returned by every Next once set
	ev       event.Event
	dec      *decoder
}

var _ source.Source = (*Reader)(nil)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Magic numbers of the compressed formats, for standard input.
var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// Open opens the event file at path for reading. A ".gz" suffix means gzip,
// ".zst" zstd; "-" is standard input, whose compression, if any, is told
// from its first bytes, and which Close closes. Line errors name the file
// path, or "stdin".
func Open(path string, opts *Options) (*Reader, error) {
	var (
		f    *os.File
		name = path
		err  error
	)
	if path == "-" {
		f, name = os.Stdin, "stdin"
	} else if f, err = os.Open(path); err != nil {
		return nil, err
	}
	r := newReader(name, opts)
	r.file = f
	r.count.r = f
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		r.size = fi.Size()
	}

	var stream io.Reader = &r.count
	compressed := ""
	switch {
	case path == "-":
		// Sniff the magic number, then put it back in front.
		head := make([]byte, 4)
		n, err := io.ReadFull(stream, head)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		head = head[:n]
		stream = io.MultiReader(bytes.NewReader(head), stream)
		if bytes.HasPrefix(head, gzipMagic) {
			compressed = "gzip"
		} else if bytes.HasPrefix(head, zstdMagic) {
			compressed = "zstd"
		}
	case strings.HasSuffix(path, ".gz"):
		compressed = "gzip"
	case strings.HasSuffix(path, ".zst"):
		compressed = "zstd"
	}
	switch compressed {
	case "gzip":
		// The decompressors read in small pieces: give them a buffer.
		r.gz, err = gzip.NewReader(bufio.NewReaderSize(stream, 256<<10))
		r.src = r.gz
	case "zstd":
		r.zd, err = zstd.NewReader(bufio.NewReaderSize(stream, 256<<10), zstd.WithDecoderLowmem(false))
		r.src = r.zd
	default:
		r.src = stream
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	return r, nil
}

// NewReader returns a Reader of the uncompressed event lines of rd; name is
// used in line errors. Size reports -1 unless rd is a regular *os.File.
// Close does not close rd.
func NewReader(rd io.Reader, name string, opts *Options) *Reader {
	r := newReader(name, opts)
	r.count.r = rd
	r.src = &r.count
	if f, ok := rd.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			r.size = fi.Size()
		}
	}
	return r
}

func newReader(name string, opts *Options) *Reader {
	if opts == nil {
		opts = &Options{}
	}
	r := &Reader{
		name:    name,
		strict:  opts.Strict,
		onError: opts.OnError,
		maxLine: opts.MaxLine,
		size:    -1,
		dec:     newDecoder(),
	}
	if r.maxLine <= 0 {
		r.maxLine = DefaultMaxLine
	}
	return r
}

// Name returns the name used in line errors.
func (r *Reader) Name() string { return r.name }

// Lines returns how many lines have been read, blank and bad ones included.
func (r *Reader) Lines() int64 { return r.lines.Load() }

// Bad returns how many lines were bad: reported as *LineError.
func (r *Reader) Bad() int64 { return r.bad.Load() }

// Pos returns how many bytes of the underlying file have been read, before
// decompression: with Size, the progress of the reader. It runs ahead of
// the events returned by up to a buffer's worth.
func (r *Reader) Pos() int64 { return r.count.n.Load() }

// Size returns the size of the underlying file, or -1 when it is not known
// (standard input, a pipe, a stream given to NewReader).
func (r *Reader) Size() int64 { return r.size }

// Next returns the next event; see the Reader's doc for how long it stays
// valid. At the end of input it returns io.EOF. A bad line is counted and
// skipped, or with Options.Strict returned as a *LineError. A read error,
// such as a truncated compressed stream, is returned after the complete
// lines before it. Once Next has returned an error it returns it again;
// after Close it returns ErrClosed.
func (r *Reader) Next() (*event.Event, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		return nil, ErrClosed
	}
	if r.err != nil {
		return nil, r.err
	}
	for {
		line, err := r.nextLine()
		if err != nil {
			if !errors.Is(err, ErrLineTooLong) {
				r.err = err
				return nil, err
			}
		} else {
			if len(line) == 0 || line[0] != '{' && skipWS(line, 0) == len(line) {
				continue // blank
			}
			if err = r.dec.decode(line, &r.ev); err == nil {
				return &r.ev, nil
			}
		}
		lerr := &LineError{File: r.name, Line: r.line, Err: err}
		r.bad.Add(1)
		if r.strict {
			r.err = lerr
			return nil, lerr
		}
		if r.onError != nil {
			r.onError(lerr)
		}
	}
}

// nextLine returns the next line, without its newline. It returns an error
// wrapping ErrLineTooLong for a line over the limit (the line number is
// r.line), io.EOF at the end of input, or the read error that ended it.
func (r *Reader) nextLine() ([]byte, error) {
	for {
		if k := bytes.IndexByte(r.buf[r.scan:r.end], '\n'); k >= 0 {
			k += r.scan
			line := r.buf[r.start:k]
			r.start, r.scan = k+1, k+1
			if r.skipping {
				// The end of a line too long, already counted.
				r.skipping = false
				continue
			}
			r.line++
			r.lines.Add(1)
			return line, nil
		}
		r.scan = r.end
		if r.skipping {
			r.start, r.scan, r.end = 0, 0, 0
		}
		if r.end-r.start > r.maxLine {
			r.line++
			r.lines.Add(1)
			r.skipping = true
			r.start, r.scan, r.end = 0, 0, 0
			return nil, fmt.Errorf("%w: longer than %d bytes", ErrLineTooLong, r.maxLine)
		}
		if r.eof {
			if r.readErr != nil {
				// A last line without its newline is most likely cut.
				return nil, r.readErr
			}
			if r.start < r.end {
				line := r.buf[r.start:r.end]
				r.start, r.scan = r.end, r.end
				r.line++
				r.lines.Add(1)
				return line, nil
			}
			return nil, io.EOF
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}

// readSize is the buffer's size unless a longer line grows it. Small
// enough to stay in a core's cache between the read that fills it and the
// decoder that reads it: tapir read of the keep-alive file takes 4% less
// time with 256 KiB than with 1 MiB, and 10% less than with 4 MiB.
const readSize = 256 << 10

// fill moves the partial line to the front of the buffer, grows the buffer
// if the line fills it, and reads more.
func (r *Reader) fill() error {
	if r.start > 0 {
		n := copy(r.buf, r.buf[r.start:r.end])
		r.scan -= r.start
		r.start, r.end = 0, n
	}
	if r.end == len(r.buf) {
		// The buffer must hold a line of maxLine bytes and its newline.
		size := min(max(2*len(r.buf), readSize), r.maxLine+1)
		buf := make([]byte, size)
		copy(buf, r.buf[:r.end])
		r.buf = buf
	}
	for tries := 0; tries < 100; tries++ {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if err != nil {
			r.eof = true
			if err != io.EOF {
				if r.closed.Load() {
					err = ErrClosed
				}
				r.readErr = fmt.Errorf("read %s: %w", r.name, err)
			}
			return nil
		}
		if n > 0 {
			return nil
		}
	}
	return fmt.Errorf("read %s: %w", r.name, io.ErrNoProgress)
}

// Close closes the file opened by Open and releases the decompressor; a
// pending Next returns. It is safe to call more than once.
func (r *Reader) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	var err error
	if r.file != nil {
		err = r.file.Close()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.zd != nil {
		r.zd.Close()
	}
	if r.gz != nil {
		r.gz.Close()
	}
	return err
}
