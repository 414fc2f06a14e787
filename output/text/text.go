package text

import (
	"encoding/json"
	"net/netip"
	"strings"
	"time"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
)

// Options configure a Formatter. The zero value prints decoded bodies in
// UTC without colour.
type Options struct {
	// Hex prints each message's raw bytes (message.Raw) as a hex dump in
	// place of its head and decoded body.
	Hex bool
	// Color marks up the output with ANSI colour sequences.
	Color bool
	// Pretty indents bodies that are JSON.
	Pretty bool
	// Location is the time zone of the times shown; nil means UTC.
	Location *time.Location
}

// Formatter renders messages as text for people. It holds only its
// options, so one Formatter may be used by several goroutines at once.
type Formatter struct {
	opts Options
}

// New returns a Formatter with the given options.
func New(opts Options) *Formatter {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	return &Formatter{opts: opts}
}

// ANSI sequences. Captured bytes never carry ESC (appendSafe escapes it),
// so these are the only ones in the output.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiCyan    = "\x1b[36m"
	ansiRequest = "\x1b[1;34m"
)

// Append appends the rendering of m to dst: a header line, the head and
// body (or hex dump), and a blank line. It implements output.Formatter.
func (f *Formatter) Append(dst []byte, m *message.Message) []byte {
	dst = f.appendHeader(dst, m)
	switch {
	case f.opts.Hex:
		dst = appendHexDump(dst, m.Raw)
	case m.HTTP != nil:
		dst = f.appendHTTP(dst, m)
	default:
		dst = f.appendBody(dst, m.Body, false)
	}
	return append(dst, '\n')
}

// appendHeader appends the header line of m, newline included.
func (f *Formatter) appendHeader(dst []byte, m *message.Message) []byte {
	dst = f.color(dst, ansiBold)
	dst = appendClock(dst, m.End, f.opts.Location)
	dst = append(dst, ' ')
	dst = appendConn(dst, m.Connection(), m.Dir)
	dst = append(dst, ' ')
	dst = appendSafe(dst, m.Proto, false)
	dst = append(dst, ' ')
	dst = append(dst, m.Type.String()...)
	dst = append(dst, ' ')
	dst = append(dst, m.Dir.String()...)
	dst = append(dst, ' ')
	dst = appendInt(dst, m.Size)
	dst = append(dst, 'B')
	if m.WS != nil {
		dst = appendWebSocket(dst, m.WS)
	}
	if m.HTTP != nil && m.HTTP.Stream != 0 {
		dst = append(dst, " stream="...)
		dst = appendUint(dst, uint64(m.HTTP.Stream))
	}
	if r := m.Request; r != nil {
		dst = append(dst, " ← "...)
		dst = appendSafe(dst, r.Method, false)
		if r.Target != "" { // e.g. a Redis command without arguments
			dst = append(dst, ' ')
			dst = appendSafe(dst, r.Target, false)
		}
	}
	if l := m.Latency; l != nil {
		dst = append(dst, ' ')
		dst = appendDuration(dst, l.Last)
		if l.First != l.Last {
			dst = append(dst, " (first byte "...)
			dst = appendDuration(dst, l.First)
			dst = append(dst, ')')
		}
	}
	dst = f.color(dst, ansiReset)

	if m.Partial {
		dst = f.marker(dst, ansiYellow, "partial", "")
	}
	cut := int64(0)
	if f.opts.Hex {
		cut = m.RawCut
	} else if m.Body != nil {
		cut = m.Body.Cut
	}
	if cut > 0 {
		dst = append(dst, ' ')
		dst = f.color(dst, ansiYellow)
		dst = append(dst, "[truncated: "...)
		dst = appendInt(dst, cut)
		dst = append(dst, " bytes not shown]"...)
		dst = f.color(dst, ansiReset)
	}
	for _, n := range m.Notes {
		dst = f.marker(dst, noteColor(n.Kind), n.Kind.String(), n.Text)
	}
	return append(dst, '\n')
}

// appendConn appends who sent the message: "comm[pid] conn=name src → dst",
// with the parts that are unknown left out (comm as "?"), the arrow
// pointing the way the bytes went.
func appendConn(dst []byte, c *message.Conn, dir event.Dir) []byte {
	if c.Comm != "" {
		dst = appendSafe(dst, c.Comm, false)
	} else {
		dst = append(dst, '?')
	}
	if c.PID != 0 {
		dst = append(dst, '[')
		dst = appendUint(dst, uint64(c.PID))
		dst = append(dst, ']')
	}
	if c.ID.Name != "" {
		dst = append(dst, " conn="...)
		dst = appendSafe(dst, c.ID.Name, false)
	}
	if c.Src.IsValid() || c.Dst.IsValid() {
		// The process's end comes first either way; the arrow shows which
		// way the bytes went.
		dst = append(dst, ' ')
		dst = appendAddrPort(dst, c.Src)
		if dir == event.In {
			dst = append(dst, " ← "...)
		} else {
			dst = append(dst, " → "...)
		}
		dst = appendAddrPort(dst, c.Dst)
	}
	return dst
}

// appendAddrPort appends ap, or "?" when it is unknown.
func appendAddrPort(dst []byte, ap netip.AddrPort) []byte {
	if !ap.IsValid() {
		return append(dst, '?')
	}
	return ap.AppendTo(dst)
}

// noteColor is the colour of a note's marker.
func noteColor(k message.NoteKind) string {
	switch k {
	case message.Gap, message.Error:
		return ansiRed
	case message.Limit:
		return ansiYellow
	}
	return ansiDim
}

// marker appends " [label: text]" (or " [label]" without text) in color.
func (f *Formatter) marker(dst []byte, color, label, text string) []byte {
	dst = append(dst, ' ')
	dst = f.color(dst, color)
	dst = append(dst, '[')
	dst = append(dst, label...)
	if text != "" {
		dst = append(dst, ": "...)
		dst = appendSafe(dst, text, false)
	}
	dst = append(dst, ']')
	return f.color(dst, ansiReset)
}

// color appends the ANSI sequence seq when colour is on.
func (f *Formatter) color(dst []byte, seq string) []byte {
	if f.opts.Color {
		dst = append(dst, seq...)
	}
	return dst
}

// appendHTTP appends an HTTP head (start line and headers), then, after a
// blank line, the body and the trailers.
func (f *Formatter) appendHTTP(dst []byte, m *message.Message) []byte {
	h := m.HTTP
	// HTTP/2 and later carry the start line as pseudo-headers, which are
	// among the headers already.
	if len(h.Headers) == 0 || !strings.HasPrefix(h.Headers[0].Name, ":") {
		dst = f.appendStartLine(dst, m)
	}
	dst = f.appendFields(dst, h.Headers)
	if hasBody(m.Body) || len(h.Trailers) > 0 {
		dst = append(dst, '\n')
		dst = f.appendBody(dst, m.Body, true)
		dst = f.appendFields(dst, h.Trailers)
	}
	return dst
}

// appendStartLine appends "GET /x HTTP/1.1" or "HTTP/1.1 200 OK".
func (f *Formatter) appendStartLine(dst []byte, m *message.Message) []byte {
	h := m.HTTP
	if m.Type == message.Response || h.Status != 0 {
		dst = f.color(dst, statusColor(h.Status))
		dst = appendSafe(dst, h.Version, false)
		dst = append(dst, ' ')
		dst = appendInt(dst, int64(h.Status))
		if h.Reason != "" {
			dst = append(dst, ' ')
			dst = appendSafe(dst, h.Reason, false)
		}
	} else {
		dst = f.color(dst, ansiRequest)
		dst = appendSafe(dst, h.Method, false)
		dst = append(dst, ' ')
		dst = appendSafe(dst, h.Target, false)
		if h.Version != "" {
			dst = append(dst, ' ')
			dst = appendSafe(dst, h.Version, false)
		}
	}
	dst = f.color(dst, ansiReset)
	return append(dst, '\n')
}

// statusColor is the colour of a status line, by the status class.
func statusColor(status int) string {
	switch status / 100 {
	case 2:
		return ansiGreen
	case 3:
		return ansiCyan
	case 4:
		return ansiYellow
	case 5:
		return ansiRed
	}
	return ansiBold
}

// appendFields appends header or trailer fields, one "Name: value" a line.
func (f *Formatter) appendFields(dst []byte, fields []message.Header) []byte {
	for _, h := range fields {
		dst = f.color(dst, ansiCyan)
		dst = appendSafe(dst, h.Name, false)
		dst = f.color(dst, ansiReset)
		dst = append(dst, ": "...)
		dst = appendSafe(dst, h.Value, false)
		dst = append(dst, '\n')
	}
	return dst
}

// hasBody reports whether b has anything to show below the head. (What
// was cut is said in the header line.)
func hasBody(b *message.Body) bool {
	return b != nil && (len(b.Data) > 0 || b.Err != "")
}

// appendBody appends a body: its decoding error if any, then its text, a
// summary of a binary HTTP body (summarize), or a hex dump of any other
// binary payload. What it appends ends with a newline.
func (f *Formatter) appendBody(dst []byte, b *message.Body, summarize bool) []byte {
	if !hasBody(b) {
		return dst
	}
	if b.Err != "" {
		dst = f.color(dst, ansiRed)
		dst = append(dst, "[body error: "...)
		dst = appendSafe(dst, b.Err, false)
		dst = append(dst, ']')
		dst = f.color(dst, ansiReset)
		dst = append(dst, '\n')
	}
	switch {
	case len(b.Data) == 0:
		return dst
	case b.Binary && summarize:
		dst = f.color(dst, ansiDim)
		dst = append(dst, "[binary "...)
		size := b.DecodedSize
		if size == 0 {
			size = int64(len(b.Data)) + b.Cut
		}
		dst = appendInt(dst, size)
		dst = append(dst, " bytes"...)
		if b.ContentType != "" {
			dst = append(dst, ' ')
			dst = appendSafe(dst, b.ContentType, false)
		}
		dst = append(dst, ']')
		dst = f.color(dst, ansiReset)
		return append(dst, '\n')
	case b.Binary:
		return appendHexDump(dst, b.Data)
	}
	if f.opts.Pretty && looksLikeJSON(b) && json.Valid(b.Data) {
		dst = appendIndentedJSON(dst, b.Data)
	} else {
		dst = appendSafe(dst, b.Data, true)
	}
	if dst[len(dst)-1] != '\n' {
		dst = append(dst, '\n')
	}
	return dst
}

// looksLikeJSON reports whether a text body is worth trying as JSON: its
// content type says so, or it opens with "{" or "[".
func looksLikeJSON(b *message.Body) bool {
	if strings.Contains(b.ContentType, "json") {
		return true
	}
	for _, c := range b.Data {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return true
		}
		return false
	}
	return false
}

// appendIndentedJSON appends the valid JSON document p indented by two
// spaces a level, as json.Indent would, with its strings made safe for a
// terminal. Working on dst directly keeps the Formatter free of a scratch
// buffer.
func appendIndentedJSON(dst, p []byte) []byte {
	depth := 0
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case ' ', '\t', '\r', '\n':
		case '{', '[':
			dst = append(dst, c)
			j := i + 1
			for j < len(p) && (p[j] == ' ' || p[j] == '\t' || p[j] == '\r' || p[j] == '\n') {
				j++
			}
			if j < len(p) && (p[j] == '}' || p[j] == ']') {
				dst = append(dst, p[j]) // empty: "{}" or "[]"
				i = j
				continue
			}
			depth++
			dst = appendNewline(dst, depth)
		case '}', ']':
			depth--
			dst = appendNewline(dst, depth)
			dst = append(dst, c)
		case ',':
			dst = append(dst, ',')
			dst = appendNewline(dst, depth)
		case ':':
			dst = append(dst, ": "...)
		case '"':
			j := i + 1
			for j < len(p) && p[j] != '"' {
				if p[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(p))
			dst = appendSafe(dst, p[i:j], false)
			i = j - 1
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendNewline appends a newline and depth levels of indentation.
func appendNewline(dst []byte, depth int) []byte {
	dst = append(dst, '\n')
	for range depth {
		dst = append(dst, "  "...)
	}
	return dst
}
