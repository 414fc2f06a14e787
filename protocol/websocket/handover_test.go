package websocket_test

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/builtin"
	"github.com/tapir-dev/tapir/protocol/http1"
	"github.com/tapir-dev/tapir/protocol/websocket"
)

// serverFrame is an unmasked, final frame.
func serverFrame(op byte, rsv1 bool, p []byte) []byte {
	b0 := 0x80 | op
	if rsv1 {
		b0 |= 0x40
	}
	return append([]byte{b0, byte(len(p))}, p...)
}

// clientFrame is a masked, final frame.
func clientFrame(op byte, p []byte) []byte {
	key := []byte{1, 2, 3, 4}
	b := append([]byte{0x80 | op, 0x80 | byte(len(p))}, key...)
	for i, c := range p {
		b = append(b, c^key[i%4])
	}
	return b
}

// deflateMsg compresses one message with no context.
func deflateMsg(s string) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write([]byte(s))
	w.Flush()
	return bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
}

// TestHandOver checks the hand-over from HTTP/1: the frames the server
// sends in the same write as its 101 head, and those the client sends
// before it sees the 101, are decoded; the negotiated extension is used.
func TestHandOver(t *testing.T) {
	req := "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n"
	early := clientFrame(1, []byte("sent before the 101"))
	welcome := serverFrame(1, true, deflateMsg("welcome, welcome, welcome"))
	for _, inbound := range []bool{false, true} {
		t.Run(fmt.Sprintf("server reads=%v", inbound), func(t *testing.T) {
			// As the client sees it, or (inbound) as the server does.
			cd, sd := event.Out, event.In
			if inbound {
				cd, sd = sd, cd
			}
			p := http1.New(protocol.Config{Lookup: builtin.Default.Lookup})
			var got []string
			emit := func(m *message.Message) {
				s := m.Proto + " " + m.Dir.String()
				if m.WS != nil {
					s += " " + m.WS.Opcode
					if m.WS.Compressed {
						s += " deflate"
					}
				}
				if m.Body != nil {
					s += fmt.Sprintf(" %q", m.Body.Data)
				}
				for _, n := range m.Notes {
					s += " [" + n.Text + "]"
				}
				got = append(got, s)
			}
			p.Feed(cd, append([]byte(req), early...), 1, emit)
			p.Feed(sd, append([]byte(resp), welcome...), 2, emit)
			p.Feed(cd, clientFrame(8, binary.BigEndian.AppendUint16(nil, 1000)), 3, emit)
			p.Flush(protocol.Closed, emit)
			want := []string{
				"http1 " + cd.String(),
				"http1 " + sd.String() + " [upgrade to websocket: handed to the websocket parser]",
				"websocket " + cd.String() + ` text "sent before the 101"`,
				"websocket " + sd.String() + ` text deflate "welcome, welcome, welcome"`,
				"websocket " + cd.String() + " close",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// ExampleNewWith decodes a WebSocket carried by an HTTP/2 stream (RFC
// 8441), as an HTTP/2 parser would hand it the DATA of an extended
// CONNECT stream whose :protocol is websocket.
func ExampleNewWith() {
	resp := &message.HTTP{Version: "HTTP/2", Status: 200, Stream: 3, Headers: []message.Header{
		{Name: ":status", Value: "200"},
		{Name: "sec-websocket-extensions", Value: "permessage-deflate"},
	}}
	p := websocket.NewWith(protocol.Config{}, websocket.Options{
		Server:      event.In, // the traced process is the client
		Negotiation: websocket.Negotiate(resp),
		Stream:      3,
	})
	emit := func(m *message.Message) {
		fmt.Printf("%s %s stream=%d compressed=%v %s\n", m.Dir, m.WS.Opcode, m.WS.Stream, m.WS.Compressed, m.Body.Data)
	}
	// The payload of a DATA frame on stream 3, from the server.
	p.Feed(event.In, serverFrame(1, true, deflateMsg("hello over HTTP/2")), 1, emit)
	p.Flush(protocol.Closed, emit)
	// Output:
	// in text stream=3 compressed=true hello over HTTP/2
}
