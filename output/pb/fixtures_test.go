package pb_test

import (
	"net/netip"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output/internal/outputtest"
)

// t0 and curl are the shared fixtures' time and connection.
var (
	t0   = outputtest.T0
	curl = outputtest.Curl
)

func fields(kv ...string) []message.Header {
	var hs []message.Header
	for i := 0; i+1 < len(kv); i += 2 {
		hs = append(hs, message.Header{Name: kv[i], Value: kv[i+1]})
	}
	return hs
}

// fixtures are messages of every shape the formatter meets.
func fixtures() []struct {
	name string
	msg  message.Message
} {
	named := &message.Conn{ID: event.ConnID{Name: "c-\xff7"}, Comm: "py\xfethon", Src: netip.MustParseAddrPort("[::1]:50000"), Dst: netip.MustParseAddrPort("[2001:db8::1]:8443"), Serial: 9, FD: -1}
	return []struct {
		name string
		msg  message.Message
	}{
		{"http1 request", message.Message{
			Conn: curl, Proto: "http1", Type: message.Request, Dir: event.Out,
			Start: t0, End: t0 + 15e3, Size: 161,
			Raw:  []byte("POST /api/items?x=1 HTTP/1.1\r\n"),
			HTTP: &message.HTTP{Method: "POST", Target: "/api/items?x=1", Version: "HTTP/1.1", Headers: fields("Host", "example.com", "Content-Type", "application/json", "Content-Length", "13")},
			Body: &message.Body{Data: []byte(`{"name":"t"}` + "\n"), Size: 13, DecodedSize: 13, ContentType: "application/json"},
		}},
		{"http1 response", message.Message{
			Conn: curl, Proto: "http1", Type: message.Response, Dir: event.In,
			Start: t0 + 915e3, End: t0 + 1265e3, Size: 120,
			HTTP:    &message.HTTP{Version: "HTTP/1.1", Status: 200, Reason: "OK", Headers: fields("Content-Type", "text/plain", "Content-Encoding", "gzip"), Trailers: fields("X-Sum", "abc")},
			Body:    &message.Body{Data: []byte("hello\n"), Cut: 100, Size: 40, DecodedSize: 106, Encoding: "gzip", ContentType: "text/plain"},
			Request: &message.RequestRef{Method: "POST", Target: "/api/items?x=1"},
			Latency: &message.Latency{First: 900e3, Last: 1250e3},
			Notes:   []message.Note{{Kind: message.Limit, Text: "body cut at 6 bytes"}},
		}},
		{"http1 head without body", message.Message{
			Conn: curl, Proto: "http1", Type: message.Request, Dir: event.Out,
			Start: t0, End: t0, Size: 18,
			HTTP: &message.HTTP{Method: "GET", Target: "/", Version: "HTTP/1.0"},
		}},
		{"http2 request", message.Message{
			Conn: curl, Proto: "http2", Type: message.Request, Dir: event.Out,
			Start: t0, End: t0 + 1, Size: 50,
			HTTP: &message.HTTP{Method: "GET", Target: "/x", Version: "HTTP/2", Stream: 3, Headers: fields(":method", "GET", ":path", "/x", ":authority", "example.com", ":scheme", "https")},
		}},
		{"http2 response partial", message.Message{
			Conn: curl, Proto: "http2", Type: message.Response, Dir: event.In,
			Start: t0 + 5, End: t0 + 9, Size: 80, Partial: true,
			HTTP:    &message.HTTP{Version: "HTTP/2", Status: 404, Stream: 3, Headers: fields(":status", "404")},
			Body:    &message.Body{Data: []byte{0, 1, 2, 0xff}, Size: 4, DecodedSize: 4, Binary: true, Err: "gzip: invalid header"},
			Request: &message.RequestRef{Method: "GET", Target: "/x", Stream: 3},
			Latency: &message.Latency{First: 4, Last: 8},
			Notes:   []message.Note{{Kind: message.Gap, Text: "12 bytes not captured"}, {Kind: message.Info, Text: "bare LF"}},
		}},
		{"raw binary, named connection, not UTF-8", message.Message{
			Conn: named, Proto: "raw", Type: message.Data, Dir: event.In,
			Start: t0, End: t0 + 2e9, Size: 5, RawCut: 3,
			Raw:  []byte("\x00\x01\xff"),
			Body: &message.Body{Data: []byte("\x00\x01\xff"), Size: 5, DecodedSize: 5, Binary: true, Cut: 2},
		}},
		{"frame without body", message.Message{
			Conn: curl, Proto: "http2", Type: message.Frame, Dir: event.Out,
			Start: t0, End: t0, Size: 17,
			Raw: []byte("\x00\x00\x08\x06\x00\x00\x00\x00\x00pingping"),
		}},
		{"websocket text", message.Message{
			Conn: curl, Proto: "websocket", Type: message.Data, Dir: event.Out,
			Start: t0, End: t0 + 3, Size: 11,
			WS:   &message.WebSocket{Opcode: "text", Fragments: 2, Compressed: true},
			Body: &message.Body{Data: []byte("hello"), Size: 5, DecodedSize: 5},
		}},
		{"websocket close", message.Message{
			Conn: curl, Proto: "websocket", Type: message.Data, Dir: event.In,
			Start: t0, End: t0, Size: 8,
			WS:   &message.WebSocket{Opcode: "close", CloseCode: 1001, CloseReason: "going \xffaway", Stream: 7},
			Body: &message.Body{Data: []byte("\x03\xe9going"), Size: 7, DecodedSize: 7, Binary: true},
		}},
		{"empty", message.Message{}},
		{"grpc response", message.Message{
			Conn: curl, Proto: "http2", Type: message.Response, Dir: event.In,
			Start: t0 + 10, End: t0 + 20, Size: 90,
			HTTP:    &message.HTTP{Version: "HTTP/2", Status: 200, Stream: 5, Headers: fields(":status", "200", "content-type", "application/grpc"), Trailers: fields("grpc-status", "3")},
			Body:    &message.Body{Data: []byte("message 1: 9 bytes\n2: \"testing\"\n"), Size: 14, DecodedSize: 9, ContentType: "application/grpc"},
			Request: &message.RequestRef{Method: "POST", Target: "/pkg.Svc/Get", Stream: 5},
			Notes:   []message.Note{{Kind: message.Info, Text: "grpc-status 3 INVALID_ARGUMENT: bad \xff"}},
			GRPC: &message.GRPC{
				Service: "pkg.Svc", Method: "G\xffet", HasStatus: true, Status: 3, StatusName: "INVALID_ARGUMENT", StatusMessage: "bad \xff",
				Encoding: "gzip", MessagesCut: 2, Lost: true,
				Messages: []message.GRPCMessage{
					{Length: 9, Fields: []message.ProtoField{{Number: 2, Wire: message.WireBytes, Text: "testing"}}},
					{Length: 30, Compressed: true, DecodedLength: 50, Cut: 4, Fields: []message.ProtoField{
						{Number: 1, Wire: message.WireVarint, Value: 1<<64 - 1},
						{Number: 2, Wire: message.WireFixed64, Value: 0x3ff0000000000000},
						{Number: 3, Wire: message.WireFixed32},
						{Number: 4, Wire: message.WireGroup, Fields: []message.ProtoField{{Number: 1, Wire: message.WireVarint}}},
						{Number: 5, Wire: message.WireBytes, Bytes: []byte{}, Cut: 3},
						{Number: 6, Wire: message.WireBytes, Text: ""},
						{Number: 7, Wire: message.WireBytes, Fields: []message.ProtoField{}, Cut: 8},
						{Number: 1<<29 - 1, Wire: message.WireBytes, Fields: []message.ProtoField{{Number: 1, Wire: message.WireBytes, Bytes: []byte{0xff}}}},
					}},
					{Length: 3, Data: []byte{0, 0xff, 1}, Err: "not a protobuf message"},
					{Length: 9, Partial: true, Err: "the body ends inside the message: 2 of 9 bytes"},
					{},
				},
			},
		}},
	}
}
