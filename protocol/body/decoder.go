package body

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// syncMax is how many bytes of a compressed body a Decoder gathers before
// it starts decoding as the bytes arrive. A body that ends sooner — most
// of them — is decoded in one go when it is finished.
const syncMax = 64 << 10

// maxWindow bounds the zstd window a body may ask for (RFC 9659 lets a
// decoder refuse more than 8 MiB).
const maxWindow = 8 << 20

// ErrGap is the decoding error of a body some of whose bytes were not
// captured.
var ErrGap = errors.New("bytes of the body were not captured")

// ErrUnknownCoding is the decoding error of a body whose Content-Encoding
// names a coding this package does not know; the body is kept as it is.
var ErrUnknownCoding = errors.New("unknown content coding")

var errStopped = errors.New("decoding stopped")

// A Decoder decodes the body of one message at a time as its bytes arrive:
// Reset starts a body, Write gives it the next bytes, Finish ends it and
// fills a message.Body.
//
// A compressed body of more than 64 KiB is decoded while it arrives, on a
// coroutine (iter.Pull) that lives from the body's first bytes past that
// size until Finish or Discard; a Decoder must therefore be finished or
// discarded before it is dropped. Decoded bytes beyond Limits.MaxBody are
// never produced. The coroutine only runs within the Decoder's own calls,
// on the caller's behalf. A Decoder is not safe for concurrent use; it is
// meant to be reused, body after body, by the one owner of a stream. The
// zero Decoder has the default limits.
type Decoder struct {
	keep    int64 // decoded bytes kept for display
	keepRaw int64 // wire bytes kept while decoding, for display on error
	max     int64 // decoded bytes produced at most

	encoding string
	ctype    string
	codings  []coding
	codBuf   [maxStack]coding
	size     int64 // wire bytes seen (lost ones included)
	decoded  int64 // bytes the codings produced
	data     []byte
	raw      []byte // wire bytes kept while decoding, shown on error
	err      error
	limited  bool
	lost     bool // a gap cut the body
	done     bool // decoding ended; later bytes are only counted

	pending []byte // compressed bytes gathered before decoding starts
	started bool   // the coroutine runs
	src     source
	next    func() (struct{}, bool)
	stop    func()
}

// source serves the coroutine its input: the bytes of the current Write,
// then a yield back to the writer for more.
type source struct {
	in    []byte
	eof   bool
	yield func(struct{}) bool
}

func (s *source) Read(p []byte) (int, error) {
	for len(s.in) == 0 {
		if s.eof || s.yield == nil {
			return 0, io.EOF
		}
		if !s.yield(struct{}{}) {
			return 0, errStopped
		}
	}
	n := copy(p, s.in)
	s.in = s.in[n:]
	return n, nil
}

// NewDecoder returns a Decoder bounded by l: at most l.MaxBody decoded
// bytes are produced, and l.Display of them kept (l.MaxBody when Display
// is negative). Of a compressed body, the wire bytes are kept too, up to
// the same limit and l.MaxBuffer, to show should decoding fail.
func NewDecoder(l protocol.Limits) *Decoder {
	d := &Decoder{}
	d.SetLimits(l)
	return d
}

// SetLimits changes the limits for the next body.
func (d *Decoder) SetLimits(l protocol.Limits) {
	l = l.WithDefaults()
	d.max = l.MaxBody
	d.keep = int64(l.Keep(int(min(d.max, math.MaxInt))))
	d.keepRaw = min(d.keep, int64(l.MaxBuffer))
}

// maxPrealloc bounds what a size hint may make a Decoder allocate ahead:
// a huge Content-Length costs nothing until its bytes come.
const maxPrealloc = 16 << 10

// Reset discards any body in progress and starts a new one with the given
// Content-Encoding and Content-Type values. sizeHint, when not negative,
// is the body's length on the wire if known (Content-Length); it only
// helps to size buffers.
func (d *Decoder) Reset(encoding, contentType string, sizeHint int64) {
	d.Discard()
	if d.max == 0 {
		d.SetLimits(protocol.Limits{}) // the zero Decoder has the default limits
	}
	d.ctype = contentType
	var unknown string
	d.codings, d.encoding, unknown = parseCodings(encoding, d.codBuf[:0])
	switch {
	case unknown != "":
		d.err = fmt.Errorf("%w %q", ErrUnknownCoding, unknown)
		d.codings = d.codings[:0]
		d.encoding = trimSpace(encoding)
		d.done = true
	case len(d.codings) > maxStack:
		d.err = fmt.Errorf("%d stacked content codings (at most %d)", len(d.codings), maxStack)
		d.codings = d.codings[:0]
		d.done = true
	}
	if len(d.codings) == 0 && sizeHint > 0 {
		d.data = make([]byte, 0, min(sizeHint, d.keep, maxPrealloc))
	}
}

// Write takes the next bytes of the body as they were on the wire (after
// de-chunking). It does not keep p.
func (d *Decoder) Write(p []byte) {
	if len(p) == 0 {
		return
	}
	d.size += int64(len(p))
	if len(d.codings) == 0 {
		if !d.lost {
			d.data = appendKept(d.data, p, d.keep)
		}
		return
	}
	if !d.lost {
		d.raw = appendKept(d.raw, p, d.keepRaw)
	}
	if d.done {
		return
	}
	// Input goes to the codecs in pieces of syncMax bytes: fewer switches to
	// the coroutine, and no codec sees the input dribble in (brotli's
	// reader misreports the end of a stream read a few bytes at a time).
	if len(d.pending) == 0 && len(p) >= syncMax {
		d.push(p)
		return
	}
	for len(p) > 0 && !d.done {
		if len(d.pending) == syncMax {
			d.push(d.pending)
			d.pending = d.pending[:0]
			continue
		}
		n := min(syncMax-len(d.pending), len(p))
		d.pending = append(d.pending, p[:n]...)
		p = p[n:]
	}
}

// Grow says that n more bytes of the body are coming (a chunk's size), so
// that an identity body makes room for them at once, within the display
// limit and 16 KiB.
func (d *Decoder) Grow(n int64) {
	if len(d.codings) > 0 || d.lost || n <= 0 {
		return
	}
	room := d.keep - int64(len(d.data))
	if n = min(n, room, maxPrealloc); n > int64(cap(d.data)-len(d.data)) {
		d.data = slices.Grow(d.data, int(n))
	}
}

// Gap records that n bytes of the body were not captured. Decoding cannot
// go on past them; an identity body keeps what came before.
func (d *Decoder) Gap(n int) {
	if n <= 0 {
		return
	}
	d.size += int64(n)
	d.lost = true
	if len(d.codings) == 0 || d.done {
		return
	}
	// Decode what came before the gap, then stop.
	d.src.eof = true
	if d.started || len(d.pending) > 0 {
		d.push(d.pending)
	}
	d.halt()
	if d.err == nil || errors.Is(d.err, io.ErrUnexpectedEOF) {
		d.err = ErrGap
	}
}

// Size returns how many bytes of the body have been written so far.
func (d *Decoder) Size() int64 { return d.size }

// Finish ends the body and fills b with it (a new Body when b is nil),
// sets m.Body to it and adds a Limit note to m when the decoded size
// reached the max-body limit. m.Partial says whether the body is cut: a
// cut compressed body shows what decoded without reporting its missing end
// as an error. A body that failed to decode shows its wire bytes with Err
// set. Finish returns b; the Decoder is ready for Reset.
func (d *Decoder) Finish(m *message.Message, b *message.Body) *message.Body {
	if b == nil {
		b = new(message.Body)
	}
	if len(d.codings) > 0 && !d.done {
		d.src.eof = true
		if d.started || len(d.pending) > 0 {
			d.push(d.pending)
		}
		d.done = true
	}
	*b = message.Body{
		Size:        d.size,
		Encoding:    d.encoding,
		ContentType: d.ctype,
	}
	err := d.err
	if m.Partial && (errors.Is(err, io.ErrUnexpectedEOF) || err == ErrGap) {
		err = nil
	}
	switch {
	case len(d.codings) == 0:
		b.Data = d.data
		if d.encoding == "" {
			b.DecodedSize = d.size // identity: nothing to undo
		} // else a coding that cannot be undone: nothing was decoded
		d.data = nil
	case err != nil:
		b.Data = d.raw
		b.DecodedSize = d.decoded
		d.raw = nil
	default:
		b.Data = d.data
		b.DecodedSize = d.decoded
		d.data = nil
	}
	if err != nil {
		if len(d.codings) > 0 {
			b.Err = fmt.Sprintf("decoding %s: %v", d.encoding, err)
		} else {
			b.Err = err.Error()
		}
	}
	if b.Err == "" {
		b.Cut = b.DecodedSize - int64(len(b.Data))
	} else {
		b.Cut = b.Size - int64(len(b.Data))
	}
	if b.Cut < 0 {
		b.Cut = 0
	}
	b.Binary = Binary(d.ctype, b.Data)
	if d.limited {
		m.AddNote(message.Limit, "content decoding stopped at the max-body limit (%d bytes)", d.max)
	}
	m.Body = b
	d.reset()
	return b
}

// Discard drops the body in progress, if any, and ends its coroutine.
func (d *Decoder) Discard() {
	if d.started {
		d.halt()
	}
	d.reset()
}

func (d *Decoder) reset() {
	d.data = nil
	d.encoding, d.ctype = "", ""
	d.codings = d.codings[:0]
	d.size, d.decoded = 0, 0
	d.err = nil
	d.limited, d.lost, d.done = false, false, false
	// Small buffers are kept for the next body; big ones go, so that an
	// idle connection does not hold on to them.
	d.raw = reuse(d.raw)
	d.pending = reuse(d.pending)
	d.src = source{}
}

// keepCap is the capacity of a buffer that a Decoder keeps between bodies.
const keepCap = 4 << 10

func reuse(b []byte) []byte {
	if cap(b) > keepCap {
		return nil
	}
	return b[:0]
}

// push hands p to the codecs and lets them decode until they need more
// input or end. The first push of a body that is not yet at its end
// (src.eof unset) starts the coroutine; a body that ends before needing
// one is decoded straight through.
func (d *Decoder) push(p []byte) {
	d.src.in = p
	switch {
	case d.started:
		if _, ok := d.next(); !ok {
			d.halt()
		}
	case d.src.eof:
		d.run(nil)
	default:
		d.started = true
		d.next, d.stop = iter.Pull(d.run)
		if _, ok := d.next(); !ok {
			d.halt()
		}
	}
	d.src.in = nil
}

// halt ends decoding: the coroutine, if any, is stopped.
func (d *Decoder) halt() {
	if d.started {
		d.stop()
		d.started = false
		d.next, d.stop = nil, nil
	}
	d.done = true
}

// run decodes the input of d.src into d's output until the end of the
// codings' stream, an error, or the max-body limit. It is the body of the
// coroutine (yield set) or runs straight through on all the input (yield
// nil).
func (d *Decoder) run(yield func(struct{}) bool) {
	d.src.yield = yield
	bufs := getBuffers(&d.src)
	var closers [maxStack]func()
	nc := 0
	defer func() {
		if p := recover(); p != nil {
			d.err = fmt.Errorf("decoder failed: %v", p)
		}
		for i := nc - 1; i >= 0; i-- {
			closers[i]()
		}
		putBuffers(bufs)
		d.done = true
	}()
	var r io.Reader = bufs.in
	for i := len(d.codings) - 1; i >= 0; i-- {
		var br *bufio.Reader
		if i == len(d.codings)-1 {
			br = bufs.in
		} else {
			br = bufio.NewReaderSize(r, 4096)
		}
		next, closer, err := open(d.codings[i], br)
		if closer != nil {
			closers[nc] = closer
			nc++
		}
		if err != nil {
			d.setErr(err)
			return
		}
		r = next
	}
	buf := bufs.out
	for {
		want := int64(len(buf))
		if room := d.max - d.decoded + 1; room < want {
			want = room
		}
		n, err := r.Read(buf[:want])
		if n > 0 {
			d.sink(buf[:n])
			if d.decoded > d.max {
				d.decoded = d.max
				d.limited = true
				return
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			d.setErr(err)
			return
		}
	}
}

func (d *Decoder) setErr(err error) {
	if err == errStopped || d.err != nil {
		return
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	d.err = err
}

// sink takes decoded bytes.
func (d *Decoder) sink(p []byte) {
	d.decoded += int64(len(p))
	d.data = appendKept(d.data, p, d.keep)
}

// appendKept appends as much of p to b as keeps len(b) within keep.
func appendKept(b, p []byte, keep int64) []byte {
	room := keep - int64(len(b))
	if room <= 0 {
		return b
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	return append(b, p...)
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// buffers are the reusable buffers of one decoding run.
type buffers struct {
	in  *bufio.Reader
	out []byte
}

var bufPool = sync.Pool{New: func() any {
	return &buffers{in: bufio.NewReaderSize(nil, 16<<10), out: make([]byte, 32<<10)}
}}

func getBuffers(src io.Reader) *buffers {
	b := bufPool.Get().(*buffers)
	b.in.Reset(src)
	return b
}

func putBuffers(b *buffers) {
	b.in.Reset(nil)
	bufPool.Put(b)
}

var (
	gzipPool   sync.Pool // *gzip.Reader
	zlibPool   sync.Pool // io.ReadCloser that is a zlib.Resetter
	flatePool  sync.Pool // io.ReadCloser that is a flate.Resetter
	brotliPool sync.Pool // *brotli.Reader
	zstdPool   sync.Pool // *zstd.Decoder
)

// open returns a reader that undoes c on r, and a func that returns the
// reader to its pool.
func open(c coding, r *bufio.Reader) (io.Reader, func(), error) {
	switch c {
	case codingGzip:
		z, _ := gzipPool.Get().(*gzip.Reader)
		if z == nil {
			z = new(gzip.Reader)
		}
		put := func() { gzipPool.Put(z) }
		if err := z.Reset(r); err != nil {
			return nil, put, err
		}
		return z, put, nil
	case codingDeflate:
		// "deflate" is zlib (RFC 9110), but servers send raw deflate too:
		// a valid zlib header tells them apart.
		h, err := r.Peek(2)
		if err != nil {
			if err == io.EOF && len(h) == 0 {
				return eofReader{}, nil, nil
			}
			return nil, nil, err
		}
		if isZlibHeader(h[0], h[1]) {
			if z, _ := zlibPool.Get().(io.ReadCloser); z != nil {
				put := func() { zlibPool.Put(z) }
				if err := z.(zlib.Resetter).Reset(r, nil); err != nil {
					return nil, put, err
				}
				return z, put, nil
			}
			z, err := zlib.NewReader(r)
			if err != nil {
				return nil, nil, err
			}
			return z, func() { zlibPool.Put(z) }, nil
		}
		if f, _ := flatePool.Get().(io.ReadCloser); f != nil {
			if err := f.(flate.Resetter).Reset(r, nil); err != nil {
				return nil, func() { flatePool.Put(f) }, err
			}
			return f, func() { flatePool.Put(f) }, nil
		}
		f := flate.NewReader(r)
		return f, func() { flatePool.Put(f) }, nil
	case codingBrotli:
		b, _ := brotliPool.Get().(*brotli.Reader)
		if b == nil {
			b = brotli.NewReader(r)
		} else if err := b.Reset(r); err != nil {
			return nil, func() { brotliPool.Put(b) }, err
		}
		return brotliReader{b}, func() { brotliPool.Put(b) }, nil
	case codingZstd:
		z, _ := zstdPool.Get().(*zstd.Decoder)
		if z == nil {
			var err error
			z, err = zstd.NewReader(nil,
				zstd.WithDecoderConcurrency(1),
				zstd.WithDecoderLowmem(true),
				zstd.WithDecoderMaxWindow(maxWindow),
				zstd.WithDecoderMaxMemory(maxWindow))
			if err != nil {
				return nil, nil, err
			}
		}
		put := func() {
			z.Reset(nil)
			zstdPool.Put(z)
		}
		if err := z.Reset(r); err != nil {
			return nil, put, err
		}
		return z, put, nil
	}
	return nil, nil, fmt.Errorf("coding %d: %w", c, ErrUnknownCoding)
}

// isZlibHeader reports whether cmf, flg start a zlib stream: deflate with
// a window of at most 32 KiB and a valid header check.
func isZlibHeader(cmf, flg byte) bool {
	return cmf&0x0f == 8 && cmf>>4 <= 7 && (uint16(cmf)<<8|uint16(flg))%31 == 0
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

var decoderPool = sync.Pool{New: func() any { return new(Decoder) }}

// Decode decodes a whole body p with the given Content-Encoding and
// Content-Type values under the limits l, as a Decoder's Reset, Write and
// Finish would, and returns the Body it set on m. It does not keep p.
func Decode(m *message.Message, p []byte, encoding, contentType string, l protocol.Limits) *message.Body {
	d := decoderPool.Get().(*Decoder)
	d.SetLimits(l)
	d.Reset(encoding, contentType, int64(len(p)))
	d.Write(p)
	b := d.Finish(m, nil)
	decoderPool.Put(d)
	return b
}

// brotliReader works around andybalholm/brotli reporting "excessive input"
// at the end of a well-formed stream whose last bytes were read in small
// pieces: the output is complete by then, so the end is taken as EOF. Real
// trailing garbage after a brotli stream goes unreported.
type brotliReader struct{ r *brotli.Reader }

func (b brotliReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err.Error() == "brotli: excessive input" {
		err = io.EOF
	}
	return n, err
}
