package har_test

import (
	"bytes"
	"net/netip"
	"time"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
)

// t0 is 2024-11-23 08:19:12.123456789 UTC, in ns since the epoch.
var t0 = uint64(time.Date(2024, 11, 23, 8, 19, 12, 123456789, time.UTC).UnixNano())

func conn(fd int32, serial uint64) *message.Conn {
	return &message.Conn{
		ID:  event.ConnID{PID: 4242, FD: fd},
		PID: 4242, FD: fd, Comm: "curl", Lib: "openssl", Serial: serial,
		Src: netip.MustParseAddrPort("10.0.0.7:50514"),
		Dst: netip.MustParseAddrPort("93.184.216.34:443"),
	}
}

func fields(kv ...string) []message.Header {
	var hs []message.Header
	for i := 0; i+1 < len(kv); i += 2 {
		hs = append(hs, message.Header{Name: kv[i], Value: kv[i+1]})
	}
	return hs
}

func req(c *message.Conn, start, end uint64, method, target string, headers []message.Header, body *message.Body) *message.Message {
	return &message.Message{Conn: c, Proto: "http1", Type: message.Request, Dir: event.Out, Start: start, End: end,
		HTTP: &message.HTTP{Method: method, Target: target, Version: "HTTP/1.1", Headers: headers}, Body: body}
}

func resp(c *message.Conn, start, end uint64, status int, reason string, headers []message.Header, body *message.Body, method, target string, wait uint64) *message.Message {
	return &message.Message{Conn: c, Proto: "http1", Type: message.Response, Dir: event.In, Start: start, End: end,
		HTTP:    &message.HTTP{Version: "HTTP/1.1", Status: status, Reason: reason, Headers: headers},
		Body:    body,
		Request: &message.RequestRef{Method: method, Target: target},
		Latency: &message.Latency{First: wait, Last: wait + (end - start)}}
}

func text(s, ctype string) *message.Body {
	return &message.Body{Data: []byte(s), Size: int64(len(s)), DecodedSize: int64(len(s)), ContentType: ctype}
}

func ws(c *message.Conn, at uint64, dir event.Dir, op string, data []byte) *message.Message {
	return &message.Message{Conn: c, Proto: "websocket", Type: message.Data, Dir: dir, Start: at, End: at,
		WS: &message.WebSocket{Opcode: op}, Body: &message.Body{Data: data, Size: int64(len(data)), DecodedSize: int64(len(data)), Binary: op == "binary"}}
}

// session is a capture of every kind of exchange the formatter meets, in
// the order the pipeline would emit it.
func session() []*message.Message {
	a, b, w, w2 := conn(5, 1), conn(6, 2), conn(7, 3), conn(8, 4)
	ms := uint64(time.Millisecond)
	h2 := conn(9, 5)
	gz := &message.Body{Data: bytes.Repeat([]byte("hello, gzip\n"), 10), Size: 40, DecodedSize: 120, Encoding: "gzip", ContentType: "text/plain"}
	png := &message.Body{Data: []byte("\x89PNG\r\n\x1a\n\x00\x01"), Size: 10, DecodedSize: 1000, Cut: 990, Binary: true, ContentType: "image/png"}
	form := text("a=1&b=two+words", "application/x-www-form-urlencoded")
	h2req := &message.Message{Conn: h2, Proto: "http2", Type: message.Request, Dir: event.Out, Start: t0 + 30*ms, End: t0 + 30*ms,
		HTTP: &message.HTTP{Method: "GET", Target: "/h2?q=%E2%9C%93", Version: "HTTP/2", Stream: 1,
			Headers: fields(":method", "GET", ":scheme", "https", ":authority", "h2.example", ":path", "/h2?q=%E2%9C%93")}}
	h2req3 := &message.Message{Conn: h2, Proto: "http2", Type: message.Request, Dir: event.Out, Start: t0 + 31*ms, End: t0 + 31*ms,
		HTTP: &message.HTTP{Method: "GET", Target: "/three", Version: "HTTP/2", Stream: 3,
			Headers: fields(":method", "GET", ":scheme", "https", ":authority", "h2.example", ":path", "/three")}}
	h2resp3 := &message.Message{Conn: h2, Proto: "http2", Type: message.Response, Dir: event.In, Start: t0 + 33*ms, End: t0 + 34*ms,
		HTTP:    &message.HTTP{Version: "HTTP/2", Status: 204, Stream: 3, Headers: fields(":status", "204")},
		Request: &message.RequestRef{Method: "GET", Target: "/three", Stream: 3}, Latency: &message.Latency{First: 2 * ms, Last: 3 * ms}}
	h2resp1 := &message.Message{Conn: h2, Proto: "http2", Type: message.Response, Dir: event.In, Start: t0 + 35*ms, End: t0 + 36*ms,
		HTTP:    &message.HTTP{Version: "HTTP/2", Status: 200, Stream: 1, Headers: fields(":status", "200", "content-type", "application/json")},
		Body:    text(`{"ok":true}`, "application/json"),
		Request: &message.RequestRef{Method: "GET", Target: "/h2?q=%E2%9C%93", Stream: 1}, Latency: &message.Latency{First: 5 * ms, Last: 6 * ms}}
	partial := resp(b, t0+50*ms, t0+51*ms, 200, "OK", fields("Content-Length", "100"), text("cut sh", "text/plain"), "GET", "/slow", 9*ms)
	partial.Partial = true
	partial.Notes = []message.Note{{Kind: message.Gap, Text: "94 bytes not captured"}}
	return []*message.Message{
		// Keep-alive with cookies, a query and a JSON post.
		req(a, t0, t0+ms/2, "POST", "/api/items?id=7&tag=a%20b&flag", fields("Host", "example.com", "Cookie", "sid=abc; theme=dark", "Content-Type", "application/json"), text(`{"name":"tapir"}`, "application/json")),
		resp(a, t0+2*ms, t0+3*ms, 201, "Created", fields("Content-Type", "application/json", "Set-Cookie", "sid=def; Path=/; HttpOnly; Secure; Expires=Wed, 21 Oct 2026 07:28:00 GMT", "Location", "/api/items/8"), text(`{"id":8}`, "application/json"), "POST", "/api/items?id=7&tag=a%20b&flag", 1500*ms/1000),
		// A form post, answered after 100 Continue, gzip.
		req(a, t0+10*ms, t0+11*ms, "POST", "/form", fields("Host", "example.com", "Expect", "100-continue"), form),
		resp(a, t0+10*ms, t0+10*ms, 100, "Continue", nil, nil, "POST", "/form", 0),
		resp(a, t0+12*ms, t0+14*ms, 200, "OK", fields("Content-Encoding", "gzip"), gz, "POST", "/form", ms),
		// Binary, cut for display.
		req(a, t0+20*ms, t0+20*ms, "GET", "/logo.png", fields("Host", "example.com"), nil),
		resp(a, t0+21*ms, t0+22*ms, 200, "OK", fields("Content-Type", "image/png"), png, "GET", "/logo.png", ms),
		// HTTP/2, answered out of order.
		h2req, h2req3, h2resp3, h2resp1,
		// A response whose request came before the capture.
		resp(b, t0+40*ms, t0+40*ms, 304, "Not Modified", nil, nil, "GET", "/cached", 2*ms),
		partial,
		// A WebSocket with its handshake, then one without.
		req(w, t0+60*ms, t0+60*ms, "GET", "/chat", fields("Host", "chat.example", "Upgrade", "websocket", "Connection", "Upgrade"), nil),
		resp(w, t0+61*ms, t0+61*ms, 101, "Switching Protocols", fields("Upgrade", "websocket", "Connection", "Upgrade"), nil, "GET", "/chat", ms),
		ws(w, t0+62*ms, event.Out, "text", []byte("hello")),
		ws(w, t0+63*ms, event.In, "binary", []byte{0, 1, 2}),
		ws(w2, t0+64*ms, event.In, "text", []byte("mid-stream")),
		ws(w, t0+65*ms, event.Out, "close", []byte("\x03\xe8bye")),
		// Never answered.
		req(b, t0+70*ms, t0+71*ms, "DELETE", "/items/8", fields("Host", "example.com"), nil),
	}
}
