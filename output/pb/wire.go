package pb

import (
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// The helpers below append proto3 fields the way proto.Marshal does:
// scalars at their default value (0, "", false) are left out.

// wrap turns dst[start:], the fields of a nested message, into field num
// of the enclosing message by inserting its tag and length before it.
func wrap(dst []byte, num protowire.Number, start int) []byte {
	var hdr [16]byte
	h := protowire.AppendTag(hdr[:0], num, protowire.BytesType)
	h = protowire.AppendVarint(h, uint64(len(dst)-start))
	return insert(dst, start, h)
}

// wrapBare inserts the length of dst[start:] before it; the tag is
// already written.
func wrapBare(dst []byte, start int) []byte {
	var hdr [10]byte
	return insert(dst, start, protowire.AppendVarint(hdr[:0], uint64(len(dst)-start)))
}

// prefixLength inserts the length of the record dst[start:] before it,
// the framing of a stream.
func prefixLength(dst []byte, start int) []byte { return wrapBare(dst, start) }

// insert inserts h at dst[at].
func insert(dst []byte, at int, h []byte) []byte {
	n := len(h)
	dst = append(dst, h...) // grow by n; the bytes are overwritten
	copy(dst[at+n:], dst[at:len(dst)-n])
	copy(dst[at:], h)
	return dst
}

func appendUint(dst []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return dst
	}
	dst = protowire.AppendTag(dst, num, protowire.VarintType)
	return protowire.AppendVarint(dst, v)
}

// appendInt appends an int32 or int64 field; negative values take ten
// bytes, as in proto.Marshal.
func appendInt(dst []byte, num protowire.Number, v int64) []byte {
	return appendUint(dst, num, uint64(v))
}

func appendBool(dst []byte, num protowire.Number, v bool) []byte {
	if !v {
		return dst
	}
	return append(protowire.AppendTag(dst, num, protowire.VarintType), 1)
}

// appendBytes appends a bytes field.
func appendBytes(dst []byte, num protowire.Number, v string) []byte {
	if v == "" {
		return dst
	}
	dst = protowire.AppendTag(dst, num, protowire.BytesType)
	return protowire.AppendString(dst, v)
}

// appendStr appends a string field, which proto3 readers reject unless
// it is UTF-8: invalid bytes become U+FFFD.
func appendStr(dst []byte, num protowire.Number, v string) []byte {
	if !utf8.ValidString(v) {
		v = toValidUTF8(v)
	}
	return appendBytes(dst, num, v)
}

func toValidUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
