package workload

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"strconv"

	"github.com/klauspost/compress/flate"
)

// WebSocket is connections upgraded from HTTP/1.1 to WebSocket that
// exchange many messages both ways; see newWebSocketWorld.
const WebSocket Kind = "websocket"

// wsDeflateShare is the share, in percent, of WebSocket connections that
// negotiate permessage-deflate.
const wsDeflateShare = 40

// wsHistory is how much of a direction's past messages the generator's
// compressor refers to (context takeover); klauspost's stateless
// compressor uses at most 8 KiB of history.
const wsHistory = 8 << 10

// wsDoc describes the websocket workload for -h.
const wsDoc = "WebSocket: 100 connections x 100 exchanges after an HTTP/1.1 upgrade (40% with " +
	"permessage-deflate and context takeover); 1 to 3 masked client messages answered by 1 to 6 " +
	"server messages (JSON events of 40 B to 16 KiB, some binary, one in ten fragmented, pings, " +
	"a rare 64 to 96 KiB snapshot), read in pieces of 1 B to 16 KiB; the last exchange is the close."

// wsConn is the state of one WebSocket connection of the workload.
type wsConn struct {
	deflate bool
	// hist holds, per direction (client, server), the last bytes of the
	// messages compressed so far: the compressor's shared window.
	hist [2][]byte
	key  [4]byte
	seq  int
}

// wsWorld builds the websocket workload.
type wsWorld struct {
	g     *generator
	t     text
	conns map[*conn]*wsConn
	msg   []byte       // scratch: one message's payload
	comp  bytes.Buffer // scratch: its compressed form
}

// newWebSocketWorld builds the websocket workload: chat clients, a
// trading dashboard and a game client, each connection an HTTP/1.1
// upgrade (40% of them negotiate permessage-deflate with context
// takeover) then exchanges of 1 to 3 client messages (masked) answered by
// 1 to 6 server messages: JSON events of 40 B to 16 KiB, some binary
// ones, one message in ten fragmented into 2 to 4 frames, now and then a
// ping and its pong, and one server message in 200 a snapshot of 64 to
// 96 KiB (a 64-bit length); the last exchange is the close handshake.
// The server's bytes are read in pieces of 1 B to 16 KiB.
func newWebSocketWorld(g *generator) world {
	chat := &server{host: "chat.example.com", addr: netip.MustParseAddrPort("203.0.113.70:443")}
	market := &server{host: "stream.example.net", addr: netip.MustParseAddrPort("198.51.100.80:443")}
	game := &server{host: "play.example.org", addr: netip.MustParseAddrPort("[2001:db8::70]:443")}
	procs := []*proc{
		{pid: 3310, comm: "slack", tids: []uint32{3310, 3318, 3319}, weight: 3, dsts: []*server{chat}},
		{pid: 4501, comm: "node", tids: []uint32{4501}, weight: 2, dsts: []*server{chat, market}},
		{pid: 5822, comm: "dashboard", tids: []uint32{5822, 5830}, weight: 2, dsts: []*server{market}},
		{pid: 7714, comm: "game-client", tids: []uint32{7714, 7716, 7717}, weight: 1, dsts: []*server{game}},
	}
	for i, p := range procs {
		p.src, p.src6 = hostV4, hostV6
		p.fds.next = int32(9 + 4*i)
	}
	w := &wsWorld{g: g, t: text{g.rng}, conns: map[*conn]*wsConn{}}
	return world{
		procs: procs,
		fill:  w.fill,
		piece: func(n int) int { return min(n, g.logUniform(1, 16<<10)) },
	}
}

// fill makes exchange i of c: the handshake, messages, or the close.
func (w *wsWorld) fill(c *conn, i int) {
	g := w.g
	if i == 0 {
		s := &wsConn{deflate: g.rng.IntN(100) < wsDeflateShare}
		w.conns[c] = s
		c.out, c.in = w.handshake(c, s, c.out[:0], c.in[:0])
		return
	}
	s := w.conns[c]
	c.out, c.in = c.out[:0], c.in[:0]
	if i == c.n-1 {
		s.key = w.key()
		c.out = w.frame(c.out, 0x8, false, true, closeBody(1000, "bye"), s.key)
		c.in = w.frame(c.in, 0x8, false, true, closeBody(1000, "bye"), [4]byte{})
		return
	}
	if g.rng.IntN(30) == 0 {
		s.key = w.key()
		p := strconv.AppendInt(nil, int64(g.now), 10)
		c.out = w.frame(c.out, 0x9, false, true, p, s.key)
		c.in = w.frame(c.in, 0xa, false, true, p, [4]byte{})
	}
	for range 1 + g.rng.IntN(3) {
		c.out = w.message(c.out, s, 0, w.event(s, 40, 600))
	}
	for range 1 + g.rng.IntN(6) {
		c.in = w.message(c.in, s, 1, w.event(s, 60, 16<<10))
	}
	if g.rng.IntN(200) == 0 {
		c.in = w.message(c.in, s, 1, w.snapshot(s))
	}
}

// handshake appends the upgrade request and the 101 response.
func (w *wsWorld) handshake(c *conn, s *wsConn, out, in []byte) ([]byte, []byte) {
	var nonce [16]byte
	binary.LittleEndian.PutUint64(nonce[:], w.g.rng.Uint64())
	binary.LittleEndian.PutUint64(nonce[8:], w.g.rng.Uint64())
	out = append(out, "GET /socket?v=4 HTTP/1.1\r\nHost: "...)
	out = append(out, c.srv.host...)
	out = append(out, "\r\nUser-Agent: "...)
	out = append(out, c.p.comm...)
	out = append(out, "/5.2\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "...)
	out = base64.StdEncoding.AppendEncode(out, nonce[:])
	out = append(out, "\r\nSec-WebSocket-Protocol: events.v2\r\n"...)
	if s.deflate {
		out = append(out, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"...)
	}
	out = append(out, "\r\n"...)
	in = append(in, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	in = w.t.appendToken(in, 27)
	in = append(in, "=\r\nSec-WebSocket-Protocol: events.v2\r\n"...)
	if s.deflate {
		in = append(in, "Sec-WebSocket-Extensions: permessage-deflate\r\n"...)
	}
	return out, append(in, "\r\n"...)
}

// event returns the payload of one message: mostly a JSON event of about
// lo to hi bytes, sometimes (one in twenty) binary data.
func (w *wsWorld) event(s *wsConn, lo, hi int) []byte {
	t := w.t
	b := w.msg[:0]
	size := w.g.logUniform(lo, hi)
	s.seq++
	if t.rng.IntN(20) == 0 {
		b = append(b, 0x92, 0x01)
		for len(b) < size {
			b = binary.LittleEndian.AppendUint64(b, t.rng.Uint64()&0x0f0f0f0f0f0f0f0f)
		}
		w.msg = b[:size]
		return w.msg
	}
	b = append(b, `{"type":"`...)
	b = append(b, []string{"message", "presence", "typing", "quote", "update"}[t.rng.IntN(5)]...)
	b = append(b, `","seq":`...)
	b = strconv.AppendInt(b, int64(s.seq), 10)
	b = append(b, `,"channel":"`...)
	b = append(b, t.word()...)
	b = append(b, `","user":"`...)
	b = append(b, firstNames[t.rng.IntN(len(firstNames))]...)
	b = append(b, `","at":"`...)
	b = t.appendDate(b)
	b = append(b, `","items":[`...)
	for i := 0; len(b) < size; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":"`...)
		b = t.appendUUID(b)
		b = append(b, `","text":"`...)
		b = t.appendSentence(b)
		b = append(b, `"}`...)
	}
	w.msg = append(b, "]}"...)
	return w.msg
}

// snapshot returns a message of 64 to 96 KiB: a 64-bit length.
func (w *wsWorld) snapshot(s *wsConn) []byte {
	b := w.msg[:0]
	b = append(b, `{"type":"snapshot","rows":[`...)
	size := 64<<10 + w.g.rng.IntN(32<<10)
	for i := 0; len(b) < size; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = w.t.appendRecord(b, i+1)
	}
	w.msg = append(b, "]}"...)
	return w.msg
}

// message appends one message of direction d (0 client, 1 server),
// compressed when the connection negotiated it, in one frame or, one time
// in ten, fragmented into 2 to 4.
func (w *wsWorld) message(dst []byte, s *wsConn, d int, p []byte) []byte {
	g := w.g
	op := byte(0x1)
	if len(p) > 0 && p[0] == 0x92 {
		op = 0x2
	}
	compressed := s.deflate && len(p) >= 64
	if compressed {
		w.comp.Reset()
		flate.StatelessDeflate(&w.comp, p, false, s.hist[d])
		h := append(s.hist[d], p...)
		if len(h) > wsHistory {
			h = append(h[:0], h[len(h)-wsHistory:]...)
		}
		s.hist[d] = h
		p = bytes.TrimSuffix(w.comp.Bytes(), []byte{0, 0, 0xff, 0xff})
	}
	frags := 1
	if g.rng.IntN(10) == 0 && len(p) >= 4 {
		frags = 2 + g.rng.IntN(3)
	}
	for f := range frags {
		part := p[len(p)*f/frags : len(p)*(f+1)/frags]
		var key [4]byte
		if d == 0 {
			key = w.key()
		}
		fop := op
		if f > 0 {
			fop = 0
		}
		dst = w.frame(dst, fop, compressed && f == 0, f == frags-1, part, key)
	}
	return dst
}

// key returns a masking key, never all zero (which frame takes to mean
// no masking).
func (w *wsWorld) key() [4]byte {
	var k [4]byte
	binary.LittleEndian.PutUint32(k[:], w.g.rng.Uint32()|1)
	return k
}

// frame appends one frame; a non-zero key masks it.
func (w *wsWorld) frame(dst []byte, op byte, rsv1, fin bool, p []byte, key [4]byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	if rsv1 {
		b0 |= 0x40
	}
	masked := key != [4]byte{}
	m := byte(0)
	if masked {
		m = 0x80
	}
	dst = append(dst, b0)
	switch n := len(p); {
	case n > 0xffff:
		dst = append(dst, m|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	case n > 125:
		dst = append(dst, m|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, m|byte(n))
	}
	if !masked {
		return append(dst, p...)
	}
	dst = append(dst, key[:]...)
	start := len(dst)
	dst = append(dst, p...)
	for i := range p {
		dst[start+i] ^= key[i&3]
	}
	return dst
}

// closeBody is a close frame's payload.
func closeBody(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}
