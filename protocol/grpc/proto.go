package grpc

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// maxDepth bounds how deep nested messages are rendered (and checked);
// deeper ones are shown as bytes.
const maxDepth = 32

// Wire types.
const (
	wireVarint     = 0
	wireFixed64    = 1
	wireBytes      = 2
	wireStartGroup = 3
	wireEndGroup   = 4
	wireFixed32    = 5
)

// varint reads a base-128 varint at the start of b; n is 0 when b does
// not hold a valid one.
func varint(b []byte) (v uint64, n int) {
	for i := 0; i < len(b) && i < 10; i++ {
		c := b[i]
		if i == 9 && c > 1 {
			return 0, 0
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// tag reads a field's tag: its number and wire type.
func tag(b []byte) (num uint64, wt int, n int) {
	v, n := varint(b)
	if n == 0 || v>>3 == 0 || v>>3 > 1<<29-1 {
		return 0, 0, 0
	}
	return v >> 3, int(v & 7), n
}

// Valid reports whether p parses as a protobuf message: a sequence of
// fields with valid tags, wire types and lengths, groups closed. An empty
// p is a valid (empty) message.
func Valid(p []byte) bool {
	n, ok := scan(p, 0, 0)
	return ok && n == len(p)
}

// scan checks the fields at the start of p, up to the end of p or, when
// group is not 0, the end of that group; it returns the bytes checked.
func scan(p []byte, group uint64, depth int) (int, bool) {
	if depth > maxDepth {
		return 0, false
	}
	i := 0
	for i < len(p) {
		num, wt, n := tag(p[i:])
		if n == 0 {
			return 0, false
		}
		i += n
		switch wt {
		case wireVarint:
			_, n := varint(p[i:])
			if n == 0 {
				return 0, false
			}
			i += n
		case wireFixed64:
			if len(p)-i < 8 {
				return 0, false
			}
			i += 8
		case wireFixed32:
			if len(p)-i < 4 {
				return 0, false
			}
			i += 4
		case wireBytes:
			l, n := varint(p[i:])
			if n == 0 || l > uint64(len(p)-i-n) {
				return 0, false
			}
			i += n + int(l)
		case wireStartGroup:
			n, ok := scan(p[i:], num, depth+1)
			if !ok {
				return 0, false
			}
			i += n
		case wireEndGroup:
			if group == 0 || num != group {
				return 0, false
			}
			return i, true
		default:
			return 0, false
		}
	}
	return i, group == 0
}

// AppendProto appends a rendering of the protobuf message p, one field a
// line as protoc --decode_raw prints them, and stops once it has appended
// max bytes. p must be Valid.
func AppendProto(dst, p []byte, max int) []byte {
	limit := len(dst) + max
	dst, _ = appendFields(dst, p, 0, 0, limit)
	return dst
}

// appendFields renders the fields of p at the given indentation; with
// group set it stops after that group's end and returns the bytes used.
func appendFields(dst, p []byte, indent int, group uint64, limit int) ([]byte, int) {
	i := 0
	for i < len(p) && len(dst) < limit {
		num, wt, n := tag(p[i:])
		if n == 0 {
			return dst, len(p)
		}
		i += n
		if wt == wireEndGroup {
			return dst, i
		}
		dst = appendIndent(dst, indent)
		dst = strconv.AppendUint(dst, num, 10)
		switch wt {
		case wireVarint:
			v, n := varint(p[i:])
			i += n
			dst = append(dst, ": "...)
			dst = strconv.AppendUint(dst, v, 10)
		case wireFixed64:
			v := binary.LittleEndian.Uint64(p[i:])
			i += 8
			dst = append(dst, ": 0x"...)
			dst = appendHex(dst, v, 16)
		case wireFixed32:
			v := binary.LittleEndian.Uint32(p[i:])
			i += 4
			dst = append(dst, ": 0x"...)
			dst = appendHex(dst, uint64(v), 8)
		case wireBytes:
			l, n := varint(p[i:])
			i += n
			b := p[i : i+int(l)]
			i += int(l)
			switch {
			case printable(b):
				dst = append(dst, ": "...)
				dst = strconv.AppendQuote(dst, string(b))
			case indent < maxDepth && Valid(b):
				dst = append(dst, " {\n"...)
				dst, _ = appendFields(dst, b, indent+1, 0, limit)
				dst = appendIndent(dst, indent)
				dst = append(dst, '}')
			default:
				dst = append(dst, ": "...)
				dst = strconv.AppendQuoteToASCII(dst, string(b))
			}
		case wireStartGroup:
			dst = append(dst, " {\n"...)
			var used int
			dst, used = appendFields(dst, p[i:], indent+1, num, limit)
			i += used
			dst = appendIndent(dst, indent)
			dst = append(dst, '}')
		}
		dst = append(dst, '\n')
	}
	if i < len(p) {
		dst = append(dst, "...\n"...)
	}
	return dst, i
}

func appendIndent(dst []byte, n int) []byte {
	for range n {
		dst = append(dst, "  "...)
	}
	return dst
}

func appendHex(dst []byte, v uint64, digits int) []byte {
	const hexd = "0123456789abcdef"
	for i := digits - 1; i >= 0; i-- {
		dst = append(dst, hexd[(v>>(4*uint(i)))&0xf])
	}
	return dst
}

// printable reports whether b is text: valid UTF-8 without control
// characters other than tab, newline and carriage return. An empty b is
// (an empty string).
func printable(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		i += n
	}
	return true
}
