package pb

import (
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tapir-dev/tapir/message"
)

// eCapture's Event.type: the parser kind.
const (
	TypeUnknown       = 0
	TypeHTTP1Request  = 1
	TypeHTTP2Request  = 2
	TypeHTTP1Response = 3
	TypeHTTP2Response = 4
	TypeWebSocket     = 5
)

// Options configure a Formatter.
type Options struct {
	// Bare leaves out the varint length before each record, for a sink
	// that carries each record whole (a WebSocket message a record, as
	// eCapture's clients read them).
	Bare bool
}

// Formatter encodes messages as LogEntry records. It holds only its
// options, so one Formatter may be used by several goroutines at once.
type Formatter struct {
	opts Options
}

// New returns a Formatter with the given options.
func New(opts Options) *Formatter {
	return &Formatter{opts: opts}
}

// Append appends the LogEntry of m, length-prefixed unless Options.Bare,
// to dst. It implements output.Formatter.
func (f *Formatter) Append(dst []byte, m *message.Message) []byte {
	start := len(dst)
	dst = protowire.AppendTag(dst, 1, protowire.VarintType)
	dst = protowire.AppendVarint(dst, uint64(LogType_LOG_TYPE_EVENT))
	ev := len(dst)
	dst = appendEvent(dst, m)
	dst = wrap(dst, 2, ev)
	if !f.opts.Bare {
		dst = prefixLength(dst, start)
	}
	return dst
}

// AppendHeartbeat appends a heartbeat record: the count-th heartbeat
// (from 0), sent at now, after records event records.
func (f *Formatter) AppendHeartbeat(dst []byte, now time.Time, count int64, records uint64) []byte {
	start := len(dst)
	// log_type LOG_TYPE_HEARTBEAT is 0, proto3's default: not written.
	hb := len(dst)
	dst = appendInt(dst, 1, now.Unix())
	dst = appendInt(dst, 2, count)
	var num [20]byte
	dst = appendStr(dst, 3, "heartbeat:"+string(strconv.AppendInt(num[:0], count, 10)))
	dst = appendUint(dst, 100, records)
	dst = wrap(dst, 3, hb)
	if !f.opts.Bare {
		dst = prefixLength(dst, start)
	}
	return dst
}

// Kind returns eCapture's Event.type for m.
func Kind(m *message.Message) uint32 {
	switch {
	case m.WS != nil || m.Proto == "websocket":
		return TypeWebSocket
	case m.HTTP == nil || m.Type == message.Frame:
		return TypeUnknown
	}
	h2 := m.Proto == "http2" || m.Proto == "grpc" || m.HTTP.Version == "HTTP/2" || m.HTTP.Version == "HTTP/2.0"
	switch m.Type {
	case message.Request:
		if h2 {
			return TypeHTTP2Request
		}
		return TypeHTTP1Request
	case message.Response:
		if h2 {
			return TypeHTTP2Response
		}
		return TypeHTTP1Response
	}
	return TypeUnknown
}

// UUID returns the Event.uuid of a connection: "PID_FD_SERIAL", or
// "NAME_SERIAL" for a connection named in the event file.
func UUID(c *message.Conn) string {
	return string(appendUUID(nil, c))
}

func appendUUID(dst []byte, c *message.Conn) []byte {
	if c.ID.Name != "" {
		dst = append(dst, c.ID.Name...)
	} else {
		dst = strconv.AppendUint(dst, uint64(c.PID), 10)
		dst = append(dst, '_')
		dst = strconv.AppendInt(dst, int64(c.FD), 10)
	}
	dst = append(dst, '_')
	return strconv.AppendUint(dst, c.Serial, 10)
}

// appendEvent appends the fields of the Event of m, in field order, as
// proto.Marshal writes them.
func appendEvent(dst []byte, m *message.Message) []byte {
	c := m.Connection()
	dst = appendInt(dst, 1, int64(m.End/uint64(time.Second)))

	// uuid: built in place, then cleaned if a connection name was not
	// UTF-8 (rare).
	dst = protowire.AppendTag(dst, 2, protowire.BytesType)
	u := len(dst)
	dst = appendUUID(dst, c)
	if !utf8.Valid(dst[u:]) {
		clean := []byte(toValidUTF8(string(dst[u:])))
		dst = append(dst[:u], clean...)
	}
	dst = wrapBare(dst, u)

	if c.Src.IsValid() {
		dst = appendAddr(dst, 3, c.Src)
		dst = appendUint(dst, 4, uint64(c.Src.Port()))
	}
	if c.Dst.IsValid() {
		dst = appendAddr(dst, 5, c.Dst)
		dst = appendUint(dst, 6, uint64(c.Dst.Port()))
	}
	dst = appendInt(dst, 7, int64(c.PID))
	dst = appendStr(dst, 8, c.Comm)
	dst = appendUint(dst, 9, uint64(Kind(m)))

	headLen, raw := payloadShape(m)
	bodyLen := 0
	switch {
	case raw:
		bodyLen = len(m.Raw)
	case m.Body != nil:
		bodyLen = len(m.Body.Data)
	}
	n := headLen + bodyLen
	dst = appendUint(dst, 10, uint64(n))
	if n > 0 {
		dst = protowire.AppendTag(dst, 11, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(n))
		if m.HTTP != nil {
			dst = appendHead(dst, m.HTTP)
		}
		switch {
		case raw:
			dst = append(dst, m.Raw...)
		case m.Body != nil:
			dst = append(dst, m.Body.Data...)
		}
	}

	msg := len(dst)
	dst = appendMessage(dst, m, headLen)
	return wrap(dst, 100, msg)
}

// payloadShape returns the length of the head that the payload starts
// with, and whether the payload is the message's wire bytes (a message
// with neither head nor body, such as a protocol frame).
func payloadShape(m *message.Message) (headLen int, raw bool) {
	if m.HTTP != nil {
		return headSize(m.HTTP), false
	}
	return 0, m.Body == nil
}

// appendMessage appends the fields of tapir's Message.
func appendMessage(dst []byte, m *message.Message, bodyOffset int) []byte {
	dst = appendStr(dst, 1, m.Proto)
	dst = appendUint(dst, 2, uint64(m.Type))
	dst = appendUint(dst, 3, uint64(m.Dir))
	dst = appendUint(dst, 4, m.Start)
	dst = appendUint(dst, 5, m.End)
	dst = appendInt(dst, 6, m.Size)

	// conn is always present.
	dst = protowire.AppendTag(dst, 7, protowire.BytesType)
	c := len(dst)
	dst = appendConn(dst, m.Connection())
	dst = wrapBare(dst, c)

	if h := m.HTTP; h != nil {
		dst = protowire.AppendTag(dst, 8, protowire.BytesType)
		s := len(dst)
		dst = appendHTTP(dst, h)
		dst = wrapBare(dst, s)
	}
	if r := m.Request; r != nil {
		dst = protowire.AppendTag(dst, 9, protowire.BytesType)
		s := len(dst)
		dst = appendBytes(dst, 1, r.Method)
		dst = appendBytes(dst, 2, r.Target)
		dst = appendUint(dst, 3, uint64(r.Stream))
		dst = wrapBare(dst, s)
	}
	if l := m.Latency; l != nil {
		dst = protowire.AppendTag(dst, 10, protowire.BytesType)
		s := len(dst)
		dst = appendUint(dst, 1, l.First)
		dst = appendUint(dst, 2, l.Last)
		dst = wrapBare(dst, s)
	}
	if b := m.Body; b != nil {
		dst = protowire.AppendTag(dst, 11, protowire.BytesType)
		s := len(dst)
		dst = appendInt(dst, 1, b.Cut)
		dst = appendInt(dst, 2, b.Size)
		dst = appendInt(dst, 3, b.DecodedSize)
		dst = appendStr(dst, 4, b.Encoding)
		dst = appendBytes(dst, 5, b.ContentType)
		dst = appendBool(dst, 6, b.Binary)
		dst = appendBytes(dst, 7, b.Err)
		dst = wrapBare(dst, s)
	}
	if w := m.WS; w != nil {
		dst = protowire.AppendTag(dst, 12, protowire.BytesType)
		s := len(dst)
		dst = appendStr(dst, 1, w.Opcode)
		dst = appendUint(dst, 2, uint64(uint32(w.Fragments)))
		dst = appendBool(dst, 3, w.Compressed)
		dst = appendUint(dst, 4, uint64(uint32(w.CloseCode)))
		dst = appendBytes(dst, 5, w.CloseReason)
		dst = appendUint(dst, 6, uint64(w.Stream))
		dst = wrapBare(dst, s)
	}
	dst = appendBool(dst, 13, m.Partial)
	dst = appendBool(dst, 14, m.Truncated())
	for _, n := range m.Notes {
		dst = protowire.AppendTag(dst, 15, protowire.BytesType)
		s := len(dst)
		dst = appendUint(dst, 1, uint64(n.Kind))
		dst = appendBytes(dst, 2, n.Text)
		dst = wrapBare(dst, s)
	}
	dst = appendInt(dst, 16, m.RawCut)
	dst = appendUint(dst, 17, uint64(bodyOffset))
	if g := m.GRPC; g != nil {
		dst = protowire.AppendTag(dst, 18, protowire.BytesType)
		s := len(dst)
		dst = appendGRPC(dst, g)
		dst = wrapBare(dst, s)
	}
	return dst
}

func appendConn(dst []byte, c *message.Conn) []byte {
	dst = appendUint(dst, 1, uint64(c.PID))
	dst = appendInt(dst, 2, int64(c.FD))
	dst = appendBytes(dst, 3, c.Comm)
	dst = appendStr(dst, 4, c.Lib)
	dst = appendBytes(dst, 5, c.ID.Name)
	dst = appendUint(dst, 6, c.Serial)
	return dst
}

func appendHTTP(dst []byte, h *message.HTTP) []byte {
	dst = appendBytes(dst, 1, h.Method)
	dst = appendBytes(dst, 2, h.Target)
	dst = appendBytes(dst, 3, h.Version)
	dst = appendInt(dst, 4, int64(h.Status))
	dst = appendBytes(dst, 5, h.Reason)
	dst = appendFields(dst, 6, h.Headers)
	dst = appendFields(dst, 7, h.Trailers)
	dst = appendUint(dst, 8, uint64(h.Stream))
	return dst
}

func appendFields(dst []byte, num protowire.Number, fields []message.Header) []byte {
	for _, h := range fields {
		dst = protowire.AppendTag(dst, num, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(fieldSize(h)))
		dst = appendBytes(dst, 1, h.Name)
		dst = appendBytes(dst, 2, h.Value)
	}
	return dst
}

// fieldSize is the encoded size of a Header's fields.
func fieldSize(h message.Header) int {
	n := 0
	if h.Name != "" {
		n += 1 + protowire.SizeBytes(len(h.Name))
	}
	if h.Value != "" {
		n += 1 + protowire.SizeBytes(len(h.Value))
	}
	return n
}

// isPseudo reports whether the headers open with HTTP/2 pseudo-headers,
// which stand for the start line.
func isPseudo(h *message.HTTP) bool {
	return len(h.Headers) > 0 && len(h.Headers[0].Name) > 0 && h.Headers[0].Name[0] == ':'
}

// headSize is the length of appendHead's output.
func headSize(h *message.HTTP) int {
	n := 0
	if !isPseudo(h) {
		if h.Status != 0 || h.Method == "" {
			n += len(h.Version) + 1 + len(strconv.Itoa(h.Status))
			if h.Reason != "" {
				n += 1 + len(h.Reason)
			}
		} else {
			n += len(h.Method) + 1 + len(h.Target)
			if h.Version != "" {
				n += 1 + len(h.Version)
			}
		}
		n += 2
	}
	for _, f := range h.Headers {
		n += len(f.Name) + 2 + len(f.Value) + 2
	}
	return n + 2
}

// appendHead appends an HTTP head as HTTP/1 text: the start line (unless
// HTTP/2 pseudo-headers stand for it), the header fields and a blank
// line, each line ending in CRLF.
func appendHead(dst []byte, h *message.HTTP) []byte {
	if !isPseudo(h) {
		if h.Status != 0 || h.Method == "" {
			dst = append(dst, h.Version...)
			dst = append(dst, ' ')
			dst = strconv.AppendInt(dst, int64(h.Status), 10)
			if h.Reason != "" {
				dst = append(dst, ' ')
				dst = append(dst, h.Reason...)
			}
		} else {
			dst = append(dst, h.Method...)
			dst = append(dst, ' ')
			dst = append(dst, h.Target...)
			if h.Version != "" {
				dst = append(dst, ' ')
				dst = append(dst, h.Version...)
			}
		}
		dst = append(dst, "\r\n"...)
	}
	for _, f := range h.Headers {
		dst = append(dst, f.Name...)
		dst = append(dst, ": "...)
		dst = append(dst, f.Value...)
		dst = append(dst, "\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// appendAddr appends an address's IP as a string field.
func appendAddr(dst []byte, num protowire.Number, ap netip.AddrPort) []byte {
	dst = protowire.AppendTag(dst, num, protowire.BytesType)
	s := len(dst)
	dst = ap.Addr().AppendTo(dst)
	return wrapBare(dst, s)
}
