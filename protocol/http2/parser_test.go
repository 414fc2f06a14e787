package http2

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/http2"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// summary is one line per message: what a test compares.
func summary(msgs []*message.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		fmt.Fprintf(&b, "%s %s", m.Dir, m.Type)
		if w := m.WS; w != nil {
			fmt.Fprintf(&b, " ws s%d %s", w.Stream, w.Opcode)
			if w.CloseCode != 0 {
				fmt.Fprintf(&b, " %d %q", w.CloseCode, w.CloseReason)
			}
		}
		if h := m.HTTP; h != nil {
			fmt.Fprintf(&b, " s%d", h.Stream)
			if h.Method != "" {
				fmt.Fprintf(&b, " %s %s", h.Method, h.Target)
			}
			if h.Status != 0 {
				fmt.Fprintf(&b, " %d", h.Status)
			}
			for _, f := range h.Headers {
				if f.Name[0] != ':' {
					fmt.Fprintf(&b, " %s=%s", f.Name, f.Value)
				}
			}
			for _, f := range h.Trailers {
				fmt.Fprintf(&b, " trailer:%s=%s", f.Name, f.Value)
			}
		}
		if m.Body != nil {
			fmt.Fprintf(&b, " body=%q", m.Body.Data)
		}
		if m.Request != nil {
			fmt.Fprintf(&b, " <- %s %s", m.Request.Method, m.Request.Target)
		}
		if m.Partial {
			b.WriteString(" partial")
		}
		for _, n := range m.Notes {
			fmt.Fprintf(&b, " [%s: %s]", n.Kind, n.Text)
		}
		b.WriteString("\n")
	}
	return b.String()
}

var get1 = []string{":method", "GET", ":scheme", "https", ":path", "/a", ":authority", "x.example"}

func TestParser(t *testing.T) {
	tests := []struct {
		name  string
		build func(c *conv)
		want  string
	}{{
		name: "get and post interleaved",
		build: func(c *conv) {
			c.headers(event.Out, 1, true, get1...)
			c.headers(event.Out, 3, false, ":method", "POST", ":path", "/b", "content-type", "text/plain")
			c.headers(event.In, 1, false, ":status", "200")
			c.data(event.Out, 3, false, "one ")
			c.data(event.In, 1, false, "hel")
			c.data(event.Out, 3, true, "two")
			c.headers(event.In, 3, true, ":status", "204")
			c.data(event.In, 1, true, "lo")
		},
		want: `out request s1 GET /a
out request s3 POST /b content-type=text/plain body="one two"
in response s3 204 <- POST /b
in response s1 200 body="hello" <- GET /a
`,
	}, {
		name: "padding and priority",
		build: func(c *conv) {
			c.fr[event.Out].WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: c.block(event.Out, get1...),
				EndStream: true, EndHeaders: true, PadLength: 7,
				Priority: http2.PriorityParam{StreamDep: 0, Weight: 200, Exclusive: true}})
			c.flush(event.Out)
			c.headers(event.In, 1, false, ":status", "200")
			c.fr[event.In].WriteDataPadded(1, false, []byte("pad"), make([]byte, 20))
			c.fr[event.In].WritePriority(1, http2.PriorityParam{Weight: 3})
			c.fr[event.In].WriteDataPadded(1, true, []byte("ded"), make([]byte, 255))
			c.flush(event.In)
		},
		want: `out request s1 GET /a
in response s1 200 body="padded" <- GET /a
`,
	}, {
		name: "trailers",
		build: func(c *conv) {
			c.headers(event.Out, 1, true, get1...)
			c.headers(event.In, 1, false, ":status", "200", "trailer", "x-sum")
			c.data(event.In, 1, false, "rows")
			c.headers(event.In, 1, true, "x-sum", "42")
		},
		want: `out request s1 GET /a
in response s1 200 trailer=x-sum trailer:x-sum=42 body="rows" <- GET /a
`,
	}, {
		name: "interim response",
		build: func(c *conv) {
			c.headers(event.Out, 1, false, ":method", "PUT", ":path", "/u", "expect", "100-continue")
			c.headers(event.In, 1, false, ":status", "100")
			c.data(event.Out, 1, true, "body")
			c.headers(event.In, 1, true, ":status", "201")
		},
		want: `in response s1 100 <- PUT /u
out request s1 PUT /u expect=100-continue body="body"
in response s1 201 <- PUT /u
`,
	}, {
		name: "reset by the client mid-response",
		build: func(c *conv) {
			c.headers(event.Out, 1, true, get1...)
			c.headers(event.In, 1, false, ":status", "200")
			c.data(event.In, 1, false, "partial bo")
			c.fr[event.Out].WriteRSTStream(1, http2.ErrCodeCancel)
			c.flush(event.Out)
			c.data(event.In, 1, false, "dy after the reset")
		},
		want: `out request s1 GET /a
in response s1 200 body="partial bo" <- GET /a partial [info: stream reset by the client: CANCEL]
`,
	}, {
		name: "reset before any response",
		build: func(c *conv) {
			c.headers(event.Out, 1, true, get1...)
			c.fr[event.In].WriteRSTStream(1, http2.ErrCodeRefusedStream)
			c.flush(event.In)
		},
		want: `out request s1 GET /a
in frame body="RST_STREAM stream=1 length=4 error=REFUSED_STREAM" <- GET /a [info: stream reset by the server: REFUSED_STREAM]
`,
	}, {
		name: "server push",
		build: func(c *conv) {
			c.headers(event.Out, 1, true, get1...)
			c.fr[event.In].WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, EndHeaders: true,
				BlockFragment: c.block(event.In, ":method", "GET", ":path", "/style.css", ":scheme", "https", ":authority", "x.example")})
			c.flush(event.In)
			c.headers(event.In, 1, true, ":status", "200")
			c.headers(event.In, 2, false, ":status", "200", "content-type", "text/css")
			c.data(event.In, 2, true, "p{}")
		},
		want: `out request s1 GET /a
in request s2 GET /style.css [info: pushed by the server: PUSH_PROMISE on stream 1]
in response s1 200 <- GET /a
in response s2 200 content-type=text/css body="p{}" <- GET /style.css
`,
	}, {
		name: "header table size change",
		build: func(c *conv) {
			c.headers(event.Out, 1, true, append(get1, "x-long", strings.Repeat("v", 300))...)
			// The server shrinks the client's table; the client's encoder
			// says so in its next block, then fills the smaller table.
			c.fr[event.In].WriteSettings(http2.Setting{ID: http2.SettingHeaderTableSize, Val: 256})
			c.flush(event.In)
			c.henc[event.Out].SetMaxDynamicTableSizeLimit(256)
			c.headers(event.Out, 3, true, append(get1, "x-long", strings.Repeat("v", 300), "x-b", "1")...)
			c.headers(event.Out, 5, true, append(get1, "x-b", "1")...)
		},
		want: `out request s1 GET /a x-long=` + strings.Repeat("v", 300) + `
out request s3 GET /a x-long=` + strings.Repeat("v", 300) + ` x-b=1
out request s5 GET /a x-b=1
`,
	}, {
		name: "goaway and unknown frames",
		build: func(c *conv) {
			c.fr[event.In].WriteRawFrame(0x42, 0, 0, []byte("extension"))
			c.flush(event.In)
			c.headers(event.Out, 1, true, get1...)
			c.fr[event.In].WriteGoAway(1, http2.ErrCodeEnhanceYourCalm, []byte("slow down"))
			c.headers(event.In, 1, true, ":status", "429")
		},
		want: `out request s1 GET /a
in response s1 429 <- GET /a [info: GOAWAY from the server: ENHANCE_YOUR_CALM, last stream 1]
`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t).preface()
			tt.build(c)
			msgs, _ := feed(t, protocol.Config{}, c.chunks)
			if got := summary(msgs); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			// The same bytes cut anywhere give the same messages: one
			// byte a call, then every direction in two pieces at every
			// offset.
			one := bytewise(c.chunks)
			if got, _ := feed(t, protocol.Config{}, one); summary(got) != tt.want {
				t.Errorf("byte by byte:\n%s", summary(got))
			}
		})
	}
}

// bytewise returns chunks cut into one-byte events.
func bytewise(chunks []chunk) []chunk {
	var out []chunk
	for _, c := range chunks {
		for i := range c.data {
			out = append(out, chunk{dir: c.dir, data: c.data[i : i+1]})
		}
	}
	return out
}

// TestContinuation sends a header block in a HEADERS frame and many
// CONTINUATION frames, each in several events.
func TestContinuation(t *testing.T) {
	c := newConv(t).preface()
	kv := []string{":method", "GET", ":path", "/big"}
	for i := range 40 {
		kv = append(kv, fmt.Sprintf("x-field-%02d", i), strings.Repeat(string(rune('a'+i%26)), 50))
	}
	block := c.block(event.Out, kv...)
	c.fr[event.Out].WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block[:10], EndStream: true})
	rest := block[10:]
	for len(rest) > 0 {
		n := min(len(rest), 37)
		c.fr[event.Out].WriteContinuation(1, n == len(rest), rest[:n])
		rest = rest[n:]
	}
	c.flush(event.Out)
	c.headers(event.In, 1, true, ":status", "200")
	// Cut the client's bytes into events of 5 bytes.
	var chunks []chunk
	for _, ch := range c.chunks {
		for len(ch.data) > 5 && ch.dir == event.Out {
			chunks = append(chunks, chunk{dir: ch.dir, data: ch.data[:5]})
			ch.data = ch.data[5:]
		}
		chunks = append(chunks, ch)
	}
	msgs, p := feed(t, protocol.Config{}, chunks)
	if len(msgs) != 2 || len(msgs[0].HTTP.Headers) != 42 || msgs[0].HTTP.Headers[41].Value != strings.Repeat("n", 50) {
		t.Fatalf("got:\n%s", summary(msgs))
	}
	if p.Stats().Frames[typeContinuation] == 0 || msgs[1].Request == nil {
		t.Errorf("stats %+v; response %+v", p.Stats(), msgs[1])
	}
}

// TestFrames: with Config.Frames every frame is a message too, and the
// stats count frames by type either way.
func TestFrames(t *testing.T) {
	c := newConv(t).preface()
	c.headers(event.Out, 1, true, get1...)
	c.fr[event.In].WritePing(false, [8]byte{1, 2, 3, 4, 5, 6, 7, 8})
	c.fr[event.In].WriteWindowUpdate(0, 1000)
	c.flush(event.In)
	c.headers(event.In, 1, true, ":status", "200")
	msgs, p := feed(t, protocol.Config{Frames: true}, c.chunks)
	var frames []string
	for _, m := range msgs {
		if m.Type == message.Frame {
			frames = append(frames, string(m.Body.Data))
		}
	}
	want := []string{
		"client connection preface",
		"SETTINGS length=6 ENABLE_PUSH=0",
		"SETTINGS length=6 MAX_CONCURRENT_STREAMS=100",
		"SETTINGS length=0 flags=ACK",
		"SETTINGS length=0 flags=ACK",
		"HEADERS stream=1 length=15 flags=END_STREAM|END_HEADERS block=15",
		"PING length=8 data=0102030405060708",
		"WINDOW_UPDATE length=4 increment=1000",
		"HEADERS stream=1 length=1 flags=END_STREAM|END_HEADERS block=1",
	}
	if strings.Join(frames, "\n") != strings.Join(want, "\n") {
		t.Errorf("frames:\n%s\nwant:\n%s", strings.Join(frames, "\n"), strings.Join(want, "\n"))
	}
	st := p.Stats()
	if st.Frames[typeSettings] != 4 || st.Frames[typePing] != 1 || st.Frames[typeHeaders] != 2 || st.Messages != uint64(len(msgs)) {
		t.Errorf("stats %+v", st)
	}
}

// TestGaps: a gap inside a DATA frame costs only its body (an identity
// body keeps what came before the gap); a gap
// elsewhere makes the direction look for frames again.
func TestGaps(t *testing.T) {
	c := newConv(t).preface()
	c.headers(event.Out, 1, true, get1...)
	c.headers(event.In, 1, false, ":status", "200")
	c.fr[event.In].WriteData(1, false, []byte("0123456789abcdef"))
	b := c.buf[event.In].Bytes()
	c.chunks = append(c.chunks, chunk{dir: event.In, data: bytes.Clone(b[:12]), gap: 6})
	c.chunks = append(c.chunks, chunk{dir: event.In, data: bytes.Clone(b[18:])})
	c.buf[event.In].Reset()
	c.data(event.In, 1, true, "!")
	// A gap between frames: stream 3's request is lost with it.
	c.headers(event.Out, 3, true, ":method", "GET", ":path", "/lost")
	c.chunks[len(c.chunks)-1].gap = 100
	c.chunks[len(c.chunks)-1].data = c.chunks[len(c.chunks)-1].data[:0]
	c.headers(event.Out, 5, true, ":method", "GET", ":path", "/after")
	c.headers(event.Out, 7, true, ":method", "GET", ":path", "/after2")
	c.headers(event.In, 5, true, ":status", "200")
	msgs, _ := feed(t, protocol.Config{}, c.chunks)
	got := summary(msgs)
	for _, want := range []string{
		`in response s1 200 body="012" <- GET /a [gap: 6 bytes not captured]`,
		`out data partial [gap: 100 bytes not captured]`,
		`out request s5 GET /after`,
		`out request s7 GET /after2`,
		`in response s5 200 <- GET /after`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
}

// TestUpgrade: a parser made for a connection upgraded from HTTP/1.1
// pairs the response on stream 1 with the HTTP/1.1 request.
func TestUpgrade(t *testing.T) {
	c := newConv(t)
	c.fr[event.In].WriteSettings()
	c.flush(event.In)
	c.preface()
	c.headers(event.In, 1, true, ":status", "200")
	up := &protocol.Upgrade{Server: event.In, Request: &message.HTTP{Method: "GET", Target: "/up",
		Headers: []message.Header{{Name: "HTTP2-Settings", Value: "AAEAABAA"}}}}
	msgs, p := feed(t, protocol.Config{Upgrade: up}, c.chunks)
	if got, want := summary(msgs), "in response s1 200 <- GET /up\n"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	if p.side[event.In].allowed != 4096 {
		t.Errorf("HTTP2-Settings' HEADER_TABLE_SIZE: %d", p.side[event.In].allowed)
	}
}
