package outputtest

import (
	"bytes"
	"net/netip"
	"time"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
)

// Fixture is one message the golden tests render, under the name that
// heads it in the golden files.
type Fixture struct {
	Name string
	Msg  message.Message
}

// T0 is 2024-11-23 08:19:12.123456789 UTC, in ns since the epoch: the time
// the fixtures start at.
var T0 = uint64(time.Date(2024, 11, 23, 8, 19, 12, 123456789, time.UTC).UnixNano())

// Curl is the connection most fixtures travel on.
var Curl = &message.Conn{
	ID:     event.ConnID{PID: 4242, FD: 5},
	PID:    4242,
	FD:     5,
	Comm:   "curl",
	Lib:    "openssl",
	Src:    netip.MustParseAddrPort("10.0.0.7:50514"),
	Dst:    netip.MustParseAddrPort("93.184.216.34:443"),
	Serial: 1,
}

// pngHead is the start of a PNG file: signature and IHDR chunk.
const pngHead = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"

// Fixtures returns messages of every shape a formatter meets, in the order
// of the golden files. Each call returns new messages, which the caller
// may change.
func Fixtures() []Fixture {
	jsonReq := `{"name":"tapir","tags":["fast","safe"],"n":1,"empty":{},"list":[]}`
	jsonResp := `{"id":1,"name":"tapir","note":"line\nbreak \u00e9 \"q\""}`
	gzText := "hello, gzip world\nhello, gzip world\nhello, gzip world\n"
	png := []byte(pngHead + string(bytes.Repeat([]byte{0, 1, 2, 0xff}, 10)))
	cut := bytes.Repeat([]byte("0123456789abcdef"), 4)
	ansi := "\x1b[2J\x1b[31mred\x1b[0m\a\r\nline 2 \u202eevil\u202c \u009b31m done\r\n"
	return []Fixture{
		{"raw text turn", message.Message{
			Conn: Curl, Proto: "raw", Type: message.Data, Dir: event.Out,
			Start: T0, End: T0 + 1000, Size: 18,
			Raw:  []byte("PING\r\nhello world\n"),
			Body: &message.Body{Data: []byte("PING\r\nhello world\n"), Size: 18, DecodedSize: 18},
		}},
		{"raw binary turn", message.Message{
			Conn: Curl, Proto: "raw", Type: message.Data, Dir: event.In,
			Start: T0 + 2e6, End: T0 + 2e6, Size: 21,
			Raw:  []byte("\x00\x01\x02\x03binary\xff\xfe\x1b[0m\x7f\x80abc"),
			Body: &message.Body{Data: []byte("\x00\x01\x02\x03binary\xff\xfe\x1b[0m\x7f\x80abc"), Size: 21, DecodedSize: 21, Binary: true},
		}},
		{"http1 request with json body", message.Message{
			Conn: Curl, Proto: "http1", Type: message.Request, Dir: event.Out,
			Start: T0, End: T0 + 15e3, Size: 161,
			Raw:  []byte("POST /api/items HTTP/1.1\r\nHost: example.com\r\n"),
			HTTP: &message.HTTP{Method: "POST", Target: "/api/items", Version: "HTTP/1.1", Headers: Fields("Host", "example.com", "Content-Type", "application/json", "Content-Length", "67")},
			Body: &message.Body{Data: []byte(jsonReq), Size: 67, DecodedSize: 67, ContentType: "application/json"},
		}},
		{"http1 response with latency", message.Message{
			Conn: Curl, Proto: "http1", Type: message.Response, Dir: event.In,
			Start: T0 + 915e3, End: T0 + 1265e3, Size: 120,
			Raw:     []byte("HTTP/1.1 200 OK\r\n"),
			HTTP:    &message.HTTP{Version: "HTTP/1.1", Status: 200, Reason: "OK", Headers: Fields("Content-Type", "application/json; charset=utf-8", "Content-Length", "57")},
			Body:    &message.Body{Data: []byte(jsonResp), Size: 57, DecodedSize: 57, ContentType: "application/json; charset=utf-8"},
			Request: &message.RequestRef{Method: "POST", Target: "/api/items"},
			Latency: &message.Latency{First: 900e3, Last: 1250e3},
		}},
		{"gzip body", message.Message{
			Conn: Curl, Proto: "http1", Type: message.Response, Dir: event.In,
			Start: T0 + 3e9, End: T0 + 3e9 + 2e6, Size: 160,
			HTTP:    &message.HTTP{Version: "HTTP/1.1", Status: 200, Reason: "OK", Headers: Fields("Content-Type", "text/plain", "Content-Encoding", "gzip", "Transfer-Encoding", "chunked")},
			Body:    &message.Body{Data: []byte(gzText), Size: 43, DecodedSize: int64(len(gzText)), Encoding: "gzip", ContentType: "text/plain"},
			Request: &message.RequestRef{Method: "GET", Target: "/hello.txt"},
			Latency: &message.Latency{First: 12_400_000, Last: 345_600_000},
		}},
		{"binary image body", message.Message{
			Conn: Curl, Proto: "http1", Type: message.Response, Dir: event.In,
			Start: T0 + 4e9, End: T0 + 4e9 + 1, Size: 140,
			HTTP:    &message.HTTP{Version: "HTTP/1.1", Status: 200, Reason: "OK", Headers: Fields("Content-Type", "image/png", "Content-Length", "73")},
			Body:    &message.Body{Data: png, Size: int64(len(png)), DecodedSize: int64(len(png)), ContentType: "image/png", Binary: true},
			Request: &message.RequestRef{Method: "GET", Target: "/logo.png"},
			Latency: &message.Latency{First: 999_700, Last: 999_700},
		}},
		{"http2 request", message.Message{
			Conn: Curl, Proto: "http2", Type: message.Request, Dir: event.Out,
			Start: T0 + 5e9, End: T0 + 5e9, Size: 48,
			HTTP: &message.HTTP{Method: "GET", Target: "/v1/users?id=7", Version: "HTTP/2", Stream: 3, Headers: Fields(":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", "/v1/users?id=7", "user-agent", "curl/8.5.0")},
		}},
		{"http2 response with trailers", message.Message{
			Conn: Curl, Proto: "http2", Type: message.Response, Dir: event.In,
			Start: T0 + 5e9 + 3e6, End: T0 + 5e9 + 4e6, Size: 80,
			HTTP:    &message.HTTP{Version: "HTTP/2", Status: 200, Stream: 3, Headers: Fields(":status", "200", "content-type", "application/grpc"), Trailers: Fields("grpc-status", "0", "grpc-message", "")},
			Body:    &message.Body{Data: []byte("\x00\x00\x00\x00\x05\x0a\x03abc"), Size: 10, DecodedSize: 10, ContentType: "application/grpc", Binary: true},
			Request: &message.RequestRef{Method: "GET", Target: "/v1/users?id=7", Stream: 3},
			Latency: &message.Latency{First: 3_000_000, Last: 4_000_000},
		}},
		{"partial message", message.Message{
			Conn: Curl, Proto: "http1", Type: message.Response, Dir: event.In,
			Start: T0 + 6e9, End: T0 + 6e9 + 5e5, Size: 60,
			HTTP:    &message.HTTP{Version: "HTTP/1.1", Status: 200, Reason: "OK", Headers: Fields("Content-Length", "1000")},
			Body:    &message.Body{Data: []byte("the first bytes of a "), Size: 21, DecodedSize: 21},
			Partial: true,
			Notes:   []message.Note{{Kind: message.Info, Text: "flushed at idle"}},
		}},
		{"truncated body", message.Message{
			Conn: Curl, Proto: "http1", Type: message.Response, Dir: event.In,
			Start: T0 + 7e9, End: T0 + 7e9 + 10e6, Size: 4200,
			Raw:    []byte("HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n0123456789abcdef"),
			RawCut: 4080,
			HTTP:   &message.HTTP{Version: "HTTP/1.1", Status: 200, Reason: "OK", Headers: Fields("Content-Length", "4096")},
			Body:   &message.Body{Data: cut, Cut: 4096 - int64(len(cut)), Size: 4096, DecodedSize: 4096, ContentType: "text/plain"},
		}},
		{"notes of each kind", message.Message{
			Conn: Curl, Proto: "http1", Type: message.Request, Dir: event.Out,
			Start: T0 + 8e9, End: T0 + 8e9, Size: 30,
			HTTP: &message.HTTP{Method: "GET", Target: "/", Version: "HTTP/1.1"},
			Notes: []message.Note{
				{Kind: message.Info, Text: "bare LF line endings"},
				{Kind: message.Gap, Text: "512 bytes not captured"},
				{Kind: message.Limit, Text: "header section over 64 KiB"},
				{Kind: message.Error, Text: "bad chunk size \"zz\""},
			},
		}},
		{"ipv6 addresses", message.Message{
			Conn: &message.Conn{
				ID: event.ConnID{PID: 77, FD: 9}, PID: 77, FD: 9, Comm: "wget", Lib: "gnutls",
				Src: netip.MustParseAddrPort("[2001:db8::7]:50514"), Dst: netip.MustParseAddrPort("[::1]:443"), Serial: 2,
			},
			Proto: "raw", Type: message.Data, Dir: event.In,
			Start: T0 + 9e9, End: T0 + 9e9 + 42, Size: 6,
			Body: &message.Body{Data: []byte("pong\r\n"), Size: 6, DecodedSize: 6},
		}},
		{"conn-name connection", message.Message{
			Conn:  &message.Conn{ID: event.ConnID{Name: "replay-7"}, Serial: 7, FD: -1},
			Proto: "websocket", Type: message.Data, Dir: event.Out,
			Start: T0 + 10e9, End: T0 + 10e9, Size: 26,
			Body: &message.Body{Data: []byte(`{"op":"sub","ch":[1,2]}`), Size: 23, DecodedSize: 23},
		}},
		{"frame", message.Message{
			Conn: Curl, Proto: "http2", Type: message.Frame, Dir: event.Out,
			Start: T0 + 11e9, End: T0 + 11e9, Size: 9,
			Raw:   []byte("\x00\x00\x00\x04\x01\x00\x00\x00\x00"),
			Notes: []message.Note{{Kind: message.Info, Text: "SETTINGS ack"}},
		}},
		{"body decode error", message.Message{
			Conn: Curl, Proto: "http1", Type: message.Response, Dir: event.In,
			Start: T0 + 12e9, End: T0 + 12e9, Size: 70,
			HTTP:    &message.HTTP{Version: "HTTP/1.1", Status: 502, Reason: "Bad Gateway", Headers: Fields("Content-Encoding", "gzip")},
			Body:    &message.Body{Data: []byte("\x1f\x8b\x08garbage"), Size: 10, Encoding: "gzip", Binary: true, Err: "gzip: invalid header"},
			Request: &message.RequestRef{Method: "GET", Target: "/broken"},
			Latency: &message.Latency{First: 75_300_000_000, Last: 75_300_000_000},
		}},
		{"ansi escapes in body", message.Message{
			Conn: &message.Conn{
				ID: event.ConnID{PID: 9, FD: 3}, PID: 9, FD: 3, Comm: "evil\x1b[7m",
				Src: netip.MustParseAddrPort("127.0.0.1:40000"), Serial: 3,
			},
			Proto: "http1", Type: message.Response, Dir: event.In,
			Start: T0 + 13e9, End: T0 + 13e9 + 850, Size: 99,
			HTTP:    &message.HTTP{Version: "HTTP/1.1", Status: 404, Reason: "Not\x1b[5m Found", Headers: Fields("X-Title", "\x1b]0;owned\x07\xff\xfe", "Content-Type", "text/plain")},
			Body:    &message.Body{Data: []byte(ansi), Size: int64(len(ansi)), DecodedSize: int64(len(ansi)), ContentType: "text/plain"},
			Request: &message.RequestRef{Method: "GET", Target: "/\x1b[1mx"},
			Latency: &message.Latency{First: 850, Last: 850},
		}},
	}
}

// Fields makes header fields of name, value pairs.
func Fields(kv ...string) []message.Header {
	hs := make([]message.Header, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		hs = append(hs, message.Header{Name: kv[i], Value: kv[i+1]})
	}
	return hs
}
