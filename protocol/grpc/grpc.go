package grpc

import (
	"encoding/binary"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/body"
)

// Is reports whether a content-type is gRPC's: application/grpc, alone or
// with a +format suffix or parameters.
func Is(contentType string) bool {
	const ct = "application/grpc"
	if len(contentType) < len(ct) || !strings.EqualFold(contentType[:len(ct)], ct) {
		return false
	}
	rest := contentType[len(ct):]
	return rest == "" || rest[0] == '+' || rest[0] == ';'
}

// statusNames are the canonical status codes' names.
var statusNames = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
}

// StatusName returns the name of a gRPC status code ("NOT_FOUND"), or
// "CODE(n)" for one it does not know.
func StatusName(code int) string {
	if code >= 0 && code < len(statusNames) {
		return statusNames[code]
	}
	return "CODE(" + strconv.Itoa(code) + ")"
}

// DecodeMessage undoes the percent-encoding of a grpc-message value; a
// value that is not validly encoded is returned as it is.
func DecodeMessage(v string) string {
	if !strings.Contains(v, "%") {
		return v
	}
	s, err := url.PathUnescape(v)
	if err != nil {
		return v
	}
	return s
}

// prefixLen is the length of a message's prefix: a compressed flag and a
// 4-byte length.
const prefixLen = 5

// Reader splits a gRPC body into its messages as its bytes arrive, renders
// them as text and decodes them into a message.GRPC. It keeps one message
// at a time, of at most Limits.MaxBody bytes (a longer one is counted and
// skipped), at most the display limit of rendering, and a structure of at
// most MaxFields fields and about the display limit of bytes. A Reader is
// used by one goroutine and for one body.
type Reader struct {
	lim      protocol.Limits
	keep     int // rendering bytes kept
	encoding string
	ctype    string

	prefix  [prefixLen]byte
	prefixN int
	need    int64 // bytes of the current message still to come
	length  int64 // its length
	flag    byte
	skip    bool // too long: counted, not kept
	cur     []byte

	out     []byte
	cut     int64
	size    int64 // wire bytes
	decoded int64 // message bytes, decompressed
	n       int   // messages
	lost    bool  // a gap: the rest cannot be split
	coded   bool  // a message was compressed
	dec     *body.Decoder
	errs    []string

	call    message.GRPC // the structure
	bud     budget       // what it may still list
	cutAny  bool         // a limit left out part of it
	skipped int          // messages longer than MaxBody
}

// NewReader returns a Reader for one body, bounded by l, whose messages
// were compressed (those with the flag set) with the grpc-encoding
// encoding.
func NewReader(l protocol.Limits, encoding, contentType string) *Reader {
	l = l.WithDefaults()
	keep := l.Keep(int(min(l.MaxBody, 1<<30)))
	r := &Reader{lim: l, keep: keep, encoding: strings.TrimSpace(encoding), ctype: contentType}
	r.bud = budget{bytes: keep, fields: MaxFields}
	if r.encoding != "" && r.encoding != "<unknown>" {
		r.call.Encoding = r.encoding
	}
	return r
}

// Write takes the next bytes of the body.
func (r *Reader) Write(p []byte) {
	r.size += int64(len(p))
	for len(p) > 0 && !r.lost {
		if r.prefixN < prefixLen {
			n := copy(r.prefix[r.prefixN:], p)
			r.prefixN += n
			p = p[n:]
			if r.prefixN < prefixLen {
				return
			}
			r.flag = r.prefix[0]
			r.length = int64(binary.BigEndian.Uint32(r.prefix[1:]))
			r.need = r.length
			r.skip = r.length > r.lim.MaxBody
			if !r.skip {
				r.cur = r.cur[:0]
			}
			if r.need == 0 {
				r.message()
			}
			continue
		}
		n := int(min(r.need, int64(len(p))))
		if !r.skip {
			r.cur = append(r.cur, p[:n]...)
		}
		r.need -= int64(n)
		p = p[n:]
		if r.need == 0 {
			r.message()
		}
	}
}

// Gap records that n bytes of the body were not captured: the messages
// after them cannot be found.
func (r *Reader) Gap(n int) {
	r.size += int64(n)
	if !r.lost {
		r.lost = true
		r.call.Lost = true
		r.line(fmt.Sprintf("[%d bytes not captured: the messages after them are not shown]\n", n))
	}
}

// message renders the message just gathered.
func (r *Reader) message() {
	r.n++
	r.prefixN = 0
	var head strings.Builder
	fmt.Fprintf(&head, "message %d: %d bytes", r.n, r.length)
	data := r.cur
	gm := message.GRPCMessage{Length: r.length, Compressed: r.flag&1 != 0}
	listed := r.bud.take()
	if !listed {
		r.call.MessagesCut++
		r.cutAny = true
	}
	if r.skip {
		r.skipped++
		fmt.Fprintf(&head, ", not decoded: longer than the %d-byte max-body limit\n", r.lim.MaxBody)
		r.line(head.String())
		if listed {
			gm.Err = fmt.Sprintf("longer than the %d-byte max-body limit: not decoded", r.lim.MaxBody)
			r.list(gm)
		}
		return
	}
	if r.flag&1 != 0 {
		r.coded = true
		enc := r.encoding
		if (enc == "" || enc == "<unknown>") && len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
			// The grpc-encoding field was not seen (or is missing): gzip
			// by its magic number.
			enc = "gzip"
			if r.call.Encoding == "" {
				r.call.Encoding = enc
			}
		}
		d, err := r.decompress(data, enc)
		if err != "" {
			fmt.Fprintf(&head, ", compressed (%s): %s\n", encodingName(enc), err)
			r.line(head.String())
			r.dump(data)
			if listed {
				gm.Err = err
				r.listData(gm, data)
			}
			return
		}
		fmt.Fprintf(&head, ", %s-compressed, %d bytes decompressed", enc, len(d))
		data = d
		gm.DecodedLength = int64(len(d))
	}
	r.decoded += int64(len(data))
	head.WriteString("\n")
	r.line(head.String())
	if len(data) == 0 {
		if listed {
			r.list(gm)
		}
		return
	}
	if !Valid(data) {
		r.line("[not a protobuf message]\n")
		r.dump(data)
		if listed {
			gm.Err = "not a protobuf message"
			r.listData(gm, data)
		}
		return
	}
	if listed {
		gm.Fields, gm.Cut = r.bud.message(data)
		r.list(gm)
	}
	room := r.keep - len(r.out)
	if room <= 0 {
		r.cut += int64(len(data)) // an estimate: the rendering is not made
		return
	}
	start := len(r.out)
	r.out = AppendProto(r.out, data, room+1)
	if len(r.out)-start > room {
		r.cut += int64(len(r.out) - start - room)
		r.out = r.out[:start+room]
	}
}

// list appends a message to the structure.
func (r *Reader) list(gm message.GRPCMessage) {
	r.call.Messages = append(r.call.Messages, gm)
}

// listData appends a message that was not decoded, with what the budget
// keeps of its bytes.
func (r *Reader) listData(gm message.GRPCMessage, data []byte) {
	if k := r.bud.keep(len(data)); k > 0 {
		gm.Data = append(make([]byte, 0, k), data[:k]...)
		gm.Cut = int64(len(data) - k)
	} else {
		gm.Cut = int64(len(data))
	}
	r.list(gm)
}

func encodingName(enc string) string {
	if enc == "" {
		return "no grpc-encoding"
	}
	return enc
}

// decompress undoes the message's grpc-encoding.
func (r *Reader) decompress(p []byte, enc string) ([]byte, string) {
	switch strings.ToLower(enc) {
	case "", "identity":
		return nil, "compressed flag set but no grpc-encoding"
	}
	if r.dec == nil {
		r.dec = body.NewDecoder(protocol.Limits{MaxBody: r.lim.MaxBody, Display: -1, MaxBuffer: r.lim.MaxBuffer})
	}
	r.dec.Reset(enc, "", int64(len(p)))
	r.dec.Write(p)
	var m message.Message
	var b message.Body
	r.dec.Finish(&m, &b)
	if b.Err != "" {
		return nil, b.Err
	}
	if len(m.Notes) > 0 {
		return nil, m.Notes[0].Text
	}
	return b.Data, ""
}

// dump appends bytes that are not a message, escaped.
func (r *Reader) dump(p []byte) {
	r.line(strconv.QuoteToASCII(string(p[:min(len(p), 4096)])) + "\n")
}

// line appends s to the rendering, within the limit.
func (r *Reader) line(s string) {
	room := r.keep - len(r.out)
	if room >= len(s) {
		r.out = append(r.out, s...)
		return
	}
	if room > 0 {
		r.out = append(r.out, s[:room]...)
	}
	r.cut += int64(len(s) - max(room, 0))
}

// Finish ends the body. It sets m.GRPC to the structure of its messages
// and, when the body had any bytes, fills b with their rendering (a new
// Body when b is nil) and sets m.Body to it; it returns m.Body. A message
// the body ends inside is noted, and so is what limits left out. The
// Reader is not used afterwards; m.GRPC points into it.
func (r *Reader) Finish(m *message.Message, b *message.Body) *message.Body {
	if !r.lost && (r.prefixN > 0) {
		got := r.length - r.need
		gm := message.GRPCMessage{Partial: true}
		if r.prefixN < prefixLen {
			r.line(fmt.Sprintf("[the body ends inside the prefix of message %d]\n", r.n+1))
			gm.Err = "the body ends inside the message's prefix"
		} else {
			r.line(fmt.Sprintf("[the body ends inside message %d: %d of %d bytes]\n", r.n+1, got, r.length))
			gm.Length, gm.Compressed = r.length, r.flag&1 != 0
			gm.Err = fmt.Sprintf("the body ends inside the message: %d of %d bytes", got, r.length)
		}
		if r.bud.take() {
			r.list(gm)
		} else {
			r.call.MessagesCut++
			r.cutAny = true
		}
		if !m.Partial {
			m.AddNote(message.Error, "gRPC body ends inside a message")
		}
	}
	if r.skipped > 0 {
		m.AddNote(message.Limit, "%d gRPC messages longer than the %d-byte max-body limit not decoded", r.skipped, r.lim.MaxBody)
	}
	if r.cutAny || r.bud.cut {
		m.AddNote(message.Limit, "gRPC structure cut at its limit (%d fields, %d bytes): %d messages not listed, the rest counted in cut fields",
			MaxFields, r.keep, r.call.MessagesCut)
	}
	if r.size > 0 {
		if b == nil {
			b = new(message.Body)
		}
		*b = message.Body{Data: r.out, Cut: r.cut, Size: r.size, DecodedSize: r.decoded, ContentType: r.ctype}
		if r.coded {
			b.Encoding = r.encoding
		}
		m.Body = b
	}
	if r.dec != nil {
		r.dec.Discard()
		r.dec = nil
	}
	r.cur = nil
	m.GRPC = &r.call
	return m.Body
}

// Messages returns the number of messages split so far.
func (r *Reader) Messages() int { return r.n }
