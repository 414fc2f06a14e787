package body

import (
	"testing"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// FuzzDecode decodes arbitrary bytes under every coding, in pieces, and
// checks the limits hold.
func FuzzDecode(f *testing.F) {
	for _, ce := range []string{"gzip", "deflate", "rawdeflate", "br", "zstd", "gzip, br"} {
		f.Add(encode(f, ce, []byte("hello, hello, hello")), uint8(7), uint8(len(ce)))
	}
	codings := []string{"", "gzip", "deflate", "br", "zstd", "gzip, br", "br, zstd", "x-unknown"}
	f.Fuzz(func(t *testing.T, wire []byte, piece, which uint8) {
		l := protocol.Limits{MaxBody: 4096, Display: 100}
		d := NewDecoder(l)
		d.Reset(codings[int(which)%len(codings)], "", -1)
		step := max(int(piece), 1)
		for p := wire; len(p) > 0; {
			n := min(step, len(p))
			d.Write(p[:n])
			p = p[n:]
		}
		var m message.Message
		b := d.Finish(&m, nil)
		if len(b.Data) > 100 || b.DecodedSize > 4096 || b.Size != int64(len(wire)) || b.Cut < 0 {
			t.Fatalf("Data %d, DecodedSize %d, Size %d of %d, Cut %d", len(b.Data), b.DecodedSize, b.Size, len(wire), b.Cut)
		}
	})
}
