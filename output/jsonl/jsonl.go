package jsonl

import (
	"encoding/base64"
	"unicode/utf8"

	"github.com/tapir-dev/tapir/message"
)

// Options configure a Formatter.
type Options struct {
	// Pretty indents each object over several lines, two spaces a level,
	// for people reading. The output is then a stream of JSON objects
	// (what jq reads) rather than JSON Lines.
	Pretty bool
}

// Formatter renders messages as JSON objects. It holds only its options,
// so one Formatter may be used by several goroutines at once.
type Formatter struct {
	opts Options
}

// New returns a Formatter with the given options.
func New(opts Options) *Formatter {
	return &Formatter{opts: opts}
}

// Append appends the JSON object of m and a newline to dst. It implements
// output.Formatter.
func (f *Formatter) Append(dst []byte, m *message.Message) []byte {
	e := enc{b: dst, pretty: f.opts.Pretty}
	e.open('{')
	e.uint("ts", m.Start)
	e.uint("end", m.End)
	appendConn(&e, m.Connection())
	e.str("proto", m.Proto)
	e.str("type", m.Type.String())
	e.str("dir", m.Dir.String())
	e.int("size", m.Size)
	e.trueIf("partial", m.Partial)
	e.trueIf("truncated", m.Truncated())
	if m.HTTP != nil {
		appendHTTP(&e, m.HTTP)
	}
	if m.WS != nil {
		appendWebSocket(&e, m.WS)
	}
	if r := m.Request; r != nil {
		e.key("request")
		e.open('{')
		e.strIf("method", r.Method)
		e.strIf("target", r.Target)
		e.close('}')
	}
	if l := m.Latency; l != nil {
		e.uint("latency_ns", l.Last)
		e.uint("latency_first_ns", l.First)
	}
	if len(m.Notes) > 0 {
		e.key("notes")
		e.open('[')
		for _, n := range m.Notes {
			e.elem()
			e.open('{')
			e.str("kind", n.Kind.String())
			e.str("text", n.Text)
			e.close('}')
		}
		e.close(']')
	}
	if m.Body != nil {
		appendBody(&e, m.Body)
	}
	if m.GRPC != nil {
		appendGRPC(&e, m.GRPC)
	}
	e.close('}')
	return append(e.b, '\n')
}

// appendConn appends the "conn" member.
func appendConn(e *enc, c *message.Conn) {
	e.key("conn")
	e.open('{')
	e.uint("pid", uint64(c.PID))
	e.int("fd", int64(c.FD))
	e.strIf("comm", c.Comm)
	e.strIf("lib", c.Lib)
	if c.Src.IsValid() {
		e.key("src")
		e.b = append(e.b, '"')
		e.b = c.Src.AppendTo(e.b)
		e.b = append(e.b, '"')
	}
	if c.Dst.IsValid() {
		e.key("dst")
		e.b = append(e.b, '"')
		e.b = c.Dst.AppendTo(e.b)
		e.b = append(e.b, '"')
	}
	e.strIf("id", c.ID.Name)
	if c.Serial != 0 {
		e.uint("serial", c.Serial)
	}
	e.close('}')
}

// appendHTTP appends the "http" member.
func appendHTTP(e *enc, h *message.HTTP) {
	e.key("http")
	e.open('{')
	e.strIf("method", h.Method)
	e.strIf("target", h.Target)
	e.strIf("version", h.Version)
	if h.Status != 0 {
		e.int("status", int64(h.Status))
	}
	e.strIf("reason", h.Reason)
	if h.Stream != 0 {
		e.uint("stream", uint64(h.Stream))
	}
	appendFields(e, "headers", h.Headers)
	appendFields(e, "trailers", h.Trailers)
	e.close('}')
}

// appendFields appends header fields as [[name, value], ...], each pair
// on one line in pretty mode.
func appendFields(e *enc, k string, fields []message.Header) {
	if len(fields) == 0 {
		return
	}
	e.key(k)
	e.open('[')
	for _, h := range fields {
		e.elem()
		e.b = append(e.b, '[')
		e.b = appendString(e.b, h.Name)
		e.b = append(e.b, ',')
		if e.pretty {
			e.b = append(e.b, ' ')
		}
		e.b = appendString(e.b, h.Value)
		e.b = append(e.b, ']')
	}
	e.close(']')
}

// appendBody appends the "body" member. The payload goes as "text" when it
// is text and valid UTF-8, so that it round-trips exactly, else as
// "base64".
func appendBody(e *enc, b *message.Body) {
	e.key("body")
	e.open('{')
	if len(b.Data) > 0 {
		if !b.Binary && utf8.Valid(b.Data) {
			e.key("text")
			e.b = appendString(e.b, b.Data)
		} else {
			e.key("base64")
			e.b = append(e.b, '"')
			e.b = base64.StdEncoding.AppendEncode(e.b, b.Data)
			e.b = append(e.b, '"')
		}
	}
	e.int("size", b.Size)
	if b.DecodedSize != 0 {
		e.int("decoded_size", b.DecodedSize)
	}
	e.strIf("encoding", b.Encoding)
	e.strIf("content_type", b.ContentType)
	if b.Cut != 0 {
		e.int("cut", b.Cut)
	}
	e.trueIf("binary", b.Binary)
	e.strIf("error", b.Err)
	e.close('}')
}
