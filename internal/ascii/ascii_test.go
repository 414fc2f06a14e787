package ascii

import (
	"strconv"
	"strings"
	"testing"
)

func naive(s []byte) int {
	for i, c := range s {
		if c < 0x20 || c > 0x7e {
			return i
		}
	}
	return len(s)
}

func TestPrintablePrefix(t *testing.T) {
	// Every length, so that each way of ending (a whole word, a tail
	// shorter than a word, a string shorter than a word) is tried with a
	// bad byte everywhere.
	full := strings.Repeat("The quick brown fox ~ jumps! ", 3)
	for n := 0; n <= len(full); n++ {
		testPrintablePrefix(t, full[:n])
	}
	// Lengths the vectorised check takes in blocks of 128, 64 and 32.
	long := strings.Repeat(full, 4)
	for _, n := range []int{128, 129, 191, 250, len(long)} {
		testPrintablePrefix(t, long[:n])
	}
}

func testPrintablePrefix(t *testing.T, base string) {
	for pos := 0; pos <= len(base); pos++ {
		for _, bad := range []byte{0x00, 0x09, 0x0a, 0x1f, 0x7f, 0x80, 0xc3, 0xff} {
			b := []byte(base)
			if pos < len(b) {
				b[pos] = bad
			}
			if got, want := PrintablePrefix(b), naive(b); got != want {
				t.Fatalf("PrintablePrefix(%q) = %d; want %d", b, got, want)
			}
			if got, want := PrintablePrefix(string(b)), naive(b); got != want {
				t.Fatalf("PrintablePrefix(string %q) = %d; want %d", b, got, want)
			}
		}
	}
}

func FuzzPrintablePrefix(f *testing.F) {
	f.Add([]byte("hello, world\n"))
	f.Add([]byte{0x20, 0x7e, 0x7f, 0x1f})
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := PrintablePrefix(b), naive(b); got != want {
			t.Fatalf("PrintablePrefix(%q) = %d; want %d", b, got, want)
		}
	})
}

func BenchmarkPrintablePrefix(b *testing.B) {
	s := []byte(strings.Repeat("GET /api/v1/items?id=42 HTTP/1.1 Host: example.com ", 100))
	b.SetBytes(int64(len(s)))
	for range b.N {
		PrintablePrefix(s)
	}
}

// BenchmarkPrintablePrefixSizes is PrintablePrefix over printable text of
// the lengths header names, values and bodies have.
func BenchmarkPrintablePrefixSizes(b *testing.B) {
	text := strings.Repeat(`{"id":12345,"name":"a thing","tags":["x","y"]} `, 400)
	for _, n := range []int{8, 24, 63, 64, 200, 4096, 16384} {
		s := []byte(text[:n])
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				if PrintablePrefix(s) != n {
					b.Fatal("not all printable")
				}
			}
		})
	}
}
