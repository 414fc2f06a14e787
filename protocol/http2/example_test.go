package http2_test

import (
	"bytes"
	"fmt"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/builtin"
	http2p "github.com/tapir-dev/tapir/protocol/http2"
)

// A client's preface and request, and the server's response, fed to a
// parser as captured: one message per request and response.
func Example() {
	var out, in, hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	block := func(kv ...string) []byte {
		hb.Reset()
		for i := 0; i < len(kv); i += 2 {
			enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
		}
		return bytes.Clone(hb.Bytes())
	}
	out.WriteString(http2.ClientPreface)
	cf := http2.NewFramer(&out, nil)
	cf.WriteSettings()
	cf.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, EndStream: true, EndHeaders: true,
		BlockFragment: block(":method", "GET", ":scheme", "https", ":path", "/hello", ":authority", "example.com")})
	sf := http2.NewFramer(&in, nil)
	sf.WriteSettings()
	sf.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, EndHeaders: true,
		BlockFragment: block(":status", "200", "content-type", "text/plain")})
	sf.WriteData(1, true, []byte("hi"))

	p := http2p.New(protocol.Config{})
	emit := func(m *message.Message) {
		if m.Type == message.Request {
			fmt.Println(m.Type, m.HTTP.Stream, m.HTTP.Method, m.HTTP.Target)
		} else {
			fmt.Println(m.Type, m.HTTP.Stream, m.HTTP.Status, string(m.Body.Data), "for", m.Request.Target)
		}
	}
	p.Feed(event.Out, out.Bytes(), 1000, emit)
	p.Feed(event.In, in.Bytes(), 2000, emit)
	p.Flush(protocol.Closed, emit)
	fmt.Println(p.Stats().Frames[0x4], "SETTINGS frames")
	// Output:
	// request 1 GET /hello
	// response 1 200 hi for /hello
	// 2 SETTINGS frames
}

// A WebSocket carried by an HTTP/2 stream (RFC 8441): the extended
// CONNECT and its 200 are emitted as soon as their HEADERS end, then the
// stream's DATA go to the websocket parser that Config.Lookup finds, and
// its messages carry the stream's id.
func Example_webSocket() {
	var out, in, hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	block := func(kv ...string) []byte {
		hb.Reset()
		for i := 0; i < len(kv); i += 2 {
			enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
		}
		return bytes.Clone(hb.Bytes())
	}
	out.WriteString(http2.ClientPreface)
	cf := http2.NewFramer(&out, nil)
	cf.WriteSettings()
	cf.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, EndHeaders: true,
		BlockFragment: block(":method", "CONNECT", ":protocol", "websocket", ":scheme", "https",
			":path", "/chat", ":authority", "example.com", "sec-websocket-version", "13")})
	sf := http2.NewFramer(&in, nil)
	sf.WriteSettings(http2.Setting{ID: http2.SettingEnableConnectProtocol, Val: 1})
	sf.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, EndHeaders: true, BlockFragment: block(":status", "200")})
	// A server's text frame (FIN, opcode 1, not masked) of 2 bytes.
	sf.WriteData(1, false, []byte("\x81\x02hi"))

	p := http2p.New(protocol.Config{Lookup: builtin.Default.Lookup})
	emit := func(m *message.Message) {
		switch {
		case m.WS != nil:
			fmt.Println(m.Proto, m.Type, "stream", m.WS.Stream, m.WS.Opcode, string(m.Body.Data))
		case m.Type == message.Request:
			fmt.Println(m.Proto, m.Type, m.HTTP.Stream, m.HTTP.Method, m.HTTP.Target)
		default:
			fmt.Println(m.Proto, m.Type, m.HTTP.Stream, m.HTTP.Status)
		}
	}
	p.Feed(event.Out, out.Bytes(), 1000, emit)
	p.Feed(event.In, in.Bytes(), 2000, emit)
	p.Flush(protocol.Closed, emit)
	// Output:
	// http2 request 1 CONNECT /chat
	// http2 response 1 200
	// websocket data stream 1 text hi
}
