package ascii

import (
	"unsafe"

	simd "github.com/segmentio/asm/ascii"
)

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// PrintablePrefix returns the length of the longest prefix of s made of
// bytes 0x20 to 0x7e (space to tilde).
func PrintablePrefix[T ~string | ~[]byte](s T) int {
	if len(s) >= vectorMin && simd.ValidPrintString(asString(s)) {
		// All printable, the common case for text bodies and long
		// header values, checked 32 bytes at a time (AVX2).
		return len(s)
	}
	i := 0
	// Sixteen bytes a round while they last: one test for two words.
	for ; i+16 <= len(s); i += 16 {
		if bad8(word(s, i))|bad8(word(s, i+8)) != 0 {
			break
		}
	}
	for ; i+8 <= len(s); i += 8 {
		if !printable8(word(s, i)) {
			return i + bytewise(s[i:i+8])
		}
	}
	if i < len(s) && len(s) >= 8 {
		// The last few bytes, as the tail of a word that overlaps
		// bytes already checked.
		if printable8(word(s, len(s)-8)) {
			return len(s)
		}
	}
	return i + bytewise(s[i:])
}

// vectorMin is the length from which a vectorised check of the whole of s
// first, for the price of a call, pays off.
const vectorMin = 16

// asString returns s as a string sharing its bytes, without a copy: a
// string's header, pointer and length, is the start of a slice's.
func asString[T ~string | ~[]byte](s T) string {
	return *(*string)(unsafe.Pointer(&s))
}

// word returns the eight bytes of s at i, little-endian.
func word[T ~string | ~[]byte](s T, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// printable8 reports whether every byte of w is 0x20 to 0x7e. A byte below
// 0x20, or above 0x7e, sets its high bit in one of these (the classic "has
// less" and "has more" tests).
func printable8(w uint64) bool {
	return bad8(w) == 0
}

// bad8 has the high bit set of each byte of w outside 0x20 to 0x7e (and
// perhaps of some bytes after one).
func bad8(w uint64) uint64 {
	return ((w-ones*0x20)&^w | (w + ones*1) | w) & highs
}

// bytewise is PrintablePrefix one byte at a time.
func bytewise[T ~string | ~[]byte](s T) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return i
		}
	}
	return len(s)
}

// DecodeRune decodes the UTF-8 sequence at s[i:], which starts with a byte
// of 0x80 or more. It returns n == 0 when the bytes there are not UTF-8
// (a stray continuation byte, an overlong form, a surrogate, a value past
// U+10FFFF or a cut sequence).
func DecodeRune[T ~string | ~[]byte](s T, i int) (r rune, n int) {
	b0 := s[i]
	lo, hi := byte(0x80), byte(0xbf) // range of the second byte
	switch {
	case b0 < 0xc2:
		return 0, 0
	case b0 < 0xe0:
		n, r = 2, rune(b0&0x1f)
	case b0 < 0xf0:
		n, r = 3, rune(b0&0x0f)
		if b0 == 0xe0 {
			lo = 0xa0
		} else if b0 == 0xed {
			hi = 0x9f
		}
	case b0 < 0xf5:
		n, r = 4, rune(b0&0x07)
		if b0 == 0xf0 {
			lo = 0x90
		} else if b0 == 0xf4 {
			hi = 0x8f
		}
	default:
		return 0, 0
	}
	if i+n > len(s) {
		return 0, 0
	}
	if c := s[i+1]; c < lo || c > hi {
		return 0, 0
	}
	for k := 1; k < n; k++ {
		c := s[i+k]
		if c < 0x80 || c > 0xbf {
			return 0, 0
		}
		r = r<<6 | rune(c&0x3f)
	}
	return r, n
}
