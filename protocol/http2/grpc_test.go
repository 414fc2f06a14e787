package http2

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// grpcMsg is a gRPC length-prefixed, uncompressed message.
func grpcMsg(p string) string {
	var b [5]byte
	binary.BigEndian.PutUint32(b[1:], uint32(len(p)))
	return string(b[:]) + p
}

// grpcSummary is one line per message of what m.GRPC holds.
func grpcSummary(msgs []*message.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		fmt.Fprintf(&b, "%s %s", m.Dir, m.Type)
		g := m.GRPC
		if g == nil {
			b.WriteString(" no grpc\n")
			continue
		}
		fmt.Fprintf(&b, " %s/%s", g.Service, g.Method)
		if g.HasStatus {
			fmt.Fprintf(&b, " status=%d %s %q", g.Status, g.StatusName, g.StatusMessage)
		}
		if g.Encoding != "" {
			fmt.Fprintf(&b, " encoding=%s", g.Encoding)
		}
		for _, gm := range g.Messages {
			fmt.Fprintf(&b, " [%d", gm.Length)
			for _, f := range gm.Fields {
				fmt.Fprintf(&b, " %d:%s", f.Number, f.Wire)
				if f.Wire == message.WireBytes && f.Fields == nil && f.Bytes == nil {
					fmt.Fprintf(&b, "=%q", f.Text)
				} else if f.Wire != message.WireBytes {
					fmt.Fprintf(&b, "=%d", f.Value)
				}
			}
			if gm.Err != "" {
				fmt.Fprintf(&b, " err=%q", gm.Err)
			}
			b.WriteString("]")
		}
		if g.Lost {
			b.WriteString(" lost")
		}
		b.WriteString("\n")
	}
	return b.String()
}

var grpcReq = []string{":method", "POST", ":scheme", "http", ":path", "/tapir.test.Echo/Say", ":authority", "echo",
	"content-type", "application/grpc", "te", "trailers"}

// TestGRPC checks the structure the parser gives gRPC requests and
// responses: the call from :path, the status from the trailers (or the
// headers of a trailers-only response), the messages decoded.
func TestGRPC(t *testing.T) {
	tests := []struct {
		name  string
		build func(c *conv)
		want  string
	}{{
		name: "unary",
		build: func(c *conv) {
			c.headers(event.Out, 1, false, grpcReq...)
			c.data(event.Out, 1, true, grpcMsg("\x0a\x03ada"))
			c.headers(event.In, 1, false, ":status", "200", "content-type", "application/grpc")
			c.data(event.In, 1, false, grpcMsg("\x0a\x0ahello, ada"))
			c.headers(event.In, 1, true, "grpc-status", "0", "grpc-message", "")
		},
		want: `out request tapir.test.Echo/Say [5 1:bytes="ada"]
in response tapir.test.Echo/Say status=0 OK "" [12 1:bytes="hello, ada"]
`,
	}, {
		name: "streaming, messages split over DATA frames",
		build: func(c *conv) {
			c.headers(event.Out, 1, false, grpcReq...)
			body := grpcMsg("\x08\x03") + grpcMsg("\x08\x04") + grpcMsg("\x08\x23")
			c.data(event.Out, 1, false, body[:3])
			c.data(event.Out, 1, false, body[3:9])
			c.data(event.Out, 1, true, body[9:])
			c.headers(event.In, 1, false, ":status", "200", "content-type", "application/grpc")
			for i := 1; i <= 3; i++ {
				c.data(event.In, 1, false, grpcMsg(string([]byte{0x08, byte(i * i)})))
			}
			c.headers(event.In, 1, true, "grpc-status", "0")
		},
		want: `out request tapir.test.Echo/Say [2 1:varint=3] [2 1:varint=4] [2 1:varint=35]
in response tapir.test.Echo/Say status=0 OK "" [2 1:varint=1] [2 1:varint=4] [2 1:varint=9]
`,
	}, {
		name: "trailers-only error, message percent-encoded",
		build: func(c *conv) {
			c.headers(event.Out, 1, false, grpcReq...)
			c.data(event.Out, 1, true, grpcMsg(""))
			c.headers(event.In, 1, true, ":status", "200", "content-type", "application/grpc",
				"grpc-status", "3", "grpc-message", "name is empty %E2%80%94 say who")
		},
		want: `out request tapir.test.Echo/Say [0]
in response tapir.test.Echo/Say status=3 INVALID_ARGUMENT "name is empty — say who"
`,
	}, {
		name: "error in trailers, unknown code, not protobuf",
		build: func(c *conv) {
			c.headers(event.Out, 3, false, ":method", "POST", ":path", "/pkg.Svc/Get", "content-type", "application/grpc+json")
			c.data(event.Out, 3, true, grpcMsg(`{"id":7}`))
			c.headers(event.In, 3, false, ":status", "200", "content-type", "application/grpc+json")
			c.headers(event.In, 3, true, "grpc-status", "42")
		},
		want: `out request pkg.Svc/Get [8 err="not a protobuf message"]
in response pkg.Svc/Get status=42 CODE(42) ""
`,
	}, {
		name: "gap in a body",
		build: func(c *conv) {
			c.headers(event.Out, 1, false, grpcReq...)
			c.data(event.Out, 1, false, grpcMsg("\x08\x01"))
			c.fr[event.Out].WriteData(1, true, []byte(grpcMsg("\x08\x02")))
			b := c.buf[event.Out].Bytes()
			c.chunks = append(c.chunks, chunk{dir: event.Out, data: append([]byte(nil), b[:12]...), gap: len(b) - 12})
			c.buf[event.Out].Reset()
		},
		want: `out request tapir.test.Echo/Say [2 1:varint=1] lost
`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t).preface()
			tt.build(c)
			msgs, _ := feed(t, protocol.Config{}, c.chunks)
			if got := grpcSummary(msgs); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s\n(messages:\n%s)", got, tt.want, summary(msgs))
			}
		})
	}
}
