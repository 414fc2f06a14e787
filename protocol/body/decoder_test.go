package body

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// encode applies the codings named by ce (a Content-Encoding value) to p,
// in header order.
func encode(t testing.TB, ce string, p []byte) []byte {
	t.Helper()
	for tok := range strings.SplitSeq(ce, ",") {
		tok = strings.TrimSpace(tok)
		var b bytes.Buffer
		var w io.WriteCloser
		switch tok {
		case "gzip", "x-gzip":
			w = gzip.NewWriter(&b)
		case "deflate":
			w = zlib.NewWriter(&b)
		case "rawdeflate":
			w, _ = flate.NewWriter(&b, flate.DefaultCompression)
		case "br":
			w = brotli.NewWriter(&b)
		case "zstd":
			var err error
			w, err = zstd.NewWriter(&b)
			if err != nil {
				t.Fatal(err)
			}
		case "identity", "":
			continue
		default:
			t.Fatalf("encode: unknown coding %q", tok)
		}
		if _, err := w.Write(p); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		p = b.Bytes()
	}
	return p
}

// text returns n bytes of JSON-ish text that compresses, but not to
// nothing, so that big bodies stay big on the wire.
func text(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `{"id":%d,"name":"item-%x","score":%d},`+"\n", i, r.Uint64(), r.IntN(1e6))
	}
	return b.Bytes()[:n]
}

// feed writes p to d in pieces: 0 means whole, 1 byte by byte, else random
// pieces of at most that size.
func feed(d *Decoder, p []byte, piece int, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 7))
	for len(p) > 0 {
		n := len(p)
		switch {
		case piece == 1:
			n = 1
		case piece > 1:
			n = min(n, 1+r.IntN(piece))
		}
		d.Write(p[:n])
		p = p[n:]
	}
}

func TestDecodeCodings(t *testing.T) {
	small := []byte(`{"hello":"world","list":[1,2,3]}`)
	big := text(300 << 10) // compressed, still more than syncMax
	tests := []struct {
		ce, wire string // wire: what to encode with, when it differs
		want     string // Body.Encoding
		data     []byte
	}{
		{ce: "", want: "", data: small},
		{ce: "identity", want: "", data: small},
		{ce: "gzip", want: "gzip", data: small},
		{ce: "x-gzip", want: "gzip", data: small},
		{ce: "GZIP", wire: "gzip", want: "gzip", data: small},
		{ce: "deflate", want: "deflate", data: small},
		{ce: "deflate", wire: "rawdeflate", want: "deflate", data: small},
		{ce: "br", want: "br", data: small},
		{ce: "zstd", want: "zstd", data: small},
		{ce: "gzip, br", want: "gzip, br", data: small},
		{ce: "deflate,gzip", want: "deflate, gzip", data: small},
		{ce: "zstd, identity, br", want: "zstd, br", data: small},
		{ce: "gzip, gzip", want: "gzip, gzip", data: small},
		{ce: "gzip", want: "gzip", data: big},
		{ce: "deflate", want: "deflate", data: big},
		{ce: "deflate", wire: "rawdeflate", want: "deflate", data: big},
		{ce: "br", want: "br", data: big},
		{ce: "zstd", want: "zstd", data: big},
		{ce: "br, gzip", want: "br, gzip", data: big},
		{ce: "gzip", want: "gzip", data: nil},
	}
	for _, tt := range tests {
		wire := tt.wire
		if wire == "" {
			wire = tt.ce
		}
		enc := encode(t, wire, tt.data)
		if tt.data == nil {
			enc = nil
		}
		for _, piece := range []int{0, 1, 1000, 20000} {
			if piece == 1 && len(enc) > 100000 {
				continue
			}
			name := fmt.Sprintf("%s/%d/piece%d", tt.ce, len(tt.data), piece)
			t.Run(name, func(t *testing.T) {
				d := NewDecoder(protocol.Limits{})
				d.Reset(tt.ce, "application/json", int64(len(enc)))
				feed(d, enc, piece, uint64(len(enc)))
				var m message.Message
				b := d.Finish(&m, nil)
				if b.Err != "" {
					t.Fatalf("Err = %q", b.Err)
				}
				if !bytes.Equal(b.Data, tt.data) {
					t.Errorf("Data = %d bytes %.40q; want %d bytes %.40q", len(b.Data), b.Data, len(tt.data), tt.data)
				}
				if b.Size != int64(len(enc)) || b.DecodedSize != int64(len(tt.data)) || b.Cut != 0 {
					t.Errorf("Size, DecodedSize, Cut = %d, %d, %d; want %d, %d, 0", b.Size, b.DecodedSize, b.Cut, len(enc), len(tt.data))
				}
				if b.Encoding != tt.want {
					t.Errorf("Encoding = %q; want %q", b.Encoding, tt.want)
				}
				if b.Binary || len(m.Notes) > 0 || m.Body != b {
					t.Errorf("Binary = %v, Notes = %v, m.Body set %v", b.Binary, m.Notes, m.Body == b)
				}
			})
		}
	}
}

// TestDecoderReuse decodes bodies of every coding one after another with
// one Decoder.
func TestDecoderReuse(t *testing.T) {
	d := NewDecoder(protocol.Limits{})
	for i, ce := range []string{"gzip", "br", "", "zstd", "deflate", "gzip", "br, gzip"} {
		want := text(1000 + i*150000)
		enc := encode(t, ce, want)
		d.Reset(ce, "", -1)
		feed(d, enc, 9000, uint64(i))
		var m message.Message
		b := d.Finish(&m, nil)
		if b.Err != "" || !bytes.Equal(b.Data, want) {
			t.Errorf("body %d (%q): Err %q, got %d bytes; want %d", i, ce, b.Err, len(b.Data), len(want))
		}
	}
}

func TestDisplayLimit(t *testing.T) {
	data := text(200 << 10)
	for _, ce := range []string{"", "gzip"} {
		d := NewDecoder(protocol.Limits{Display: 100})
		enc := encode(t, ce, data)
		d.Reset(ce, "text/plain", -1)
		feed(d, enc, 5000, 1)
		var m message.Message
		b := d.Finish(&m, nil)
		if !bytes.Equal(b.Data, data[:100]) || b.Cut != int64(len(data)-100) || b.DecodedSize != int64(len(data)) {
			t.Errorf("%q: Data %.20q (%d), Cut %d, DecodedSize %d; want first 100, Cut %d", ce, b.Data, len(b.Data), b.Cut, b.DecodedSize, len(data)-100)
		}
		if len(m.Notes) != 0 {
			t.Errorf("%q: Notes = %v; want none", ce, m.Notes)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	plain := []byte("hello, hello, hello, hello, world")
	gz := encode(t, "gzip", plain)
	corrupt := bytes.Clone(gz)
	corrupt[len(corrupt)-6] ^= 0xff // CRC
	garbage := bytes.Clone(gz)
	for i := 10; i < 20 && i < len(garbage); i++ {
		garbage[i] = 0xff
	}
	tests := []struct {
		name    string
		ce      string
		wire    []byte
		partial bool
		err     string // substring of Body.Err; "" for none
		data    []byte
	}{
		{"unknown coding", "compress", plain, false, `unknown content coding "compress"`, plain},
		{"unknown in stack", "gzip, foo", gz, false, `unknown content coding "foo"`, gz},
		{"bad header", "gzip", plain, false, "decoding gzip", plain},
		{"crc", "gzip", corrupt, false, "decoding gzip", corrupt},
		{"corrupt data", "gzip", garbage, false, "decoding gzip", garbage},
		{"truncated", "gzip", gz[:len(gz)-10], false, "unexpected EOF", gz[:len(gz)-10]},
		{"truncated partial", "gzip", gz[:len(gz)-10], true, "", plain},
		{"trailing garbage", "gzip", append(bytes.Clone(gz), "xyz"...), false, "decoding gzip", append(bytes.Clone(gz), "xyz"...)},
		{"bad br", "br", plain, false, "decoding br", plain},
		{"bad zstd", "zstd", plain, false, "decoding zstd", plain},
		{"bad deflate", "deflate", []byte{0x78, 0x9c, 0xff, 0xff, 0xff}, false, "decoding deflate", []byte{0x78, 0x9c, 0xff, 0xff, 0xff}},
		{"too many codings", "gzip, gzip, gzip, gzip, gzip", plain, false, "stacked", plain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, piece := range []int{0, 1} {
				d := NewDecoder(protocol.Limits{})
				d.Reset(tt.ce, "", -1)
				feed(d, tt.wire, piece, 1)
				m := message.Message{Partial: tt.partial}
				b := d.Finish(&m, nil)
				if tt.err == "" && b.Err != "" || !strings.Contains(b.Err, tt.err) {
					t.Errorf("piece %d: Err = %q; want %q", piece, b.Err, tt.err)
				}
				if tt.partial {
					// A cut body shows what decoded before the cut.
					if !bytes.HasPrefix(tt.data, b.Data) {
						t.Errorf("piece %d: Data = %q; want a prefix of %q", piece, b.Data, tt.data)
					}
				} else if !bytes.Equal(b.Data, tt.data) {
					t.Errorf("piece %d: Data = %q; want %q", piece, b.Data, tt.data)
				}
				if b.Size != int64(len(tt.wire)) {
					t.Errorf("piece %d: Size = %d; want %d", piece, b.Size, len(tt.wire))
				}
				// A coding that cannot be undone decodes nothing; a
				// failed decoding counts what it decoded, at most the
				// max-body limit.
				if undone := strings.Contains(tt.err, "unknown") || strings.Contains(tt.err, "stacked"); undone && b.DecodedSize != 0 {
					t.Errorf("piece %d: DecodedSize = %d; want 0 (nothing decoded)", piece, b.DecodedSize)
				}
			}
		})
	}
}

// TestUndecodedLargeBody checks that a body in a coding tapir cannot undo,
// larger than the max-body limit, is kept as it came (up to the display
// limit) with no decoded size: the limit bounds decoding, which never ran.
func TestUndecodedLargeBody(t *testing.T) {
	wire := bytes.Repeat([]byte("0"), 10000)
	d := NewDecoder(protocol.Limits{MaxBody: 2048, Display: 300})
	d.Reset("x-custom", "", int64(len(wire)))
	d.Write(wire)
	var m message.Message
	b := d.Finish(&m, nil)
	if b.DecodedSize != 0 || b.Size != 10000 || len(b.Data) != 300 || b.Cut != 9700 || b.Encoding != "x-custom" ||
		!strings.Contains(b.Err, `unknown content coding "x-custom"`) {
		t.Errorf("DecodedSize %d, Size %d, Data %d, Cut %d, Encoding %q, Err %q; want 0, 10000, 300, 9700, x-custom, unknown coding",
			b.DecodedSize, b.Size, len(b.Data), b.Cut, b.Encoding, b.Err)
	}
}

func TestGap(t *testing.T) {
	data := text(1000)
	for _, ce := range []string{"", "gzip"} {
		enc := encode(t, ce, data)
		d := NewDecoder(protocol.Limits{})
		d.Reset(ce, "", -1)
		d.Write(enc[:len(enc)/2])
		d.Gap(10)
		d.Write(enc[len(enc)/2+10:])
		m := message.Message{Partial: true}
		b := d.Finish(&m, nil)
		if b.Size != int64(len(enc)) {
			t.Errorf("%q: Size = %d; want %d", ce, b.Size, len(enc))
		}
		if len(b.Data) == 0 || !bytes.HasPrefix(data, b.Data) || ce == "" && b.Cut == 0 {
			t.Errorf("%q: Data %d bytes, Cut %d; want a prefix and a cut", ce, len(b.Data), b.Cut)
		}
		m = message.Message{}
		d.Reset(ce, "", -1)
		d.Write(enc[:len(enc)/2])
		d.Gap(10)
		if b := d.Finish(&m, nil); ce != "" && !strings.Contains(b.Err, "not captured") {
			t.Errorf("%q: Err = %q; want the gap", ce, b.Err)
		}
	}
}

// bomb returns a Content-Encoding and a body that decodes to n zeros:
// concatenated members (gzip) or frames (zstd) of 1 MiB each, or a single
// stream.
func bomb(t testing.TB, ce string, n int) []byte {
	unit := encode(t, ce, make([]byte, 1<<20))
	return bytes.Repeat(unit, n>>20)
}

func TestBomb(t *testing.T) {
	const limit = 1 << 20
	tests := []struct {
		ce   string
		wire []byte
	}{
		{"gzip", bomb(t, "gzip", 1<<30)}, // 1 GiB of zeros in ~1 MB
		{"zstd", bomb(t, "zstd", 1<<30)}, // frames
		{"br", encode(t, "br", make([]byte, 16<<20))},
		{"deflate", encode(t, "deflate", make([]byte, 16<<20))},
		{"gzip, gzip", encode(t, "gzip, gzip", make([]byte, 16<<20))},
	}
	for _, tt := range tests {
		t.Run(tt.ce, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			d := NewDecoder(protocol.Limits{MaxBody: limit, Display: 1000})
			d.Reset(tt.ce, "", -1)
			feed(d, tt.wire, 64<<10, 3)
			var m message.Message
			b := d.Finish(&m, nil)
			runtime.ReadMemStats(&after)
			if b.DecodedSize != limit || b.Err != "" || len(b.Data) != 1000 || b.Size != int64(len(tt.wire)) {
				t.Errorf("DecodedSize %d, Err %q, Data %d, Size %d; want %d, none, 1000, %d", b.DecodedSize, b.Err, len(b.Data), b.Size, limit, len(tt.wire))
			}
			want := []message.Note{{Kind: message.Limit, Text: "content decoding stopped at the max-body limit (1048576 bytes)"}}
			if diff := cmp.Diff(want, m.Notes); diff != "" {
				t.Errorf("Notes (-want +got):\n%s", diff)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 24<<20 {
				t.Errorf("decoding allocated %d bytes; want far less than the bomb", alloc)
			}
		})
	}
}

// TestDiscardEndsCoroutine checks that a body dropped mid-stream leaves no
// goroutine behind.
func TestDiscardEndsCoroutine(t *testing.T) {
	enc := encode(t, "gzip", text(1<<20))
	n := runtime.NumGoroutine()
	var ds []*Decoder
	for range 10 {
		d := NewDecoder(protocol.Limits{})
		d.Reset("gzip", "", -1)
		d.Write(enc[:len(enc)/2])
		ds = append(ds, d)
	}
	if runtime.NumGoroutine() < n+10 {
		t.Fatalf("expected a coroutine per body in progress")
	}
	for _, d := range ds {
		d.Discard()
	}
	if got := runtime.NumGoroutine(); got > n {
		t.Errorf("%d goroutines after Discard; want %d", got, n)
	}
}

func TestDecode(t *testing.T) {
	want := []byte("<html>hi</html>")
	var m message.Message
	b := Decode(&m, encode(t, "br", want), "br", "text/html; charset=utf-8", protocol.Limits{})
	if !bytes.Equal(b.Data, want) || b.ContentType != "text/html; charset=utf-8" || b.Binary || m.Body != b {
		t.Errorf("Decode = %+v", b)
	}
}

func BenchmarkDecode(b *testing.B) {
	data := text(256 << 10)
	for _, ce := range []string{"identity", "gzip", "br", "zstd"} {
		enc := encode(b, ce, data)
		b.Run(ce, func(b *testing.B) {
			d := NewDecoder(protocol.Limits{})
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				d.Reset(ce, "application/json", -1)
				for p := enc; len(p) > 0; {
					n := min(len(p), 16<<10)
					d.Write(p[:n])
					p = p[n:]
				}
				var m message.Message
				d.Finish(&m, nil)
			}
		})
	}
}
