package websocket

import (
	"strconv"
	"strings"

	"github.com/tapir-dev/tapir/message"
)

// role is what a direction's peer is.
type role uint8

const (
	unknownRole role = iota
	client           // its frames are masked
	server           // its frames are not
)

// Negotiation is what a WebSocket handshake settled: the subprotocol and
// the permessage-deflate parameters (RFC 7692) of each side.
type Negotiation struct {
	// Known is set when the handshake was seen; without it the parser
	// takes RSV1 on a message's first frame to mean permessage-deflate
	// with context takeover, the default.
	Known bool
	// Protocol is the Sec-WebSocket-Protocol the server chose.
	Protocol string
	// Deflate is set when permessage-deflate was agreed.
	Deflate bool
	// ClientNoContext and ServerNoContext are the *_no_context_takeover
	// parameters: each of that side's messages is compressed on its own.
	ClientNoContext, ServerNoContext bool
	// ClientWindowBits and ServerWindowBits are the *_max_window_bits
	// parameters, 8 to 15: the size of the sliding window that side's
	// compressor uses. 0 means 15.
	ClientWindowBits, ServerWindowBits int
}

// Negotiate reads the negotiation from a handshake's response head (an
// HTTP/1 101 or an HTTP/2 200 to an extended CONNECT): its
// Sec-WebSocket-Extensions and Sec-WebSocket-Protocol fields. Fields it
// does not understand are ignored.
func Negotiate(resp *message.HTTP) Negotiation {
	n := Negotiation{Known: true}
	if resp == nil {
		return n
	}
	for _, h := range resp.Headers {
		switch {
		case strings.EqualFold(h.Name, "Sec-WebSocket-Protocol"):
			if n.Protocol == "" {
				n.Protocol = strings.TrimSpace(h.Value)
			}
		case strings.EqualFold(h.Name, "Sec-WebSocket-Extensions"):
			if !n.Deflate {
				n.parseExtensions(h.Value)
			}
		}
	}
	return n
}

// parseExtensions takes the first permessage-deflate of an extension list
// such as "permessage-deflate; client_max_window_bits=10, x-other".
func (n *Negotiation) parseExtensions(v string) {
	for ext := range strings.SplitSeq(v, ",") {
		params := strings.Split(ext, ";")
		if !strings.EqualFold(strings.TrimSpace(params[0]), "permessage-deflate") {
			continue
		}
		n.Deflate = true
		for _, p := range params[1:] {
			name, val, _ := strings.Cut(p, "=")
			name = strings.ToLower(strings.TrimSpace(name))
			val = strings.Trim(strings.TrimSpace(val), `"`)
			switch name {
			case "client_no_context_takeover":
				n.ClientNoContext = true
			case "server_no_context_takeover":
				n.ServerNoContext = true
			case "client_max_window_bits":
				n.ClientWindowBits = windowBits(val)
			case "server_max_window_bits":
				n.ServerWindowBits = windowBits(val)
			}
		}
		return
	}
}

// windowBits parses a *_max_window_bits value; anything but 8 to 15 is 0
// (the default, 15).
func windowBits(v string) int {
	b, err := strconv.Atoi(v)
	if err != nil || b < 8 || b > 15 {
		return 0
	}
	return b
}

// params returns the compression parameters of the side r.
func (n *Negotiation) params(r role) (noContext bool, bits int) {
	switch r {
	case client:
		noContext, bits = n.ClientNoContext, n.ClientWindowBits
	case server:
		noContext, bits = n.ServerNoContext, n.ServerWindowBits
	}
	if bits == 0 {
		bits = 15
	}
	return noContext, bits
}
