package har

import (
	"bytes"
	"container/list"
	"encoding/base64"
	"encoding/json"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
)

// Options configure a Formatter.
type Options struct {
	// Creator and Version name the program in log.creator; default
	// "tapir" and "".
	Creator, Version string
	// MaxPending bounds the requests waiting for their responses and the
	// WebSocket connections collecting messages, together; past it the
	// oldest is written as it stands. Default 10,000.
	MaxPending int
	// MaxWSMessages bounds the WebSocket messages kept for one
	// connection; the rest are counted in its entry. Default 10,000.
	MaxWSMessages int
}

// Formatter renders HTTP exchanges as the entries of a HAR 1.2 document.
// It keeps each request until its response comes (HTTP/1 in order on a
// connection, HTTP/2 by stream) and writes the entry then; a WebSocket
// handshake's entry collects the connection's messages and is written by
// Finish. Requests never answered are written by Finish too, with status
// 0. Other messages (raw data, frames) are not HTTP and are left out.
//
// It holds state across messages, so it is not safe for concurrent use.
type Formatter struct {
	opts    Options
	started bool
	seq     uint64

	order   *list.List // of *pending, oldest first
	fifo    map[connKey][]*pending
	streams map[streamKey]*pending
	ws      map[streamKey]*wsEntry
	buf     bytes.Buffer
	enc     *json.Encoder
}

// New returns a Formatter with the given options.
func New(opts Options) *Formatter {
	if opts.Creator == "" {
		opts.Creator = "tapir"
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = 10_000
	}
	if opts.MaxWSMessages <= 0 {
		opts.MaxWSMessages = 10_000
	}
	f := &Formatter{opts: opts}
	f.enc = json.NewEncoder(&f.buf)
	f.enc.SetEscapeHTML(false)
	f.Reset()
	return f
}

// Reset forgets every pending request and WebSocket connection and starts
// a new document. It implements sink.Resetter, for rotated files.
func (f *Formatter) Reset() {
	f.started = false
	f.order = list.New()
	f.fifo = make(map[connKey][]*pending)
	f.streams = make(map[streamKey]*pending)
	f.ws = make(map[streamKey]*wsEntry)
}

type connKey struct {
	id     event.ConnID
	serial uint64
}

type streamKey struct {
	conn   connKey
	stream uint32
}

// pending is a request waiting for its response, or a WebSocket
// connection collecting messages.
type pending struct {
	seq    uint64
	el     *list.Element
	key    streamKey
	h2     bool
	req    json.RawMessage // the rendered request object
	start  uint64          // first and last byte of the request
	end    uint64
	dir    event.Dir // the direction the request went
	wsWant bool      // the request asks for a WebSocket
	ws     *wsEntry  // set when this is a WebSocket connection
	tapir  tapirExt
}

type wsEntry struct {
	entry   entry
	dropped int
	p       *pending // its place in the pending order
}

// Append renders what m completes — for a response, its exchange's entry
// — onto dst, opening the document first if it is not yet open. It
// implements output.Formatter.
func (f *Formatter) Append(dst []byte, m *message.Message) []byte {
	switch {
	case m.Type == message.Frame:
		return dst
	case m.WS != nil || m.Proto == "websocket":
		return f.appendWS(dst, m)
	case m.HTTP == nil:
		return dst
	case m.Type == message.Request:
		return f.request(dst, m)
	case m.Type == message.Response:
		return f.response(dst, m)
	}
	return dst
}

// Finish writes the requests still waiting, unanswered, and the
// WebSocket connections with their messages, in the order they started,
// and closes the document. It implements output.Finisher.
func (f *Formatter) Finish(dst []byte) []byte {
	for f.order.Len() > 0 {
		dst = f.flushPending(dst, f.order.Front().Value.(*pending))
	}
	if !f.started {
		dst = f.open(dst)
	}
	f.Reset()
	return append(dst, "\n]}}\n"...)
}

// open appends the document's head.
func (f *Formatter) open(dst []byte) []byte {
	f.started = true
	dst = append(dst, `{"log":{"version":"1.2","creator":`...)
	dst = f.marshal(dst, creator{Name: f.opts.Creator, Version: f.opts.Version})
	return append(dst, `,"pages":[],"entries":[`...)
}

// appendEntry appends one entry, after a comma when it is not the first.
func (f *Formatter) appendEntry(dst []byte, e *entry) []byte {
	if !f.started {
		dst = f.open(dst)
		dst = append(dst, '\n')
	} else {
		dst = append(dst, ",\n"...)
	}
	return f.marshal(dst, e)
}

// marshal appends the JSON of v without a newline. Strings that are not
// UTF-8 have their bad bytes replaced with U+FFFD.
func (f *Formatter) marshal(dst []byte, v any) []byte {
	f.buf.Reset()
	if err := f.enc.Encode(v); err != nil {
		// Only unsupported values (NaN) fail, which these types do not
		// hold; should one, the value is left out rather than the
		// document broken.
		return append(dst, "null"...)
	}
	return append(dst, bytes.TrimSuffix(f.buf.Bytes(), []byte("\n"))...)
}

func keyOf(m *message.Message, stream uint32) streamKey {
	return streamKey{conn: connKey{id: m.Connection().ID, serial: m.Connection().Serial}, stream: stream}
}

// request holds a request until its response.
func (f *Formatter) request(dst []byte, m *message.Message) []byte {
	h := m.HTTP
	f.seq++
	p := &pending{
		seq:    f.seq,
		key:    keyOf(m, h.Stream),
		h2:     h.Stream != 0,
		start:  m.Start,
		end:    m.End,
		dir:    m.Dir,
		wsWant: wantsWebSocket(h),
		tapir:  tapirOf(m, h.Stream),
	}
	p.req = json.RawMessage(f.marshal(nil, buildRequest(m)))
	if p.h2 {
		if old := f.streams[p.key]; old != nil {
			// A stream id reused before its response: write the old one.
			dst = f.flushPending(dst, old)
		}
		f.streams[p.key] = p
	} else {
		f.fifo[p.key.conn] = append(f.fifo[p.key.conn], p)
	}
	p.el = f.order.PushBack(p)
	return f.evict(dst)
}

// evict writes the oldest pending items while there are too many.
func (f *Formatter) evict(dst []byte) []byte {
	for f.order.Len() > f.opts.MaxPending {
		dst = f.flushPending(dst, f.order.Front().Value.(*pending))
	}
	return dst
}

// forget removes p from the pending sets.
func (f *Formatter) forget(p *pending) {
	f.order.Remove(p.el)
	switch {
	case p.ws != nil:
		if f.ws[p.key] == p.ws {
			delete(f.ws, p.key)
		}
	case p.h2:
		if f.streams[p.key] == p {
			delete(f.streams, p.key)
		}
	default:
		q := f.fifo[p.key.conn]
		if i := slices.Index(q, p); i >= 0 {
			q = slices.Delete(q, i, i+1)
		}
		if len(q) == 0 {
			delete(f.fifo, p.key.conn)
		} else {
			f.fifo[p.key.conn] = q
		}
	}
}

// flushPending writes p as it stands and forgets it: a WebSocket
// connection with the messages it collected, a request with no response.
func (f *Formatter) flushPending(dst []byte, p *pending) []byte {
	f.forget(p)
	if p.ws != nil {
		e := &p.ws.entry
		if p.ws.dropped > 0 {
			e.Tapir.WSDropped = p.ws.dropped
		}
		return f.appendEntry(dst, e)
	}
	e := &entry{
		Started:  started(p.start),
		Request:  p.req,
		Response: noResponse(),
		Timings:  timings{Send: ms(p.end - p.start)},
		Comment:  "no response captured",
		Tapir:    p.tapir,
	}
	e.Time = e.Timings.Send
	return f.appendEntry(dst, e)
}

// response pairs a response with its request and writes the entry.
func (f *Formatter) response(dst []byte, m *message.Message) []byte {
	h := m.HTTP
	if h.Status >= 100 && h.Status < 200 && h.Status != 101 {
		return dst // interim: the final response follows
	}
	stream := h.Stream
	if stream == 0 && m.Request != nil {
		stream = m.Request.Stream
	}
	key := keyOf(m, stream)
	var p *pending
	if stream != 0 {
		p = f.streams[key]
	} else if q := f.fifo[key.conn]; len(q) > 0 {
		p = q[0]
	}
	if p != nil {
		f.forget(p)
	} else {
		// Its request was not seen (capture began mid-connection): make
		// one from what the response says of it.
		at := m.Start
		if m.Latency != nil && m.Latency.First <= at {
			at -= m.Latency.First // when the request ended
		}
		p = &pending{key: key, h2: stream != 0, start: at, end: at, dir: m.Dir.Other()}
		p.req = json.RawMessage(f.marshal(nil, requestFromRef(m)))
	}

	e := &entry{
		Started:  started(p.start),
		Request:  p.req,
		Response: buildResponse(m),
		Timings:  exchangeTimings(p, m),
		Tapir:    tapirOf(m, stream),
	}
	e.Time = round(e.Timings.Send + e.Timings.Wait + e.Timings.Receive)
	server := m.Connection().Dst
	if p.dir == event.In { // the traced process is the server
		server = m.Connection().Src
	}
	if server.IsValid() {
		e.ServerIP = server.Addr().Unmap().String()
	}
	e.Connection = connection(m.Connection())
	e.Comment = comment(m)

	upgraded := (h.Status == 101 && p.wsWant) || (p.h2 && p.wsWant && h.Status >= 200 && h.Status < 300)
	if !upgraded {
		return f.appendEntry(dst, e)
	}
	// The connection (or stream) is a WebSocket now: keep the entry for
	// its messages.
	f.seq++
	w := &wsEntry{entry: *e}
	w.entry.WS = []wsMessage{}
	wp := &pending{seq: f.seq, key: key, dir: p.dir, ws: w}
	if old := f.ws[key]; old != nil {
		dst = f.flushWS(dst, key)
	}
	f.ws[key] = w
	wp.el = f.order.PushBack(wp)
	w.p = wp
	return f.evict(dst)
}

// flushWS writes the WebSocket entry of key.
func (f *Formatter) flushWS(dst []byte, key streamKey) []byte {
	w := f.ws[key]
	return f.flushPending(dst, w.p)
}

// appendWS adds a WebSocket message to its connection's entry, making
// one up when the handshake was not seen.
func (f *Formatter) appendWS(dst []byte, m *message.Message) []byte {
	var stream uint32
	if m.WS != nil {
		stream = m.WS.Stream
	}
	key := keyOf(m, stream)
	w := f.ws[key]
	if w == nil {
		f.seq++
		e := entry{
			Started:    started(m.Start),
			Request:    json.RawMessage(f.marshal(nil, wsRequest(m))),
			Response:   wsResponse(),
			Comment:    "WebSocket handshake not captured",
			Connection: connection(m.Connection()),
			WS:         []wsMessage{},
			Tapir:      tapirOf(m, stream),
		}
		w = &wsEntry{entry: e}
		// Without the handshake, take the traced process for the client.
		p := &pending{seq: f.seq, key: key, dir: event.Out, ws: w}
		w.p = p
		f.ws[key] = w
		p.el = f.order.PushBack(p)
		dst = f.evict(dst)
		if f.ws[key] != w {
			return dst // written at once: MaxPending is tiny
		}
	}
	if len(w.entry.WS) >= f.opts.MaxWSMessages {
		w.dropped++
		return dst
	}
	typ := "receive"
	if m.Dir == w.p.dir {
		typ = "send"
	}
	msg := wsMessage{Type: typ, Time: seconds(m.End), Opcode: opcode(m.WS)}
	if m.Body != nil {
		if msg.Opcode == 1 && utf8.Valid(m.Body.Data) {
			msg.Data = string(m.Body.Data)
		} else {
			msg.Data = base64.StdEncoding.EncodeToString(m.Body.Data)
		}
	}
	w.entry.WS = append(w.entry.WS, msg)
	return dst
}

// opcode returns a WebSocket opcode's number.
func opcode(w *message.WebSocket) int {
	if w == nil {
		return 1
	}
	switch w.Opcode {
	case "continuation":
		return 0
	case "text":
		return 1
	case "binary":
		return 2
	case "close":
		return 8
	case "ping":
		return 9
	case "pong":
		return 10
	}
	if n, ok := strings.CutPrefix(w.Opcode, "opcode-"); ok {
		if v, err := strconv.Atoi(n); err == nil {
			return v
		}
	}
	return 1
}

// wantsWebSocket reports whether a request asks to become a WebSocket:
// HTTP/1's Upgrade: websocket, or HTTP/2's extended CONNECT (RFC 8441).
func wantsWebSocket(h *message.HTTP) bool {
	for _, f := range h.Headers {
		if (strings.EqualFold(f.Name, "upgrade") || f.Name == ":protocol") && strings.EqualFold(strings.TrimSpace(f.Value), "websocket") {
			return true
		}
	}
	return false
}

// exchangeTimings derives HAR timings from the captured times: send is
// the request's first to last byte, wait to the response's first byte,
// receive to its last.
func exchangeTimings(p *pending, m *message.Message) timings {
	t := timings{Send: ms(p.end - p.start), Receive: ms(m.End - m.Start)}
	switch {
	case m.Latency != nil:
		t.Wait = ms(m.Latency.First)
	case m.Start > p.end:
		t.Wait = ms(m.Start - p.end)
	}
	return t
}

// ms converts nanoseconds to milliseconds, to the microsecond.
func ms(ns uint64) float64 {
	if int64(ns) < 0 {
		return 0
	}
	return round(float64(ns) / 1e6)
}

func round(x float64) float64 { return math.Round(x*1000) / 1000 }

func seconds(ns uint64) float64 { return math.Round(float64(ns)/1e3) / 1e6 }

// started formats a time on the events' clock as ISO 8601.
func started(ns uint64) string {
	return time.Unix(0, int64(ns)).UTC().Format("2006-01-02T15:04:05.000000Z07:00")
}

// connection names the connection as tapir's protobuf uuid does.
func connection(c *message.Conn) string {
	var b []byte
	if c.ID.Name != "" {
		b = append(b, c.ID.Name...)
	} else {
		b = strconv.AppendUint(b, uint64(c.PID), 10)
		b = append(b, '_')
		b = strconv.AppendInt(b, int64(c.FD), 10)
	}
	b = append(b, '_')
	return string(strconv.AppendUint(b, c.Serial, 10))
}

// comment says what was partial, cut or irregular in a response.
func comment(m *message.Message) string {
	var parts []string
	if m.Partial {
		parts = append(parts, "partial")
	}
	for _, n := range m.Notes {
		parts = append(parts, n.Kind.String()+": "+n.Text)
	}
	return strings.Join(parts, "; ")
}

func tapirOf(m *message.Message, stream uint32) tapirExt {
	return tapirExt{PID: m.Connection().PID, Comm: m.Connection().Comm, Proto: m.Proto, Stream: stream}
}

// addrHost formats an address for a URL's host.
func addrHost(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return "unknown"
	}
	return ap.String()
}
