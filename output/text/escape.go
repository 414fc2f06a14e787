package text

// Captured bytes reach the terminal only through appendSafe, which escapes
// everything a terminal could act on: C0 controls, DEL, C1 controls (some
// terminals honour U+009B as CSI), the bidirectional overrides that reorder
// what is shown, and bytes that are not UTF-8.

import "github.com/tapir-dev/tapir/internal/ascii"

const hexDigits = "0123456789abcdef"

// plain[b] is true for the ASCII bytes that are copied as they are.
var plain = func() (t [256]bool) {
	for b := 0x20; b < 0x7f; b++ {
		t[b] = true
	}
	t['\t'] = true
	return t
}()

// appendSafe appends s to dst with every byte a terminal would act on
// escaped. When multiline is set, "\n" is kept and a "\r" before "\n" is
// dropped, so CRLF text prints as lines; otherwise both are escaped.
func appendSafe[T ~string | ~[]byte](dst []byte, s T, multiline bool) []byte {
	i := ascii.PrintablePrefix(s)
	if i == len(s) {
		return append(dst, s...)
	}
	return appendEscaped(dst, s, i, multiline)
}

// appendEscaped is appendSafe from s[i], the first byte that is not
// printable ASCII, on.
func appendEscaped[T ~string | ~[]byte](dst []byte, s T, i int, multiline bool) []byte {
	start := 0 // s[start:i] is pending, all of it plain
	for i < len(s) {
		b := s[i]
		if plain[b] {
			i += 1 + ascii.PrintablePrefix(s[i+1:])
			continue
		}
		if b < 0x80 {
			switch {
			case b == '\n' && multiline:
				i++
				continue
			case b == '\r' && multiline && i+1 < len(s) && s[i+1] == '\n':
				dst = append(dst, s[start:i]...)
				i++
				start = i
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendEscByte(dst, b)
			i++
			start = i
			continue
		}
		r, n := ascii.DecodeRune(s, i)
		switch {
		case n == 0:
			dst = append(dst, s[start:i]...)
			dst = appendEscByte(dst, b)
			i++
			start = i
		case r < 0xa0 || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\u`...)
			dst = append(dst, hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
			i += n
			start = i
		default:
			i += n
		}
	}
	return append(dst, s[start:]...)
}

// appendEscByte appends the escape of one byte: \n and \r by name, any
// other as \xNN.
func appendEscByte(dst []byte, b byte) []byte {
	switch b {
	case '\n':
		return append(dst, `\n`...)
	case '\r':
		return append(dst, `\r`...)
	}
	return append(dst, '\\', 'x', hexDigits[b>>4], hexDigits[b&0xf])
}
