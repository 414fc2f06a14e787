package http2

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/net/http2/hpack"
)

// TestStaticTable checks the static table against x/net's encoder: each
// entry alone encodes as its index.
func TestStaticTable(t *testing.T) {
	for i, f := range staticTable {
		var b bytes.Buffer
		e := hpack.NewEncoder(&b)
		e.WriteField(hpack.HeaderField{Name: f.Name, Value: f.Value})
		if f.Value == "" {
			// Without a value the encoder may not index; the name must
			// still resolve to this index.
			if got := b.Bytes()[0] & 0x3f; b.Bytes()[0]&0x80 == 0 && int(got) != i+1 {
				t.Errorf("entry %d %q: encoded %x", i+1, f.Name, b.Bytes())
			}
			continue
		}
		if want := []byte{0x80 | byte(i+1)}; !bytes.Equal(b.Bytes(), want) {
			t.Errorf("entry %d %q=%q: encoded %x; want %x", i+1, f.Name, f.Value, b.Bytes(), want)
		}
	}
}

// randomFields returns a header list that reuses names and values, so
// that the encoder's dynamic table is used and evicts.
func randomFields(r *rand.Rand) []hpack.HeaderField {
	names := []string{":method", ":path", ":authority", "user-agent", "cookie", "x-request-id", "accept", "x-trace", "content-type"}
	var fs []hpack.HeaderField
	for range 1 + r.IntN(12) {
		n := names[r.IntN(len(names))]
		v := fmt.Sprintf("v%d", r.IntN(40))
		if r.IntN(6) == 0 {
			v = strings.Repeat("z", r.IntN(600))
		}
		fs = append(fs, hpack.HeaderField{Name: n, Value: v, Sensitive: r.IntN(20) == 0})
	}
	return fs
}

// TestHPACKDiff decodes blocks made by x/net's encoder, with table size
// changes, in fragments cut at random, and compares with x/net's decoder.
func TestHPACKDiff(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	ref := hpack.NewDecoder(4096, nil)
	ref.SetAllowedMaxDynamicTableSize(8192)
	enc.SetMaxDynamicTableSizeLimit(8192)
	d := newHPACKDecoder(64<<10, false)
	d.setAllowed(8192)
	var l fieldList
	for i := range 2000 {
		if r.IntN(50) == 0 {
			enc.SetMaxDynamicTableSize(uint32(r.IntN(8193)))
		}
		buf.Reset()
		for _, f := range randomFields(r) {
			enc.WriteField(f)
		}
		block := bytes.Clone(buf.Bytes())
		want, err := ref.DecodeFull(block)
		if err != nil {
			t.Fatal(err)
		}
		l.reset(1000, 1<<20)
		for rest := block; ; {
			n := min(len(rest), r.IntN(len(block)+1))
			d.write(rest[:n], n == len(rest), &l)
			rest = rest[n:]
			if len(rest) == 0 {
				break
			}
		}
		if len(l.errs) > 0 || l.unknown > 0 || len(l.fields) != len(want) {
			t.Fatalf("block %d: %d fields, errors %v, %d unknown; want %d fields", i, len(l.fields), l.errs, l.unknown, len(want))
		}
		for j, f := range want {
			if l.fields[j].Name != f.Name || l.fields[j].Value != f.Value {
				t.Fatalf("block %d field %d: %q=%q; want %q=%q", i, j, l.fields[j].Name, l.fields[j].Value, f.Name, f.Value)
			}
		}
	}
}

// TestHPACKMidStream starts decoding after the first blocks of a
// connection: a field is either right or unknown, never wrong, and the
// unknown values fade as the table fills with entries seen. (An unknown
// name can last: an encoder names a new entry by the index of an older
// one of the same name, entry after entry.)
func TestHPACKMidStream(t *testing.T) {
	for skip := 1; skip < 30; skip++ {
		r := rand.New(rand.NewPCG(uint64(skip), 9))
		var buf bytes.Buffer
		enc := hpack.NewEncoder(&buf)
		d := newHPACKDecoder(64<<10, true)
		var l fieldList
		lastUnknown := 0
		for i := range 200 {
			buf.Reset()
			fs := randomFields(r)
			for _, f := range fs {
				enc.WriteField(f)
			}
			if i < skip {
				continue
			}
			l.reset(1000, 1<<20)
			d.write(buf.Bytes(), true, &l)
			if len(l.errs) > 0 || l.badIndex || len(l.fields) != len(fs) {
				t.Fatalf("skip %d block %d: %d fields (want %d), errors %v", skip, i, len(l.fields), len(fs), l.errs)
			}
			for j, f := range fs {
				g := l.fields[j]
				if (g.Name != f.Name && g.Name != unknownName) || (g.Value != f.Value && g.Value != unknownValue) {
					t.Fatalf("skip %d block %d field %d: %q=%q; want %q=%q", skip, i, j, g.Name, g.Value, f.Name, f.Value)
				}
			}
			for _, g := range l.fields {
				if g.Value == unknownValue {
					lastUnknown = i
				}
			}
		}
		if lastUnknown > 150 {
			t.Errorf("skip %d: unknown fields until block %d", skip, lastUnknown)
		}
	}
}

// TestHPACKLimits: fields past the limits are dropped and counted, a
// string longer than any table is skipped, and the table stays right.
func TestHPACKLimits(t *testing.T) {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	d := newHPACKDecoder(1024, false)
	var l fieldList
	huge := strings.Repeat("h", 100<<10)
	enc.WriteField(hpack.HeaderField{Name: "x-a", Value: "1"})
	enc.WriteField(hpack.HeaderField{Name: "x-huge", Value: huge})
	enc.WriteField(hpack.HeaderField{Name: "x-b", Value: "2"})
	for range 10 {
		enc.WriteField(hpack.HeaderField{Name: "x-many", Value: "m"})
	}
	l.reset(5, 1<<20)
	block := bytes.Clone(buf.Bytes())
	for i := 0; i < len(block); i += 1000 {
		d.write(block[i:min(i+1000, len(block))], i+1000 >= len(block), &l)
	}
	if len(l.fields) != 5 || l.dropped != 8 || len(l.errs) > 0 {
		t.Fatalf("%d fields, %d dropped, errors %v", len(l.fields), l.dropped, l.errs)
	}
	if cap(d.pend) > 8<<10 {
		t.Errorf("held %d bytes for a skipped string", cap(d.pend))
	}
	// The next block refers to x-b and x-many by index.
	buf.Reset()
	enc.WriteField(hpack.HeaderField{Name: "x-b", Value: "2"})
	enc.WriteField(hpack.HeaderField{Name: "x-many", Value: "m"})
	l.reset(5, 1<<20)
	d.write(buf.Bytes(), true, &l)
	if len(l.fields) != 2 || l.fields[0].Value != "2" || l.fields[1].Value != "m" || l.unknown > 0 {
		t.Errorf("after the limits: %+v", l)
	}
}
