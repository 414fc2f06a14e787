package workload

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strconv"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

const (
	// HTTP2 is 100 HTTP/2 connections of 100 streams each: HPACK's
	// dynamic table in use, several streams in flight at once with their
	// frames interleaved, bodies split over DATA frames.
	HTTP2 Kind = "http2"
	// GRPC is 100 gRPC connections of 100 calls each, over the same
	// HTTP/2 framing: length-prefixed protobuf messages, trailers with
	// grpc-status.
	GRPC Kind = "grpc"
)

const (
	http2Doc = "HTTP/2: 100 connections x 100 streams from chrome, curl and a Go service; HPACK's " +
		"dynamic table in use (a new x-request-id each time), up to 6 streams in flight with their " +
		"frames interleaved, JSON and HTML bodies of up to 100 KB split over DATA frames of 4 to 16 KiB, " +
		"read in pieces of 1 B to 16 KiB."
	grpcDoc = "gRPC: 100 connections x 100 unary calls (GetOrder, ListOrders, CreateOrder) over HTTP/2, " +
		"length-prefixed protobuf messages, trailers with grpc-status, up to 6 calls in flight."
)

// h2Window is how many streams of a connection are in flight at once.
const h2Window = 6

// h2Frame is one frame of a response waiting to be sent: its bytes, or,
// for HEADERS, its fields, encoded when it is sent (HPACK blocks must be
// encoded in the order they are sent).
type h2Frame struct {
	stream uint32
	b      []byte
	kv     []string
	end    bool
}

// bytes returns the frame's bytes, encoding a header block now.
func (f h2Frame) bytes(h *h2Conn) []byte {
	if f.kv == nil {
		return f.b
	}
	h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: f.stream, EndHeaders: true, EndStream: f.end,
		BlockFragment: h.block(1, f.kv...)})
	return h.frame()
}

// h2Conn is the HTTP/2 state of one simulated connection.
type h2Conn struct {
	enc     [2]*hpack.Encoder // client's, server's
	hbuf    [2]bytes.Buffer
	fbuf    bytes.Buffer
	fr      *http2.Framer
	pending [][]h2Frame // per stream in flight, its frames not yet sent
}

// h2World builds the exchanges of the http2 and grpc workloads: in
// exchange i the client writes the request of stream 2i+1 (HEADERS, and
// DATA for a body); the server's answer interleaves frames of every
// stream in flight, at most h2Window of them, round-robin.
type h2World struct {
	g     *generator
	t     text
	grpc  bool
	conns map[*conn]*h2Conn
	body  []byte
}

func newHTTP2World(g *generator) world { return newH2World(g, false) }
func newGRPCWorld(g *generator) world  { return newH2World(g, true) }
func (w *h2World) piece(n int) int     { return min(n, w.g.logUniform(1, 16<<10)) }

func newH2World(g *generator, grpc bool) world {
	api := &server{host: "api.example.com", addr: netip.MustParseAddrPort("203.0.113.10:443"), name: "envoy"}
	cdn := &server{host: "static.example.net", addr: netip.MustParseAddrPort("198.51.100.80:443"), name: "nginx"}
	rpc := &server{host: "orders.internal:8443", addr: netip.MustParseAddrPort("192.0.2.77:8443"), name: ""}
	w := &h2World{g: g, t: text{g.rng}, grpc: grpc, conns: map[*conn]*h2Conn{}}
	procs := []*proc{
		{pid: 2611, comm: "chrome", tids: []uint32{2611, 2640, 2641}, weight: 3, dsts: []*server{api, cdn}},
		{pid: 3900, comm: "curl", tids: []uint32{3900}, weight: 1, dsts: []*server{api}},
		{pid: 4410, comm: "orders-svc", tids: []uint32{4410, 4413, 4414, 4415}, weight: 3, dsts: []*server{rpc}},
	}
	if grpc {
		procs = []*proc{
			{pid: 4410, comm: "orders-svc", tids: []uint32{4410, 4413, 4414, 4415}, weight: 3, dsts: []*server{rpc}},
			{pid: 5120, comm: "api-gateway", tids: []uint32{5120, 5122}, weight: 2, dsts: []*server{rpc}},
		}
	}
	for i, p := range procs {
		p.src, p.src6 = hostV4, hostV6
		p.fds.next = int32(5 + 2*i)
	}
	return world{procs: procs, fill: w.fill, piece: w.piece}
}

// state returns c's HTTP/2 state, new at its first exchange.
func (w *h2World) state(c *conn, i int) *h2Conn {
	h := w.conns[c]
	if h == nil {
		h = &h2Conn{}
		h.fr = http2.NewFramer(&h.fbuf, nil)
		w.conns[c] = h
	}
	if i == 0 {
		for d := range h.enc {
			h.hbuf[d].Reset()
			h.enc[d] = hpack.NewEncoder(&h.hbuf[d])
		}
		h.pending = h.pending[:0]
	}
	return h
}

// block encodes header fields with encoder d.
func (h *h2Conn) block(d int, kv ...string) []byte {
	h.hbuf[d].Reset()
	for i := 0; i+1 < len(kv); i += 2 {
		h.enc[d].WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return h.hbuf[d].Bytes()
}

// frame takes the frame just written to h.fbuf.
func (h *h2Conn) frame() []byte {
	b := bytes.Clone(h.fbuf.Bytes())
	h.fbuf.Reset()
	return b
}

func (w *h2World) fill(c *conn, i int) {
	g := w.g
	h := w.state(c, i)
	out := c.out[:0]
	in := c.in[:0]
	if i == 0 {
		out = append(out, http2.ClientPreface...)
		h.fr.WriteSettings(http2.Setting{ID: http2.SettingEnablePush, Val: 0},
			http2.Setting{ID: http2.SettingInitialWindowSize, Val: 6 << 20},
			http2.Setting{ID: http2.SettingHeaderTableSize, Val: 65536})
		h.fr.WriteWindowUpdate(0, 15<<20)
		out = append(out, h.frame()...)
		h.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 100},
			http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 20})
		h.fr.WriteSettingsAck()
		in = append(in, h.frame()...)
	}
	stream := uint32(2*i + 1)
	host := c.srv.host
	id := 1 + g.rng.IntN(99999)
	var resp []h2Frame
	if w.grpc {
		out, resp = w.grpcCall(h, out, stream, host, id)
	} else {
		out, resp = w.httpCall(h, out, stream, host, id)
	}
	if i == 0 {
		h.fr.WriteSettingsAck()
		out = append(out, h.frame()...)
	}
	h.pending = append(h.pending, resp)
	// Send: round-robin over the streams in flight, until at most
	// h2Window-1 remain (none after the last exchange).
	keep := h2Window - 1
	if i == c.n-1 {
		keep = 0
	}
	for len(h.pending) > keep {
		for j := 0; j < len(h.pending); {
			q := h.pending[j]
			in = append(in, q[0].bytes(h)...)
			if len(q) == 1 {
				h.pending = append(h.pending[:j], h.pending[j+1:]...)
				continue
			}
			h.pending[j] = q[1:]
			j++
		}
	}
	if g.rng.IntN(4) == 0 {
		h.fr.WriteWindowUpdate(0, uint32(len(in)))
		out = append(out, h.frame()...)
	}
	c.out, c.in, c.mark = out, in, 0
}

// dataFrames splits body into DATA frames of stream (4 to 16 KiB), the
// last with END_STREAM unless trailers follow.
func (w *h2World) dataFrames(h *h2Conn, dst []h2Frame, stream uint32, body []byte, end bool) []h2Frame {
	for len(body) > 0 {
		n := min(len(body), w.g.logUniform(4<<10, 16<<10))
		h.fr.WriteData(stream, end && n == len(body), body[:n])
		dst = append(dst, h2Frame{stream: stream, b: h.frame()})
		body = body[n:]
	}
	return dst
}

// httpCall writes a request of the web mix and returns the response's
// frames.
func (w *h2World) httpCall(h *h2Conn, out []byte, stream uint32, host string, id int) ([]byte, []h2Frame) {
	g, t := w.g, w.t
	x := g.rng.IntN(100)
	path := "/api/v2/items/" + strconv.Itoa(id)
	method := "GET"
	var reqBody []byte
	ctype := "application/json"
	w.body = w.body[:0]
	switch {
	case x < 40:
		w.body = t.appendRecord(w.body, id)
	case x < 70:
		path = "/api/v2/items?page=" + strconv.Itoa(1+g.rng.IntN(20))
		w.body = t.appendJSONBody(w.body, 10+g.rng.IntN(300))
	case x < 85:
		path = "/assets/" + t.word() + "-" + t.word() + ".html"
		ctype = "text/html; charset=utf-8"
		w.body = t.appendHTML(w.body, 20+g.rng.IntN(200))
	default:
		method = "POST"
		path = "/api/v2/items"
		reqBody = t.appendRecord(nil, id)
		w.body = append(w.body, `{"status":"created","id":`...)
		w.body = strconv.AppendInt(w.body, int64(id), 10)
		w.body = append(w.body, '}')
	}
	kv := []string{":method", method, ":scheme", "https", ":authority", host, ":path", path,
		"user-agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0", "accept", "application/json, text/html",
		"accept-encoding", "gzip, deflate, br", "x-request-id", string(t.appendUUID(nil))}
	if reqBody != nil {
		kv = append(kv, "content-type", "application/json", "content-length", strconv.Itoa(len(reqBody)))
	}
	h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: stream, BlockFragment: h.block(0, kv...),
		EndStream: reqBody == nil, EndHeaders: true})
	out = append(out, h.frame()...)
	if reqBody != nil {
		for _, f := range w.dataFrames(h, nil, stream, reqBody, true) {
			out = append(out, f.b...)
		}
	}
	status := "200"
	if method == "POST" {
		status = "201"
	}
	resp := []h2Frame{{stream: stream, kv: []string{
		":status", status, "content-type", ctype, "content-length", strconv.Itoa(len(w.body)),
		"date", string(t.appendDate(nil)), "server", "envoy", "cache-control", "private, max-age=0",
		"x-request-id", string(t.appendUUID(nil))}}}
	return out, w.dataFrames(h, resp, stream, w.body, true)
}

// grpcCall writes a unary gRPC call and returns the response's frames.
func (w *h2World) grpcCall(h *h2Conn, out []byte, stream uint32, host string, id int) ([]byte, []h2Frame) {
	g, t := w.g, w.t
	methods := []string{"/orders.v1.Orders/GetOrder", "/orders.v1.Orders/ListOrders", "/orders.v1.Orders/CreateOrder"}
	m := g.rng.IntN(len(methods))
	h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: stream, EndHeaders: true, BlockFragment: h.block(0,
		":method", "POST", ":scheme", "http", ":path", methods[m], ":authority", host,
		"content-type", "application/grpc", "user-agent", "grpc-go/1.85.0", "te", "trailers",
		"grpc-timeout", strconv.Itoa(1+g.rng.IntN(999))+"m")})
	out = append(out, h.frame()...)
	req := grpcMessage(nil, func(b []byte) []byte {
		b = pbVarint(b, 1, uint64(id))
		return pbString(b, 2, string(t.appendUUID(nil)))
	})
	h.fr.WriteData(stream, true, req)
	out = append(out, h.frame()...)

	resp := []h2Frame{{stream: stream, kv: []string{
		":status", "200", "content-type", "application/grpc", "grpc-accept-encoding", "gzip"}}}
	n := 1
	if m == 1 {
		n = 2 + g.rng.IntN(60)
	}
	w.body = w.body[:0]
	w.body = grpcMessage(w.body, func(b []byte) []byte {
		for k := range n {
			b = pbMessage(b, 1, func(b []byte) []byte {
				b = pbVarint(b, 1, uint64(id+k))
				b = pbString(b, 2, t.word()+" "+t.word())
				b = pbVarint(b, 3, uint64(g.rng.IntN(100000)))
				return pbString(b, 4, string(t.appendDate(nil)))
			})
		}
		return b
	})
	resp = w.dataFrames(h, resp, stream, w.body, false)
	return out, append(resp, h2Frame{stream: stream, end: true, kv: []string{"grpc-status", "0", "grpc-message", ""}})
}

// grpcMessage appends a length-prefixed gRPC message whose protobuf
// bytes body appends.
func grpcMessage(dst []byte, body func([]byte) []byte) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0)
	dst = body(dst)
	binary.BigEndian.PutUint32(dst[start+1:], uint32(len(dst)-start-5))
	return dst
}

func pbTag(b []byte, num, wt int) []byte { return binary.AppendUvarint(b, uint64(num<<3|wt)) }

func pbVarint(b []byte, num int, v uint64) []byte {
	return binary.AppendUvarint(pbTag(b, num, 0), v)
}

func pbString(b []byte, num int, s string) []byte {
	b = binary.AppendUvarint(pbTag(b, num, 2), uint64(len(s)))
	return append(b, s...)
}

func pbMessage(b []byte, num int, body func([]byte) []byte) []byte {
	inner := body(nil)
	b = binary.AppendUvarint(pbTag(b, num, 2), uint64(len(inner)))
	return append(b, inner...)
}
