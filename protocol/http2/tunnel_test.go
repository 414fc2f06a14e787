package http2

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/http2"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/websocket"
)

// The tests below build their streams with x/net's Framer and hpack
// Encoder and their WebSocket frames by hand: they are synthetic, for the
// cases a real session does not give on demand (DATA before the
// response, a refusal, resets, gaps, padding, too many WebSockets). The
// real session is testdata/recordings/h2-ws.jsonl (TestRecordings).

// withWS is a Config whose Lookup finds the websocket parser, as the
// pipeline's, made from protocol/builtin's list, does.
func withWS(cfg protocol.Config) protocol.Config {
	cfg.Lookup = func(name string) (protocol.Spec, bool) {
		if name == websocket.Name {
			return websocket.Spec, true
		}
		return protocol.Spec{}, false
	}
	return cfg
}

// wsFrame returns a WebSocket frame: opcode op, FIN as given, masked
// (as a client's frames are) when mask is set.
func wsFrame(fin bool, op byte, mask bool, payload string) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var m byte
	if mask {
		m = 0x80
	}
	b := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		b = append(b, m|byte(n))
	case n < 1<<16:
		b = append(b, m|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if !mask {
		return append(b, payload...)
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	b = append(b, key[:]...)
	for i := range len(payload) {
		b = append(b, payload[i]^key[i%4])
	}
	return b
}

// clientWS and serverWS are one frame of the client's (masked) and of
// the server's.
func clientWS(op byte, payload string) string { return string(wsFrame(true, op, true, payload)) }
func serverWS(op byte, payload string) string { return string(wsFrame(true, op, false, payload)) }

const (
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
)

// connect1 is the extended CONNECT of stream id asking for a WebSocket.
func connect1(c *conv, id uint32, path string) {
	c.headers(event.Out, id, false, ":method", "CONNECT", ":protocol", "websocket", ":scheme", "https",
		":path", path, ":authority", "x.example", "sec-websocket-version", "13")
}

func TestTunnel(t *testing.T) {
	closeFrame := func(mask bool) string {
		return string(wsFrame(true, opClose, mask, "\x03\xe8bye"))
	}
	tests := []struct {
		name  string
		noWS  bool // no websocket parser in the list
		build func(c *conv)
		want  string
	}{{
		name: "request and response at their HEADERS, DATA to the websocket parser",
		build: func(c *conv) {
			connect1(c, 1, "/chat")
			c.headers(event.In, 1, false, ":status", "200", "sec-websocket-protocol", "chat.v1")
			c.data(event.Out, 1, false, clientWS(opText, "hello"))
			c.data(event.In, 1, false, serverWS(opText, "hel")[:3])
			c.data(event.In, 1, false, serverWS(opText, "hel")[3:]+serverWS(opBinary, "\x00\x01"))
			c.data(event.Out, 1, false, closeFrame(true))
			c.data(event.In, 1, true, closeFrame(false))
			c.data(event.Out, 1, true, "")
		},
		want: `out request s1 CONNECT /chat sec-websocket-version=13
in response s1 200 sec-websocket-protocol=chat.v1 <- CONNECT /chat [info: extended CONNECT (RFC 8441): the stream carries a WebSocket, handed to the websocket parser]
out data ws s1 text body="hello"
in data ws s1 text body="hel"
in data ws s1 binary body="\x00\x01"
out data ws s1 close 1000 "bye"
in data ws s1 close 1000 "bye"
`,
	}, {
		name: "DATA before the response is held for the parser",
		build: func(c *conv) {
			connect1(c, 1, "/chat")
			c.data(event.Out, 1, false, clientWS(opText, "early"))
			c.headers(event.In, 1, false, ":status", "200")
			c.data(event.In, 1, true, serverWS(opText, "late"))
			c.data(event.Out, 1, true, clientWS(opText, "last"))
		},
		want: `out request s1 CONNECT /chat sec-websocket-version=13
in response s1 200 <- CONNECT /chat [info: extended CONNECT (RFC 8441): the stream carries a WebSocket, handed to the websocket parser]
out data ws s1 text body="early"
in data ws s1 text body="late"
out data ws s1 text body="last"
`,
	}, {
		name: "refused: the response is an ordinary one, the client's DATA a message of the stream",
		build: func(c *conv) {
			connect1(c, 1, "/chat")
			c.data(event.Out, 1, false, "early")
			c.headers(event.In, 1, false, ":status", "400", "content-type", "text/plain")
			c.data(event.In, 1, true, "no")
			c.data(event.Out, 1, true, "!")
		},
		want: `out request s1 CONNECT /chat sec-websocket-version=13
in response s1 400 content-type=text/plain body="no" <- CONNECT /chat
out request s1 CONNECT /chat body="early!" [info: DATA of the extended CONNECT stream 1, not decoded: the server answered 400]
`,
	}, {
		name: "reset in the middle of a message",
		build: func(c *conv) {
			connect1(c, 1, "/chat")
			c.headers(event.In, 1, false, ":status", "200")
			c.data(event.Out, 1, false, string(wsFrame(false, opText, true, "first half, ")))
			c.fr[event.Out].WriteRSTStream(1, http2.ErrCodeCancel)
			c.flush(event.Out)
			c.data(event.Out, 1, false, clientWS(opText, "after the reset"))
		},
		want: `out request s1 CONNECT /chat sec-websocket-version=13
in response s1 200 <- CONNECT /chat [info: extended CONNECT (RFC 8441): the stream carries a WebSocket, handed to the websocket parser]
out data ws s1 text body="first half, " partial [info: the connection closed before the end of the message]
out frame body="RST_STREAM stream=1 length=4 error=CANCEL" <- CONNECT /chat [info: stream reset by the client: CANCEL]
`,
	}, {
		name: "reset before the response",
		build: func(c *conv) {
			connect1(c, 1, "/chat")
			c.data(event.Out, 1, false, clientWS(opText, "early"))
			c.fr[event.In].WriteRSTStream(1, http2.ErrCodeRefusedStream)
			c.flush(event.In)
		},
		want: `out request s1 CONNECT /chat sec-websocket-version=13
out request s1 CONNECT /chat body="\x81\x857\xfa!=R\x9bSQN" partial [info: DATA of the extended CONNECT stream 1, not decoded: stream reset by the server: REFUSED_STREAM] [info: stream reset by the server: REFUSED_STREAM]
`,
	}, {
		name: "the connection ends inside a message",
		build: func(c *conv) {
			connect1(c, 1, "/chat")
			c.headers(event.In, 1, false, ":status", "200")
			c.data(event.In, 1, false, string(wsFrame(false, opText, false, "to be continued")))
		},
		want: `out request s1 CONNECT /chat sec-websocket-version=13
in response s1 200 <- CONNECT /chat [info: extended CONNECT (RFC 8441): the stream carries a WebSocket, handed to the websocket parser]
in data ws s1 text body="to be continued" partial [info: the connection closed before the end of the message]
`,
	}, {
		name: "trailers on the stream",
		build: func(c *conv) {
			connect1(c, 1, "/chat")
			c.headers(event.In, 1, false, ":status", "200")
			c.data(event.In, 1, false, serverWS(opText, "x"))
			c.headers(event.In, 1, true, "x-why", "done")
			c.data(event.Out, 1, true, "")
		},
		want: `out request s1 CONNECT /chat sec-websocket-version=13
in response s1 200 <- CONNECT /chat [info: extended CONNECT (RFC 8441): the stream carries a WebSocket, handed to the websocket parser]
in data ws s1 text body="x"
in response s1 200 trailer:x-why=done <- CONNECT /chat [info: trailers on the extended CONNECT stream 1]
`,
	}, {
		name: "a plain CONNECT is no tunnel",
		build: func(c *conv) {
			c.headers(event.Out, 1, false, ":method", "CONNECT", ":authority", "db.example:5432")
			c.headers(event.In, 1, false, ":status", "200")
			c.data(event.Out, 1, true, "ping")
			c.data(event.In, 1, true, "pong")
		},
		want: `out request s1 CONNECT db.example:5432 body="ping"
in response s1 200 body="pong" <- CONNECT db.example:5432
`,
	}, {
		name: "without a websocket parser the stream is an ordinary one",
		noWS: true,
		build: func(c *conv) {
			connect1(c, 1, "/chat")
			c.headers(event.In, 1, false, ":status", "200")
			c.data(event.Out, 1, true, clientWS(opText, "a"))
			c.data(event.In, 1, true, serverWS(opText, "b"))
		},
		want: `out request s1 CONNECT /chat sec-websocket-version=13 body="\x81\x817\xfa!=V"
in response s1 200 body="\x81\x01b" <- CONNECT /chat
`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t).preface()
			tt.build(c)
			cfg := protocol.Config{}
			if !tt.noWS {
				cfg = withWS(cfg)
			}
			msgs, p := feed(t, cfg, c.chunks)
			if got := summary(msgs); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			if len(p.streams) != 0 || p.tunnels != 0 || p.rawHeld != 0 {
				t.Errorf("after Flush: %d streams, %d tunnels, %d bytes held", len(p.streams), p.tunnels, p.rawHeld)
			}
		})
	}
}

// TestTunnelPrompt: the request and the response are emitted by the Feed
// that brings the end of their HEADERS, though the stream goes on.
func TestTunnelPrompt(t *testing.T) {
	c := newConv(t).preface()
	connect1(c, 1, "/chat")
	c.headers(event.In, 1, false, ":status", "200")
	p := New(withWS(protocol.Config{}))
	var got []string
	for i, ch := range c.chunks {
		n := 0
		p.Feed(ch.dir, ch.data, uint64(i), func(m *message.Message) {
			n++
			got = append(got, fmt.Sprintf("chunk %d: %s %s", i, m.Dir, m.Type))
		})
	}
	want := []string{"chunk 3: out request", "chunk 4: in response"} // after the prefaces
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q; want %q", got, want)
	}
}

// TestTunnelBigFrames: a WebSocket message longer than the buffer, in a
// padded DATA frame taken as it comes and cut in pieces, is decoded
// whole; the frame's END_STREAM ends the half.
func TestTunnelBigFrames(t *testing.T) {
	c := newConv(t).preface()
	connect1(c, 1, "/chat")
	c.headers(event.In, 1, false, ":status", "200")
	big := strings.Repeat("0123456789abcdef", 3000) // 48,000 bytes: a 16-bit length
	c.fr[event.Out].WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 20})
	c.flush(event.Out)
	c.fr[event.In].WriteDataPadded(1, true, wsFrame(true, opBinary, false, big), make([]byte, 200))
	c.flush(event.In)
	c.data(event.Out, 1, true, clientWS(opText, "ok"))
	var chunks []chunk
	for _, ch := range c.chunks {
		for len(ch.data) > 1000 {
			chunks = append(chunks, chunk{dir: ch.dir, data: ch.data[:1000]})
			ch.data = ch.data[1000:]
		}
		chunks = append(chunks, ch)
	}
	msgs, p := feed(t, withWS(protocol.Config{Limits: protocol.Limits{MaxBuffer: 8 << 10}}), chunks)
	var ws []*message.Message
	for _, m := range msgs {
		if m.WS != nil {
			ws = append(ws, m)
		}
		for _, n := range m.Notes {
			if n.Kind != message.Info {
				t.Errorf("note: %v", n)
			}
		}
	}
	if len(ws) != 2 || string(ws[0].Body.Data) != big || string(ws[1].Body.Data) != "ok" {
		t.Fatalf("got:\n%.400s", summary(msgs))
	}
	if len(p.streams) != 0 || p.Stats().Tunnels != 1 {
		t.Errorf("%d streams; stats %+v", len(p.streams), p.Stats())
	}
	counts := map[string]uint64{}
	p.Counts(func(name string, n uint64) { counts[name] += n })
	if counts["http2 streams carrying a WebSocket"] != 1 || counts["websocket frames"] != 2 {
		t.Errorf("counts %v", counts)
	}
}

// TestTunnelGaps: bytes lost inside a DATA frame whose header came cost
// only the message they cut; bytes lost with the frame boundaries make
// the websocket parser look for a frame header, and later messages are
// decoded.
func TestTunnelGaps(t *testing.T) {
	c := newConv(t).preface()
	connect1(c, 1, "/chat")
	c.headers(event.In, 1, false, ":status", "200")
	c.data(event.In, 1, false, serverWS(opText, "before"))
	cutMsg := serverWS(opText, strings.Repeat("x", 100))
	c.fr[event.In].WriteData(1, false, []byte(cutMsg))
	c.flush(event.In)
	c.data(event.In, 1, false, serverWS(opText, "after the cut message"))
	c.data(event.In, 1, false, serverWS(opText, "lost with its frame"))
	c.data(event.In, 1, false, serverWS(opText, "found again"))
	c.data(event.In, 1, false, serverWS(opText, "and again"))
	chunks := c.chunks
	// The frame with cutMsg: its header, 20 bytes, 50 lost, the rest.
	i := len(chunks) - 5
	fr := chunks[i].data
	split := []chunk{{dir: event.In, data: fr[:29], gap: 50}, {dir: event.In, data: fr[79:]}}
	// "lost with its frame": all of it lost, frame header included.
	lost := chunks[i+2]
	tail := append([]chunk{chunks[i+1]}, chunk{dir: event.In, gap: len(lost.data)})
	tail = append(tail, chunks[i+3:]...)
	chunks = append(append(append([]chunk{}, chunks[:i]...), split...), tail...)
	msgs, _ := feed(t, withWS(protocol.Config{}), chunks)
	got := summary(msgs)
	for _, want := range []string{
		`in data ws s1 text body="before"`,
		`in data ws s1 text body="` + strings.Repeat("x", 18),
		`in data ws s1 text body="after the cut message"`,
		`in data ws s1 text body="found again"`,
		`in data ws s1 text body="and again"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if !strings.Contains(got, "50 bytes not captured") {
		t.Errorf("the cut message is not marked:\n%s", got)
	}
	if strings.Contains(got, "[error") {
		t.Errorf("errors:\n%s", got)
	}
}

// TestTooManyTunnels: past DefaultMaxTunnels WebSockets on one connection
// the next one's response says so and its DATA are messages of the
// stream; the others go on.
func TestTooManyTunnels(t *testing.T) {
	c := newConv(t).preface()
	n := DefaultMaxTunnels + 2
	for i := range n {
		id := uint32(2*i + 1)
		connect1(c, id, fmt.Sprintf("/ws/%d", i))
		c.headers(event.In, id, false, ":status", "200")
		c.data(event.Out, id, false, clientWS(opText, fmt.Sprintf("hello %d", i)))
	}
	for i := range n {
		id := uint32(2*i + 1)
		c.data(event.Out, id, true, "")
		c.data(event.In, id, true, "")
	}
	msgs, p := feed(t, withWS(protocol.Config{}), c.chunks)
	ws, limited, off := 0, 0, 0
	for _, m := range msgs {
		switch {
		case m.WS != nil:
			ws++
		case m.Type == message.Response && strings.Contains(fmt.Sprint(m.Notes), "more than 8 WebSockets"):
			limited++
		case m.Type == message.Request && strings.Contains(fmt.Sprint(m.Notes), "not decoded: more than 8 WebSockets"):
			off++
			if !bytes.Contains(m.Body.Data, []byte("\x81")) {
				t.Errorf("body %q", m.Body.Data)
			}
		}
	}
	if ws != DefaultMaxTunnels || limited != 2 || off != 2 || p.Stats().Limits != 2 {
		t.Errorf("%d websocket messages, %d limited, %d not decoded; stats %+v\n%s", ws, limited, off, p.Stats(), summary(msgs))
	}
	if len(p.streams) != 0 || p.tunnels != 0 {
		t.Errorf("%d streams, %d tunnels after Flush", len(p.streams), p.tunnels)
	}
}

// BenchmarkTunnel feeds a WebSocket over HTTP/2: one extended CONNECT,
// then 2,048 messages of 1 KiB, half from each side, each in a DATA
// frame of its own, the frames of a direction written together 16 at a
// time. It reports bytes of the connection per second and allocations.
func BenchmarkTunnel(b *testing.B) {
	c := newConv(b).preface()
	connect1(c, 1, "/chat")
	c.headers(event.In, 1, false, ":status", "200")
	payload := strings.Repeat("abcdefghijklmnop", 64)
	for range 64 {
		for d := range 2 {
			dir := event.Dir(d)
			for range 16 {
				c.fr[dir].WriteData(1, false, wsFrame(true, opText, dir == event.Out, payload))
			}
			c.flush(dir)
		}
	}
	var size int64
	for _, ch := range c.chunks {
		size += int64(len(ch.data))
	}
	cfg := withWS(protocol.Config{})
	b.SetBytes(size)
	b.ReportAllocs()
	msgs := 0
	emit := func(m *message.Message) { msgs++ }
	for b.Loop() {
		p := New(cfg)
		for i, ch := range c.chunks {
			p.Feed(ch.dir, ch.data, uint64(i), emit)
		}
		p.Flush(protocol.Closed, emit)
	}
	b.ReportMetric(float64(msgs)/float64(b.N), "msgs/op")
}

// TestTunnelBudget: what the client sends before the response is held
// within the connection's buffer; past it the bytes are counted and
// marked, on the response when the WebSocket is accepted, on the stream's
// message when it is refused, also when the rest of a long frame comes
// after the refusal.
func TestTunnelBudget(t *testing.T) {
	lim := protocol.Limits{MaxBuffer: 2048}
	t.Run("accepted", func(t *testing.T) {
		c := newConv(t).preface()
		connect1(c, 1, "/chat")
		c.data(event.Out, 1, false, clientWS(opText, strings.Repeat("a", 4000)))
		c.headers(event.In, 1, false, ":status", "200")
		c.data(event.In, 1, true, serverWS(opText, "ok"))
		c.data(event.Out, 1, true, "")
		msgs, p := feed(t, withWS(protocol.Config{Limits: lim}), c.chunks)
		got := summary(msgs)
		if !strings.Contains(got, "[limit: 1960 bytes the client sent before this response were not kept (past the 2048-byte buffer)") ||
			!strings.Contains(got, `out data ws s1 text body="aaaa`) || !strings.Contains(got, `in data ws s1 text body="ok"`) {
			t.Errorf("got:\n%.2000s", got)
		}
		if p.rawHeld != 0 || len(p.streams) != 0 {
			t.Errorf("%d bytes held, %d streams", p.rawHeld, len(p.streams))
		}
	})
	t.Run("refused inside a long frame", func(t *testing.T) {
		c := newConv(t).preface()
		connect1(c, 1, "/chat")
		c.fr[event.Out].WriteData(1, true, bytes.Repeat([]byte("z"), 20000))
		c.flush(event.Out)
		frame := c.chunks[len(c.chunks)-1].data
		c.chunks = c.chunks[:len(c.chunks)-1]
		c.chunks = append(c.chunks, chunk{dir: event.Out, data: frame[:10000]})
		c.headers(event.In, 1, true, ":status", "403")
		c.chunks = append(c.chunks, chunk{dir: event.Out, data: frame[10000:]})
		msgs, p := feed(t, withWS(protocol.Config{Limits: lim}), c.chunks)
		if len(msgs) != 3 {
			t.Fatalf("got:\n%.2000s", summary(msgs))
		}
		m := msgs[2]
		if m.Type != message.Request || m.Partial || m.Body.Size != 20000 || !strings.Contains(fmt.Sprint(m.Notes), "not decoded: the server answered 403") ||
			!strings.Contains(fmt.Sprint(m.Notes), "7943 bytes sent before the response not kept") {
			t.Errorf("got:\n%.2000s", summary(msgs))
		}
		if p.rawHeld != 0 || len(p.streams) != 0 {
			t.Errorf("%d bytes held, %d streams", p.rawHeld, len(p.streams))
		}
	})
}
