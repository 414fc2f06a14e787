package grpc

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/tapir-dev/tapir/message"
)

// MaxFields bounds how many fields (at every depth) and messages the
// structure of one body lists; past it, or past the body's display limit
// of bytes, what is left is counted as cut.
const MaxFields = 1 << 16

// fieldCost is what a listed field or message counts against the byte
// budget besides its value: about what it takes in the output. It is at
// least the largest tag and length (or group tags) a field can take on
// the wire.
const fieldCost = 16

// budget is what the structure of a body may still list.
type budget struct {
	bytes  int  // of text and data, fieldCost a field included
	fields int  // fields and messages
	cut    bool // it ran out: something was left out
}

// take counts one field or message against the budget; it reports false,
// taking nothing, when the budget is spent.
func (b *budget) take() bool {
	if b.fields <= 0 || b.bytes < fieldCost {
		b.cut = true
		return false
	}
	b.fields--
	b.bytes -= fieldCost
	return true
}

// keep counts up to n bytes of a value against the budget and returns
// how many it may show.
func (b *budget) keep(n int) int {
	k := min(n, max(b.bytes, 0))
	b.bytes -= k
	if k < n {
		b.cut = true
	}
	return k
}

// Fields decodes the protobuf message p without a schema, as
// protoc --decode_raw does, listing at most maxFields fields (at every
// depth) and about maxBytes bytes (each field counting 16 bytes besides
// its value); it returns the fields and the number of p's bytes, after
// the last field listed, that the limits left out. A bytes field is text
// where it is printable UTF-8, else a nested message where it parses as
// one (to 32 levels), else bytes. The fields hold copies: p may be
// reused. p must be Valid; otherwise Fields returns what it decoded
// before the first bad field, and the rest as cut.
func Fields(p []byte, maxFields, maxBytes int) ([]message.ProtoField, int64) {
	b := budget{bytes: maxBytes, fields: maxFields}
	return b.message(p)
}

// message decodes the protobuf message p (Valid) within the budget. The
// fields of every depth share one allocation, and the texts one copy of
// p when the budget holds it whole.
func (b *budget) message(p []byte) ([]message.ProtoField, int64) {
	n, _ := countTree(p, 0, 0)
	d := decoder{b: b, data: p, arena: make([]message.ProtoField, min(n, max(b.fields, 0)))}
	fs, _, cut := d.decode(p, 0, 0, 0)
	if len(fs) == 0 {
		fs = nil
	}
	return fs, cut
}

// decoder decodes one message into fields.
type decoder struct {
	b      *budget
	data   []byte // the message
	s      string // a copy of data that texts are cut from, once made
	tried  bool   // whether s was to be made
	copied bool   // whether it was
	arena  []message.ProtoField
}

// alloc returns a slice for n fields, from the arena while it lasts.
func (d *decoder) alloc(n int) []message.ProtoField {
	if n <= len(d.arena) {
		fs := d.arena[:0:n]
		d.arena = d.arena[n:]
		return fs
	}
	return make([]message.ProtoField, 0, n)
}

// text returns the bytes data[off:off+n], printable, as a string, within
// the budget, and how many were cut. The first text of a message copies
// the whole message when the budget holds it, counting it all, so that
// its texts share one allocation.
func (d *decoder) text(off, n int) (string, int) {
	if !d.tried {
		d.tried = true
		if len(d.data) <= d.b.bytes {
			d.s, d.copied = string(d.data), true
			d.b.bytes -= len(d.data)
		}
	}
	if d.copied {
		return d.s[off : off+n], 0
	}
	v := d.data[off : off+n]
	k := d.b.keep(n)
	for k > 0 && k < n && !utf8.RuneStart(v[k]) {
		k-- // cut at a character's start
	}
	return string(v[:k]), n - k
}

// decode decodes the fields of p, which is d.data[base:], at the given
// depth up to the end of p or, when group is not 0, the end tag of that
// group. It returns the fields, the bytes of p used (the end tag
// included) and how many of them, after the last field listed, were left
// out for want of budget.
func (d *decoder) decode(p []byte, base, depth int, group uint64) (fs []message.ProtoField, used int, cut int64) {
	b := d.b
	fs = d.alloc(min(countFields(p), max(b.fields, 0)))
	i := 0
	for i < len(p) {
		num, wt, n := tag(p[i:])
		if n == 0 {
			return fs, len(p), int64(len(p) - i)
		}
		if wt == wireEndGroup {
			return fs, i + n, cut
		}
		if !b.take() {
			if group != 0 {
				// The rest of the group, up to its end tag.
				if e, ok := skipToEnd(p[i:], group); ok {
					return fs, i + e, int64(e - varintLen(group<<3|wireEndGroup))
				}
			}
			return fs, len(p), int64(len(p) - i)
		}
		f := message.ProtoField{Number: int32(num), Wire: message.WireType(wt)}
		i += n
		switch wt {
		case wireVarint:
			v, n := varint(p[i:])
			if n == 0 {
				return fs, len(p), int64(len(p) - i)
			}
			f.Value = v
			i += n
		case wireFixed64:
			if len(p)-i < 8 {
				return fs, len(p), int64(len(p) - i)
			}
			f.Value = binary.LittleEndian.Uint64(p[i:])
			i += 8
		case wireFixed32:
			if len(p)-i < 4 {
				return fs, len(p), int64(len(p) - i)
			}
			f.Value = uint64(binary.LittleEndian.Uint32(p[i:]))
			i += 4
		case wireBytes:
			l, n := varint(p[i:])
			if n == 0 || l > uint64(len(p)-i-n) {
				return fs, len(p), int64(len(p) - i)
			}
			off := i + n
			v := p[off : off+int(l)]
			i = off + int(l)
			switch {
			case printable(v):
				var c int
				f.Text, c = d.text(base+off, len(v))
				f.Cut = int64(c)
			case depth < maxDepth && Valid(v):
				f.Fields, _, f.Cut = d.decode(v, base+off, depth+1, 0)
			default:
				k := b.keep(len(v))
				f.Bytes = append(make([]byte, 0, k), v[:k]...)
				f.Cut = int64(len(v) - k)
			}
		case wireStartGroup:
			var used int
			f.Fields, used, f.Cut = d.decode(p[i:], base+i, depth+1, num)
			i += used
		default:
			return fs, len(p), int64(len(p) - i)
		}
		fs = append(fs, f)
	}
	return fs, i, 0
}

// countTree counts the fields decode makes of p, at every depth, without
// limits; it returns the count and the bytes used, as decode does.
func countTree(p []byte, depth int, group uint64) (n, used int) {
	i := 0
	for i < len(p) {
		num, wt, k := tag(p[i:])
		if k == 0 {
			return n, len(p)
		}
		i += k
		switch wt {
		case wireEndGroup:
			return n, i
		case wireVarint:
			_, k := varint(p[i:])
			if k == 0 {
				return n, len(p)
			}
			i += k
		case wireFixed64:
			i += 8
		case wireFixed32:
			i += 4
		case wireBytes:
			l, k := varint(p[i:])
			if k == 0 || l > uint64(len(p)-i-k) {
				return n, len(p)
			}
			v := p[i+k : i+k+int(l)]
			i += k + int(l)
			if !printable(v) && depth < maxDepth && Valid(v) {
				sub, _ := countTree(v, depth+1, 0)
				n += sub
			}
		case wireStartGroup:
			sub, u := countTree(p[i:], depth+1, num)
			n += sub
			i += u
		default:
			return n, len(p)
		}
		n++
	}
	return n, min(i, len(p))
}

// countFields counts the fields at the top level of p (up to the end tag
// of a group p is the inside of), for sizing a slice: it stops at the
// first field it cannot read.
func countFields(p []byte) int {
	n := 0
	for i := 0; i < len(p); n++ {
		num, wt, k := tag(p[i:])
		if k == 0 {
			return n
		}
		i += k
		switch wt {
		case wireVarint:
			_, k := varint(p[i:])
			if k == 0 {
				return n
			}
			i += k
		case wireFixed64:
			i += 8
		case wireFixed32:
			i += 4
		case wireBytes:
			l, k := varint(p[i:])
			if k == 0 || l > uint64(len(p)-i-k) {
				return n
			}
			i += k + int(l)
		case wireStartGroup:
			e, ok := skipToEnd(p[i:], num)
			if !ok {
				return n
			}
			i += e
		default: // an end tag: the group p is inside ends
			return n
		}
	}
	return n
}

// skipToEnd returns the bytes of p up to and including the end tag of
// group num, p being the inside of the group; ok is false when p does not
// hold a well-formed group (or its nesting is too deep).
func skipToEnd(p []byte, num uint64) (int, bool) {
	return scan(p, num, 1)
}

// varintLen is the length of v encoded as a varint.
func varintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}
