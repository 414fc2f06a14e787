package jsonl

import (
	"strconv"
	"unicode/utf8"

	"github.com/tapir-dev/tapir/internal/ascii"
)

// enc appends JSON to b, placing commas, and in pretty mode newlines and
// indentation, between the members of objects and arrays.
type enc struct {
	b      []byte
	pretty bool
	depth  int
	// more is set once the open object or array has a member, so the
	// next one needs a comma.
	more bool
}

// open starts an object or array (c is '{' or '[').
func (e *enc) open(c byte) {
	e.b = append(e.b, c)
	e.depth++
	e.more = false
}

// close ends the innermost object or array (c is '}' or ']').
func (e *enc) close(c byte) {
	e.depth--
	if e.more {
		e.newline()
	}
	e.b = append(e.b, c)
	e.more = true
}

// elem starts a member of the open array.
func (e *enc) elem() {
	if e.more {
		e.b = append(e.b, ',')
	}
	if e.pretty {
		e.newline()
	}
	e.more = true
}

// key starts a member of the open object: its name and colon.
func (e *enc) key(k string) {
	if e.pretty {
		e.elem()
		e.b = append(e.b, '"')
		e.b = append(e.b, k...)
		e.b = append(e.b, `": `...)
		return
	}
	// Compact: `,"name":` appended through a local slice, which the
	// compiler keeps in registers; this is most of the formatter's work.
	// Keys are ASCII constants.
	b := e.b
	if e.more {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, k...)
	e.b = append(b, '"', ':')
	e.more = true
}

// newline breaks the line and indents, in pretty mode.
func (e *enc) newline() {
	if !e.pretty {
		return
	}
	e.b = append(e.b, '\n')
	for range e.depth {
		e.b = append(e.b, "  "...)
	}
}

func (e *enc) str(k, v string) {
	e.key(k)
	e.b = appendString(e.b, v)
}

func (e *enc) strIf(k, v string) {
	if v != "" {
		e.str(k, v)
	}
}

func (e *enc) int(k string, v int64) {
	e.key(k)
	e.b = strconv.AppendInt(e.b, v, 10)
}

func (e *enc) uint(k string, v uint64) {
	e.key(k)
	e.b = strconv.AppendUint(e.b, v, 10)
}

func (e *enc) trueIf(k string, v bool) {
	if v {
		e.key(k)
		e.b = append(e.b, "true"...)
	}
}

const hexDigits = "0123456789abcdef"

// safe[b] is true for the ASCII bytes a JSON string holds as they are.
var safe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < 0x7f; b++ {
		t[b] = true
	}
	t['"'], t['\\'] = false, false
	return t
}()

// appendString appends s as a JSON string. Quotes, backslashes and control
// characters (DEL and C1 included) are escaped; so are U+2028 and U+2029,
// which JavaScript does not allow in strings, and the bidirectional
// overrides, so a line printed on a terminal shows what it holds. Each
// byte that is not part of valid UTF-8 becomes U+FFFD, as with
// encoding/json.
func appendString[T ~string | ~[]byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	start := 0 // s[start:i] is pending, all of it safe
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, `\n`...)
			case '\r':
				dst = append(dst, `\r`...)
			case '\t':
				dst = append(dst, `\t`...)
			default:
				dst = append(dst, `\u00`...)
				dst = append(dst, hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := ascii.DecodeRune(s, i)
		switch {
		case n == 0:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
		case r < 0xa0 || (r >= 0x2028 && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\u`...)
			dst = append(dst, hexDigits[r>>12], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
			i += n
			start = i
		default:
			i += n
		}
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
