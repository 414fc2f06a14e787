package pb

import (
	"net/netip"
	"time"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
)

// ToMessage turns an Event back into a message.Message. An Event that
// tapir wrote (with field 100) gives back the message it was made from,
// less its wire bytes (Raw), which records do not carry except for
// messages that have neither head nor body. An Event from eCapture gives
// a message whose body is its payload, with the protocol and role told by
// its type. The message's slices and strings are copies: e may be reused.
func ToMessage(e *Event) *message.Message {
	m := &message.Message{Conn: &message.Conn{}}
	m.Conn.Src = addrPort(e.GetSrcIp(), e.GetSrcPort())
	m.Conn.Dst = addrPort(e.GetDstIp(), e.GetDstPort())
	payload := e.GetPayload()
	x := e.GetMessage()
	if x == nil {
		fromECapture(m, e)
		return m
	}

	m.Proto = x.GetProto()
	m.Type = message.Type(x.GetKind())
	m.Dir = event.Dir(x.GetDir())
	m.Start, m.End = x.GetStartNs(), x.GetEndNs()
	m.Size = x.GetSize()
	m.RawCut = x.GetRawCut()
	m.Partial = x.GetPartial()
	if c := x.GetConn(); c != nil {
		m.Conn.PID = c.GetPid()
		m.Conn.FD = c.GetFd()
		m.Conn.Comm = string(c.GetComm())
		m.Conn.Lib = c.GetLib()
		m.Conn.Serial = c.GetSerial()
		if name := c.GetName(); len(name) > 0 {
			m.Conn.ID = event.ConnID{Name: string(name)}
		} else {
			m.Conn.ID = event.ConnID{PID: m.Conn.PID, FD: m.Conn.FD}
		}
	}
	if h := x.GetHttp(); h != nil {
		m.HTTP = &message.HTTP{
			Method:   string(h.GetMethod()),
			Target:   string(h.GetTarget()),
			Version:  string(h.GetVersion()),
			Status:   int(h.GetStatus()),
			Reason:   string(h.GetReason()),
			Headers:  headers(h.GetHeaders()),
			Trailers: headers(h.GetTrailers()),
			Stream:   h.GetStream(),
		}
	}
	if r := x.GetRequest(); r != nil {
		m.Request = &message.RequestRef{Method: string(r.GetMethod()), Target: string(r.GetTarget()), Stream: r.GetStream()}
	}
	if l := x.GetLatency(); l != nil {
		m.Latency = &message.Latency{First: l.GetFirstNs(), Last: l.GetLastNs()}
	}
	off := int(x.GetBodyOffset())
	if off > len(payload) {
		off = len(payload)
	}
	if b := x.GetBody(); b != nil {
		m.Body = &message.Body{
			Cut:         b.GetCut(),
			Size:        b.GetSize(),
			DecodedSize: b.GetDecodedSize(),
			Encoding:    b.GetEncoding(),
			ContentType: string(b.GetContentType()),
			Binary:      b.GetBinary(),
			Err:         string(b.GetError()),
		}
		if off < len(payload) {
			m.Body.Data = clone(payload[off:])
		}
	} else if m.HTTP == nil && len(payload) > 0 {
		m.Raw = clone(payload)
	}
	if w := x.GetWs(); w != nil {
		m.WS = &message.WebSocket{
			Opcode:      w.GetOpcode(),
			Fragments:   int(w.GetFragments()),
			Compressed:  w.GetCompressed(),
			CloseCode:   int(w.GetCloseCode()),
			CloseReason: string(w.GetCloseReason()),
			Stream:      w.GetStream(),
		}
	}
	for _, n := range x.GetNotes() {
		m.Notes = append(m.Notes, message.Note{Kind: message.NoteKind(n.GetKind()), Text: string(n.GetText())})
	}
	if g := x.GetGrpc(); g != nil {
		m.GRPC = toGRPC(g)
	}
	return m
}

// fromECapture fills m from an Event without tapir's structure.
func fromECapture(m *message.Message, e *Event) {
	m.Conn.PID = uint32(e.GetPid())
	m.Conn.FD = -1
	m.Conn.Comm = e.GetPname()
	m.Conn.ID = event.ConnID{Name: e.GetUuid()}
	m.Start = uint64(e.GetTimestamp()) * uint64(time.Second)
	m.End = m.Start
	m.Proto = "raw"
	switch e.GetType() {
	case TypeHTTP1Request:
		m.Proto, m.Type, m.Dir = "http1", message.Request, event.Out
	case TypeHTTP2Request:
		m.Proto, m.Type, m.Dir = "http2", message.Request, event.Out
	case TypeHTTP1Response:
		m.Proto, m.Type, m.Dir = "http1", message.Response, event.In
	case TypeHTTP2Response:
		m.Proto, m.Type, m.Dir = "http2", message.Response, event.In
	case TypeWebSocket:
		m.Proto = "websocket"
	}
	p := e.GetPayload()
	m.Size = int64(len(p))
	m.Body = &message.Body{Data: clone(p), Size: int64(len(p)), DecodedSize: int64(len(p)), Binary: !printable(p)}
}

// printable reports whether p is text: UTF-8 without control bytes other
// than tab, CR and LF.
func printable(p []byte) bool {
	for _, c := range p {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
			return false
		}
	}
	return true
}

func headers(hs []*Header) []message.Header {
	if len(hs) == 0 {
		return nil
	}
	out := make([]message.Header, len(hs))
	for i, h := range hs {
		out[i] = message.Header{Name: string(h.GetName()), Value: string(h.GetValue())}
	}
	return out
}

func addrPort(ip string, port uint32) netip.AddrPort {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a, uint16(port))
}

func clone(p []byte) []byte { return append([]byte(nil), p...) }
