package message

import (
	"fmt"
	"net/netip"

	"github.com/tapir-dev/tapir/event"
)

// Type says what role a message plays in its protocol.
type Type uint8

const (
	// Data is a message whose role the protocol does not know, such as a
	// raw turn.
	Data Type = iota
	// Request is a client's request.
	Request
	// Response is a server's response.
	Response
	// Frame is a protocol frame shown on its own (--frames).
	Frame
)

// String returns "data", "request", "response" or "frame".
func (t Type) String() string {
	switch t {
	case Data:
		return "data"
	case Request:
		return "request"
	case Response:
		return "response"
	case Frame:
		return "frame"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// Conn describes the connection a message travelled on. The pipeline fills
// it in; parsers leave it nil. A Conn is shared by the messages of its
// connection and, like them, read-only: when the pipeline learns more of a
// connection (its addresses, say), later messages get a new Conn.
type Conn struct {
	ID   event.ConnID
	PID  uint32
	FD   int32
	Comm string
	Lib  string
	// Src is the traced process's end, Dst the peer's.
	Src, Dst netip.AddrPort
	// Serial numbers connections in the order they were first seen, from
	// 1; it tells apart connections that reused one pid+fd.
	Serial uint64
}

// Message is one unit of a protocol's traffic. A message is read-only once
// emitted: parsers may share memory between its Raw, its Body.Data and the
// strings of its HTTP head (HTTP/1 keeps one copy of the head, in Raw).
type Message struct {
	// Conn is the connection, filled in by the pipeline; nil for a
	// message that did not come through one (see Connection).
	Conn  *Conn
	Proto string // "raw", "http1", "http2", "websocket", "redis", ...
	// Type is the message's role: request, response, data or frame.
	Type Type
	// Dir is the direction the message travelled, seen from the traced
	// process.
	Dir event.Dir
	// Partial is set when the message was not complete: flushed at idle,
	// at shutdown, or cut by a gap.
	Partial bool
	// Start and End are the times of the first and last byte of the
	// message, on the events' clock (ns).
	Start, End uint64
	// Size is the message's length on the wire, head included.
	Size int64
	// Raw holds the first bytes of the message as they crossed the wire
	// (at most the display limit), for hex dumps; RawCut says how many
	// were not kept.
	Raw    []byte
	RawCut int64

	// HTTP is the head of an HTTP request or response; nil otherwise.
	HTTP *HTTP
	// Body is the payload, decoded (for Redis, the command or reply
	// rendered as text); nil when there is none.
	Body *Body
	// Request is, for a response, the request it answers.
	Request *RequestRef
	// Latency is, for a response, the time from its request's last byte.
	Latency *Latency
	// WS describes a WebSocket message or frame; nil for other protocols.
	WS *WebSocket
	// GRPC describes the gRPC call of an HTTP/2 request or response and
	// the messages its body carried, decoded; nil for other messages.
	// Body holds the same messages rendered as text.
	GRPC *GRPC

	// Notes are remarks on the message: tolerated irregularities, gaps,
	// limits hit.
	Notes []Note
}

// noConn is what Connection returns for a message without a connection.
var noConn Conn

// Connection returns m.Conn, or an empty Conn when m has none, so that
// formatters need not check. The result must not be modified.
func (m *Message) Connection() *Conn {
	if m.Conn != nil {
		return m.Conn
	}
	return &noConn
}

// AddNote appends a note to the message.
func (m *Message) AddNote(k NoteKind, format string, args ...any) {
	m.Notes = append(m.Notes, Note{Kind: k, Text: fmt.Sprintf(format, args...)})
}

// Truncated reports whether any part of the message was cut for display
// or by a limit.
func (m *Message) Truncated() bool {
	if m.RawCut > 0 || (m.Body != nil && m.Body.Cut > 0) {
		return true
	}
	for _, n := range m.Notes {
		if n.Kind == Limit {
			return true
		}
	}
	return false
}

// HTTP holds the head of an HTTP request or response, of any version.
type HTTP struct {
	Method  string // requests
	Target  string // requests: request-target or :path
	Version string // "HTTP/1.1", "HTTP/2", ...
	Status  int    // responses
	Reason  string // responses
	// Headers are in wire order, pseudo-headers included for HTTP/2.
	Headers []Header
	// Trailers are the trailer fields, in wire order.
	Trailers []Header
	// Stream is the HTTP/2 stream id; 0 for HTTP/1.
	Stream uint32
}

// Header is one field as it appeared on the wire.
type Header struct {
	Name, Value string
}

// RequestRef identifies the request a response answers.
type RequestRef struct {
	Method string // "GET"; for Redis the command name, "SET"
	Target string // "/items/1"; for Redis the first argument, the key
	Stream uint32 // the HTTP/2 stream; 0 otherwise
}

// Latency is the time a response took, from the last byte of its request.
type Latency struct {
	// First is the time to the response's first byte, Last to its last.
	First, Last uint64
}

// Body is a message's payload, decoded.
type Body struct {
	// Data is the decoded payload, at most the display limit (--tsize);
	// Cut says how many decoded bytes were not kept.
	Data []byte
	Cut  int64
	// Size is the payload's length on the wire (after de-chunking, before
	// content decoding); DecodedSize its length after content decoding,
	// 0 when its coding could not be undone at all (Err says why).
	Size        int64
	DecodedSize int64
	// Encoding is the content coding that was undone ("gzip", "gzip, br").
	Encoding    string
	ContentType string
	// Binary is set when the payload is not text.
	Binary bool
	// Err says why content decoding failed; Data then holds the raw bytes.
	Err string
}

// NoteKind classifies a note.
type NoteKind uint8

const (
	// Info is a remark on the input that lost nothing (a tolerated
	// irregularity such as a bare LF).
	Info NoteKind = iota
	// Gap means bytes of the stream were not captured.
	Gap
	// Limit means a limit cut the message (buffer, body, header size).
	Limit
	// Error means the bytes could not be parsed.
	Error
)

// String returns "info", "gap", "limit" or "error".
func (k NoteKind) String() string {
	switch k {
	case Info:
		return "info"
	case Gap:
		return "gap"
	case Limit:
		return "limit"
	case Error:
		return "error"
	}
	return fmt.Sprintf("note(%d)", uint8(k))
}

// Note is a remark on a message: something lost, cut, or irregular.
type Note struct {
	Kind NoteKind
	Text string
}

// WebSocket describes a WebSocket message (or, with --frames, one frame).
// Its payload, unmasked and decompressed, is the message's Body.
type WebSocket struct {
	// Opcode names the frame type: "text", "binary", "close", "ping",
	// "pong", "continuation" (the rest of a message whose first frame was
	// not seen, or a single frame), or "opcode-N" for a reserved one.
	Opcode string
	// Fragments is the number of data frames the message came in.
	Fragments int
	// Compressed is set when the message was compressed with
	// permessage-deflate (RFC 7692).
	Compressed bool
	// CloseCode is a close frame's status code, 0 when it had none;
	// CloseReason its reason.
	CloseCode   int
	CloseReason string
	// Stream is the HTTP/2 stream that carries the WebSocket (RFC 8441);
	// 0 over HTTP/1.1.
	Stream uint32
}
