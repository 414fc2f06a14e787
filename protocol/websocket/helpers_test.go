package websocket

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// key is the masking key the test frames of clients use.
var key = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// frameOpts describe a test frame.
type frameOpts struct {
	more bool // FIN clear
	rsv  byte // RSV bits, in place
	mask bool
	// length forces the encoded length (0: the payload's), long the
	// 64-bit form whatever the length.
	length uint64
	long   bool
}

// frame encodes one frame: header, masking key, payload (masked when
// o.mask is set).
func frame(op byte, payload string, o frameOpts) string {
	var b bytes.Buffer
	b0 := op | o.rsv
	if !o.more {
		b0 |= bitFIN
	}
	b.WriteByte(b0)
	n := uint64(len(payload))
	if o.length != 0 {
		n = o.length
	}
	m := byte(0)
	if o.mask {
		m = 0x80
	}
	switch {
	case o.long || n > 0xffff:
		b.WriteByte(m | 127)
		binary.Write(&b, binary.BigEndian, n)
	case n > 125:
		b.WriteByte(m | 126)
		binary.Write(&b, binary.BigEndian, uint16(n))
	default:
		b.WriteByte(m | byte(n))
	}
	p := []byte(payload)
	if o.mask {
		b.Write(key[:])
		maskBytes(p, key, 0)
	}
	b.Write(p)
	return b.String()
}

// client and server frames: masked (Out), not masked (In).
func cf(op byte, payload string) string { return frame(op, payload, frameOpts{mask: true}) }
func sf(op byte, payload string) string { return frame(op, payload, frameOpts{}) }

// closePayload is a close frame's payload.
func closePayload(code uint16, reason string) string {
	return string(binary.BigEndian.AppendUint16(nil, code)) + reason
}

// deflater compresses messages the way a permessage-deflate sender does:
// each message flushed and its 00 00 ff ff tail stripped; with context
// takeover, one compressor for all.
type deflater struct {
	w         *flate.Writer
	buf       bytes.Buffer
	noContext bool
}

func newDeflater(noContext bool) *deflater {
	d := &deflater{noContext: noContext}
	d.w, _ = flate.NewWriter(&d.buf, flate.BestCompression)
	return d
}

func (d *deflater) compress(msg string) string {
	if d.noContext {
		d.w.Reset(&d.buf)
	}
	d.buf.Reset()
	d.w.Write([]byte(msg))
	d.w.Flush()
	return strings.TrimSuffix(d.buf.String(), deflateTail)
}

// step is bytes of a direction, or a gap.
type step struct {
	dir  event.Dir
	data string
	gap  int
}

func out(s string) step { return step{dir: event.Out, data: s} }
func in(s string) step  { return step{dir: event.In, data: s} }

// parse feeds steps, step i at time i+1, to a parser made by mk, and
// flushes it as closed.
func parse(p *Parser, steps ...step) []*message.Message {
	var msgs []*message.Message
	emit := func(m *message.Message) { msgs = append(msgs, m) }
	for i, s := range steps {
		if s.gap > 0 {
			p.Gap(s.dir, s.gap, uint64(i+1), emit)
			continue
		}
		p.Feed(s.dir, []byte(s.data), uint64(i+1), emit)
	}
	p.Flush(protocol.Closed, emit)
	return msgs
}

// handshake returns a parser as HTTP/1 makes it after a 101 whose
// response carried ext as Sec-WebSocket-Extensions; In is the server.
func handshake(cfg protocol.Config, ext string) *Parser {
	resp := &message.HTTP{Version: "HTTP/1.1", Status: 101, Headers: []message.Header{{Name: "Upgrade", Value: "websocket"}}}
	if ext != "" {
		resp.Headers = append(resp.Headers, message.Header{Name: "Sec-WebSocket-Extensions", Value: ext})
	}
	cfg.Upgrade = &protocol.Upgrade{Server: event.In, Response: resp}
	return New(cfg)
}

// summary describes m on one line:
//
//	out text 2 "hi" [error: ...]
func summary(m *message.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", m.Dir, m.Type)
	if m.WS != nil {
		fmt.Fprintf(&b, " %s", m.WS.Opcode)
		if m.WS.Fragments > 1 {
			fmt.Fprintf(&b, " x%d", m.WS.Fragments)
		}
		if m.WS.Compressed {
			b.WriteString(" deflate")
		}
		if m.WS.CloseCode != 0 || m.WS.CloseReason != "" {
			fmt.Fprintf(&b, " %d %q", m.WS.CloseCode, m.WS.CloseReason)
		}
	}
	fmt.Fprintf(&b, " %dB", m.Size)
	if m.Body != nil {
		d := m.Body.Data
		if len(d) > 24 {
			fmt.Fprintf(&b, " %q...", d[:24])
		} else {
			fmt.Fprintf(&b, " %q", d)
		}
		if m.Body.Cut > 0 {
			fmt.Fprintf(&b, " cut=%d", m.Body.Cut)
		}
	}
	if m.Partial {
		b.WriteString(" partial")
	}
	for _, n := range m.Notes {
		fmt.Fprintf(&b, " [%s: %s]", n.Kind, n.Text)
	}
	return b.String()
}

func summaries(ms []*message.Message) []string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = summary(m)
	}
	return s
}
