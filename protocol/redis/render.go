package redis

import (
	"bytes"
	"sort"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// maxTarget caps the argument shown as a reply's request target.
const maxTarget = 64

// writer renders values as text for people.
type writer struct {
	b []byte
}

// command renders a command as a command line, "SET greeting \"hello
// world\"", and returns its upper-cased name and its first argument (the
// key, for most commands) for the request reference. A value that is not
// an array of strings is rendered as a reply would be, without a name.
func (w *writer) command(root *node) (name, target string) {
	if root == nil {
		return "", ""
	}
	if !isCommand(root) {
		w.value(root, 0, true)
		return "", ""
	}
	if len(root.text) > 0 {
		// An inline line that could not be split: shown as it came.
		w.escaped(root.text, bare)
	}
	for i, k := range root.kids {
		if len(root.text) > 0 {
			break
		}
		if i > 0 {
			w.b = append(w.b, ' ')
		}
		w.arg(k.text)
		w.cutMark(k.cut)
	}
	if root.more > 0 {
		w.b = append(w.b, " ... ("...)
		w.b = strconv.AppendInt(w.b, root.more, 10)
		w.b = append(w.b, " more arguments not kept)"...)
	}
	if root.cut > 0 {
		w.cutMark(root.cut)
	}
	if len(root.kids) > 0 {
		name = commandName(root.kids[0].text)
	}
	if len(root.kids) > 1 {
		a := root.kids[1].text
		if len(a) > maxTarget {
			a = a[:maxTarget]
		}
		if plainArg(a) && len(a) == len(root.kids[1].text) && root.kids[1].cut == 0 {
			target = string(a)
		} else {
			var t writer
			t.arg(a)
			if len(a) < len(root.kids[1].text) || root.kids[1].cut > 0 {
				t.b = append(t.b, "..."...)
			}
			target = string(t.b)
		}
	}
	return name, target
}

// isCommand reports whether n is an array of non-null bulk strings, or an
// inline command.
func isCommand(n *node) bool {
	if n.typ == tInline {
		return true
	}
	if n.typ != tArray || n.null || n.attr != nil || len(n.kids) == 0 {
		return false
	}
	for _, k := range n.kids {
		if k.typ != tBulk || k.null || k.attr != nil {
			return false
		}
	}
	return true
}

// commandName upper-cases a command name, made safe for a header line.
// Known commands cost no allocation.
func commandName(b []byte) string {
	if len(b) > maxTarget {
		b = b[:maxTarget]
	}
	if !plainArg(b) {
		var w writer
		w.quoted(b)
		return string(w.b)
	}
	var buf [maxTarget]byte
	up := buf[:len(b)]
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up[i] = c
	}
	i := sort.Search(len(commands), func(i int) bool { return commands[i] >= string(up) })
	if i < len(commands) && commands[i] == string(up) {
		return commands[i]
	}
	return string(up)
}

// value renders n at the current position; its later lines, if any, are
// indented by ind. A top value may be shown as its raw text when it is
// text of several lines (INFO, CLIENT LIST).
func (w *writer) value(n *node, ind int, top bool) {
	if n.attr != nil {
		w.aggregate(n.attr, ind)
		w.newline(ind)
	}
	if n.null {
		w.b = append(w.b, "(nil)"...)
		return
	}
	switch n.typ {
	case tSimple, tError, tInt, tDouble, tBig, tBool:
		w.b = append(w.b, n.typ)
		w.escaped(n.text, bare)
		w.cutMark(n.cut)
	case tNull:
		w.b = append(w.b, "(nil)"...)
	case tBulk, tBulkErr:
		if n.typ == tBulkErr {
			w.b = append(w.b, tBulkErr)
		}
		if top && n.typ == tBulk && multiline(n.text) {
			w.escaped(bytes.TrimSuffix(n.text, []byte("\r\n")), lines)
			if n.cut > 0 {
				w.newline(ind)
				w.cutMark(n.cut)
			}
			return
		}
		w.quoted(n.text)
		w.cutMark(n.cut)
	case tVerb:
		format, text := n.text, []byte(nil)
		if len(format) >= 4 && format[3] == ':' {
			format, text = n.text[:3], n.text[4:]
		}
		w.b = append(w.b, tVerb)
		w.escaped(format, bare)
		if top && multiline(text) {
			w.b = append(w.b, '\n')
			w.escaped(bytes.TrimSuffix(text, []byte("\r\n")), lines)
			if n.cut > 0 {
				w.newline(ind)
				w.cutMark(n.cut)
			}
			return
		}
		w.b = append(w.b, ' ')
		w.quoted(text)
		w.cutMark(n.cut)
	case tInline:
		w.escaped(n.text, bare)
	default:
		w.aggregate(n, ind)
	}
}

// aggregate renders an array, set, map, attribute or push as numbered
// elements, as redis-cli does: "1) ...", "1~ ...", "1# key => value".
func (w *writer) aggregate(n *node, ind int) {
	marker, kind := ") ", "array"
	pairs := false
	switch n.typ {
	case tSet:
		marker, kind = "~ ", "set"
	case tMap:
		marker, kind, pairs = "# ", "map", true
	case tAttr:
		marker, kind, pairs = "| ", "attribute", true
	case tPush:
		marker, kind = "> ", "push"
	}
	items := len(n.kids)
	if pairs {
		items = (len(n.kids) + 1) / 2
	}
	if items == 0 && n.more == 0 {
		w.b = append(w.b, "(empty "...)
		w.b = append(w.b, kind...)
		w.b = append(w.b, ')')
		return
	}
	width := digits(items)
	for i := range items {
		if i > 0 {
			w.newline(ind)
		}
		for range width - digits(i+1) {
			w.b = append(w.b, ' ')
		}
		w.b = strconv.AppendInt(w.b, int64(i+1), 10)
		w.b = append(w.b, marker...)
		sub := ind + width + len(marker)
		if !pairs {
			w.value(n.kids[i], sub, false)
			continue
		}
		w.value(n.kids[2*i], sub, false)
		w.b = append(w.b, " => "...)
		if 2*i+1 < len(n.kids) {
			w.value(n.kids[2*i+1], w.col(), false)
		} else {
			w.b = append(w.b, "(not kept)"...)
		}
	}
	if n.more > 0 {
		if items > 0 {
			w.newline(ind)
		}
		w.b = append(w.b, "... ("...)
		w.b = strconv.AppendInt(w.b, n.more, 10)
		w.b = append(w.b, " more elements not kept)"...)
	}
}

// newline ends the line and indents the next by ind.
func (w *writer) newline(ind int) {
	w.b = append(w.b, '\n')
	for range ind {
		w.b = append(w.b, ' ')
	}
}

// col returns the column the next byte goes to.
func (w *writer) col() int {
	return len(w.b) - (bytes.LastIndexByte(w.b, '\n') + 1)
}

// cutMark says how many bytes of a string were not kept.
func (w *writer) cutMark(cut int64) {
	if cut <= 0 {
		return
	}
	w.b = append(w.b, "...("...)
	w.b = strconv.AppendInt(w.b, cut, 10)
	w.b = append(w.b, " more bytes)"...)
}

// arg renders a command argument: as it is when it is a plain word, else
// quoted as redis-cli would take it.
func (w *writer) arg(b []byte) {
	if plainArg(b) {
		w.b = append(w.b, b...)
		return
	}
	w.quoted(b)
}

// plainArg reports whether b reads unambiguously as one word.
func plainArg(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == 0x7f || c == '"' || c == '\'' || c == '\\' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError || !unicode.IsGraphic(r) || unicode.IsSpace(r) {
			return false
		}
		i += n
	}
	return true
}

// quoted renders b in double quotes with C-like escapes.
func (w *writer) quoted(b []byte) {
	w.b = append(w.b, '"')
	w.escaped(b, quote)
	w.b = append(w.b, '"')
}

// Escaping modes.
const (
	bare  = iota // control bytes escaped; quotes and backslashes as they are
	quote        // inside double quotes: quotes and backslashes escaped too
	lines        // text of lines: newlines and tabs kept, CRLF shown as LF
)

// escaped appends b with every byte that is not printable text escaped,
// as redis-cli does (\n, \xHH), according to mode.
func (w *writer) escaped(b []byte, mode int) {
	for i := 0; i < len(b); {
		// Runs of plain ASCII go in at once.
		j := i
		for j < len(b) && b[j] >= ' ' && b[j] < 0x7f && b[j] != '"' && b[j] != '\\' {
			j++
		}
		w.b = append(w.b, b[i:j]...)
		if i = j; i == len(b) {
			break
		}
		c := b[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(b[i:])
			if r != utf8.RuneError && unicode.IsGraphic(r) {
				w.b = append(w.b, b[i:i+n]...)
			} else {
				w.hex(c)
				n = 1
			}
			i += n
			continue
		}
		i++
		switch {
		case mode == lines && (c == '\n' || c == '\t'):
			w.b = append(w.b, c)
		case mode == lines && c == '\r' && i < len(b) && b[i] == '\n':
		case c == '"' || c == '\\':
			if mode == quote {
				w.b = append(w.b, '\\')
			}
			w.b = append(w.b, c)
		case c == '\n':
			w.b = append(w.b, '\\', 'n')
		case c == '\r':
			w.b = append(w.b, '\\', 'r')
		case c == '\t':
			w.b = append(w.b, '\\', 't')
		case c < ' ' || c == 0x7f:
			w.hex(c)
		default:
			w.b = append(w.b, c)
		}
	}
}

func (w *writer) hex(c byte) {
	const digits = "0123456789abcdef"
	w.b = append(w.b, '\\', 'x', digits[c>>4], digits[c&15])
}

// multiline reports whether b is text of more than one line, worth
// showing as it is.
func multiline(b []byte) bool {
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 || nl == len(b)-1 && bytes.Count(b, []byte{'\n'}) == 1 {
		return false
	}
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < ' ' && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError {
			return false
		}
		i += n
	}
	return true
}

func digits(n int) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}
