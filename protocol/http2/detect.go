package http2

import (
	"encoding/binary"

	"github.com/tapir-dev/tapir/protocol"
)

// Preface is the client connection preface (RFC 9113, section 3.4).
const Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// frameHeaderLen is the length of a frame header.
const frameHeaderLen = 9

// defaultMaxFrame is SETTINGS_MAX_FRAME_SIZE until a peer says otherwise.
const defaultMaxFrame = 1 << 14

// maxSyncFrame is the largest frame that detection and the search for
// frame boundaries believe in: 1 MiB, what Go's server allows its peers.
const maxSyncFrame = 1 << 20

// Frame types (RFC 9113, section 6; RFC 9218 for PRIORITY_UPDATE).
const (
	typeData           = 0x0
	typeHeaders        = 0x1
	typePriority       = 0x2
	typeRSTStream      = 0x3
	typeSettings       = 0x4
	typePushPromise    = 0x5
	typePing           = 0x6
	typeGoAway         = 0x7
	typeWindowUpdate   = 0x8
	typeContinuation   = 0x9
	typePriorityUpdate = 0x10
)

// Frame flags.
const (
	flagEndStream  = 0x1
	flagAck        = 0x1
	flagEndHeaders = 0x4
	flagPadded     = 0x8
	flagPriority   = 0x20
)

// hdr is a parsed frame header.
type hdr struct {
	length uint32
	typ    uint8
	flags  uint8
	stream uint32
	rbit   bool // the reserved bit of the stream id was set
}

// parseHdr parses the 9 bytes at the start of b, which must hold them.
func parseHdr(b []byte) hdr {
	_ = b[8]
	id := binary.BigEndian.Uint32(b[5:9])
	return hdr{
		length: uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]),
		typ:    b[3],
		flags:  b[4],
		stream: id & (1<<31 - 1),
		rbit:   id>>31 != 0,
	}
}

// allowedFlags are the flags each frame type defines.
var allowedFlags = [...]uint8{
	typeData:         flagEndStream | flagPadded,
	typeHeaders:      flagEndStream | flagEndHeaders | flagPadded | flagPriority,
	typePriority:     0,
	typeRSTStream:    0,
	typeSettings:     flagAck,
	typePushPromise:  flagEndHeaders | flagPadded,
	typePing:         flagAck,
	typeGoAway:       0,
	typeWindowUpdate: 0,
	typeContinuation: flagEndHeaders,
}

// plausible reports whether h looks like the header of a frame a real
// peer sends, strictly enough to find frame boundaries in bytes not known
// to start at one: a known type with only its defined flags, the reserved
// bit clear, a length of at most maxLen that fits the type, and a stream
// id that fits the type. (The parser itself accepts any frame once it
// knows where frames start; this is only for finding that out.)
func plausible(h hdr, maxLen uint32) bool {
	if h.rbit || h.length > maxLen {
		return false
	}
	if h.typ == typePriorityUpdate {
		return h.flags == 0 && h.stream == 0 && h.length >= 4
	}
	if int(h.typ) >= len(allowedFlags) || h.flags&^allowedFlags[h.typ] != 0 {
		return false
	}
	onStream := h.stream != 0
	switch h.typ {
	case typeData, typeContinuation:
		return onStream && (h.flags&flagPadded == 0 || h.length >= 1)
	case typeHeaders:
		min := uint32(0)
		if h.flags&flagPadded != 0 {
			min++
		}
		if h.flags&flagPriority != 0 {
			min += 5
		}
		return onStream && h.length >= min
	case typePriority:
		return onStream && h.length == 5
	case typeRSTStream:
		return onStream && h.length == 4
	case typeSettings:
		if h.flags&flagAck != 0 {
			return !onStream && h.length == 0
		}
		return !onStream && h.length%6 == 0
	case typePushPromise:
		return onStream && h.length >= 4
	case typePing:
		return !onStream && h.length == 8
	case typeGoAway:
		return !onStream && h.length >= 8
	case typeWindowUpdate:
		return h.length == 4
	}
	return false
}

// validSettings reports whether a SETTINGS payload holds values a peer
// may send: known settings within their ranges (unknown ones are allowed,
// as the RFC says they are ignored).
func validSettings(p []byte) bool {
	for ; len(p) >= 6; p = p[6:] {
		id := binary.BigEndian.Uint16(p)
		v := binary.BigEndian.Uint32(p[2:])
		switch id {
		case 0x2: // ENABLE_PUSH
			if v > 1 {
				return false
			}
		case 0x4: // INITIAL_WINDOW_SIZE
			if v > 1<<31-1 {
				return false
			}
		case 0x5: // MAX_FRAME_SIZE
			if v < 1<<14 || v > 1<<24-1 {
				return false
			}
		case 0x8, 0x9: // ENABLE_CONNECT_PROTOCOL, NO_RFC7540_PRIORITIES
			if v > 1 {
				return false
			}
		}
	}
	return len(p) == 0
}

// syncResult is what a search for frame boundaries found.
type syncResult uint8

const (
	syncNone syncResult = iota // no frame starts here
	syncMore                   // a frame may start here; more bytes will tell
	syncYes                    // frames start here
)

// chainAt says whether frames start at b[0]: two consecutive plausible
// frame headers on related streams (or three, the last related to one of
// the others), a plausible frame that is exactly b when exact is set (b
// is one event, and senders write frames whole), or a complete, valid
// SETTINGS frame (what a peer sends first). It answers syncMore while b
// is too short to tell.
func chainAt(b []byte, maxLen uint32, exact bool) syncResult {
	if len(b) < frameHeaderLen {
		if prefixCouldBeHeader(b, maxLen) {
			return syncMore
		}
		return syncNone
	}
	h := parseHdr(b)
	if !plausible(h, maxLen) {
		return syncNone
	}
	end := frameHeaderLen + int(h.length)
	if h.typ == typeSettings && h.flags&flagAck == 0 && h.length > 0 {
		if len(b) < end {
			return syncMore
		}
		if !validSettings(b[frameHeaderLen:end]) {
			return syncNone
		}
		return syncYes
	}
	if len(b) == end && exact {
		// The frame is exactly the bytes of an event, as frames written
		// one at a time are.
		return syncYes
	}
	r, h2 := nextHdr(b, end, maxLen)
	if r != syncYes || related(h.stream, h2.stream) {
		return r
	}
	// Two frames on unrelated streams: a third, on a stream related to
	// either, decides.
	r, h3 := nextHdr(b, end+frameHeaderLen+int(h2.length), maxLen)
	if r != syncYes || related(h.stream, h3.stream) || related(h2.stream, h3.stream) {
		return r
	}
	return syncNone
}

// nextHdr checks the frame header at b[off:].
func nextHdr(b []byte, off int, maxLen uint32) (syncResult, hdr) {
	if len(b) < off+frameHeaderLen {
		if len(b) > off && !prefixCouldBeHeader(b[off:], maxLen) {
			return syncNone, hdr{}
		}
		return syncMore, hdr{}
	}
	h := parseHdr(b[off:])
	if !plausible(h, maxLen) {
		return syncNone, hdr{}
	}
	return syncYes, h
}

// related reports whether frames on streams a and b are likely to follow
// one another: the same stream, the connection, or streams opened close
// together. Random bytes rarely give two such ids.
func related(a, b uint32) bool {
	if a == 0 || b == 0 {
		return true
	}
	d := a - b
	if b > a {
		d = b - a
	}
	return d < 1<<10
}

// prefixCouldBeHeader reports whether the fewer than 9 bytes of b could
// begin a plausible frame header.
func prefixCouldBeHeader(b []byte, maxLen uint32) bool {
	var full [frameHeaderLen]byte
	copy(full[:], b)
	// The length: the bytes we have, the rest as small as can be.
	if len(b) < 3 {
		l := uint32(full[0]) << 16
		if len(b) == 2 {
			l |= uint32(full[1]) << 8
		}
		return l <= maxLen
	}
	h := parseHdr(full[:])
	if h.length > maxLen {
		return false
	}
	if len(b) < 4 {
		return true
	}
	if len(b) < 5 {
		// Any type we know, with some flags it allows.
		return h.typ == typePriorityUpdate || int(h.typ) < len(allowedFlags)
	}
	if len(b) < 6 {
		return h.typ == typePriorityUpdate || int(h.typ) < len(allowedFlags) && h.flags&^allowedFlags[h.typ] == 0
	}
	return b[5]&0x80 == 0
}

// findSync looks for the first offset of b at which frames start,
// trying at most limit offsets; exactAt is the offset where an event
// starts that ends b (or -1), at which a lone frame spanning the event is
// believed. It returns the first offset that syncYes, else the first that
// needs more bytes and syncMore, else syncNone.
func findSync(b []byte, maxLen uint32, limit, exactAt int) (int, syncResult) {
	top := byte(maxLen >> 16) // the largest first byte of a length that fits
	more := -1
	for off := 0; off < len(b) && off < limit; off++ {
		if b[off] > top {
			continue
		}
		switch chainAt(b[off:], maxLen, off == exactAt) {
		case syncYes:
			return off, syncYes
		case syncMore:
			if more < 0 {
				more = off
			}
		}
	}
	if more >= 0 {
		return more, syncMore
	}
	return min(len(b), limit), syncNone
}

// detectScan is how many offsets of a connection's first bytes detection
// tries when they do not start with a frame: a connection first seen in
// the middle of a frame, whose end comes within the largest frame that
// detection trusts.
const detectScan = maxSyncFrame + 2*frameHeaderLen

// Detect says Yes when either direction starts with the client preface,
// or with frames (two consecutive plausible frame headers, a plausible
// frame that ends where the bytes do, or a complete SETTINGS frame, the
// first thing a server sends), or when frames start after the tail of a
// frame whose beginning was not seen. It says NeedMore while the bytes are
// a prefix of one of these, or, while the other direction is silent, may
// be such a tail; and No otherwise, at once for an HTTP/1 start line.
func Detect(s protocol.Sample) protocol.Verdict {
	a, softA := detectDir(s.Head(s.First))
	b, softB := detectDir(s.Head(s.First.Other()))
	switch {
	case a == protocol.Yes || b == protocol.Yes:
		return protocol.Yes
	case a == protocol.NeedMore && !softA || b == protocol.NeedMore && !softB:
		return protocol.NeedMore
	case a == protocol.NeedMore && len(s.Head(s.First.Other())) == 0:
		// What came may be the tail of a frame: wait for its end, or
		// for the other direction.
		return protocol.NeedMore
	}
	return protocol.No
}

// detectDir judges one direction; soft marks a NeedMore that only says
// the bytes may be the tail of a frame.
func detectDir(b []byte) (v protocol.Verdict, soft bool) {
	if len(b) == 0 {
		return protocol.No, false
	}
	if n := min(len(b), len(Preface)); string(b[:n]) == Preface[:n] {
		if n == len(Preface) {
			return protocol.Yes, false
		}
		return protocol.NeedMore, false
	}
	if http1Start(b) {
		return protocol.No, false
	}
	off, r := findSync(b, maxSyncFrame, detectScan, 0)
	switch {
	case r == syncYes:
		return protocol.Yes, false
	case r == syncMore && len(b)-off >= frameHeaderLen && parseHdr(b[off:]).length <= defaultMaxFrame:
		return protocol.NeedMore, false
	case len(b) < defaultMaxFrame+2*frameHeaderLen:
		// No frame yet, or one longer than most: the bytes may be the tail
		// of a frame, or anything else.
		return protocol.NeedMore, true
	}
	return protocol.No, false
}

// http1Start reports whether b starts like an HTTP/1 message: "HTTP/1."
// or an upper-case method and a space. Detection does not look for frames
// in such bytes, whose body may hold anything.
func http1Start(b []byte) bool {
	if len(b) >= 7 && string(b[:7]) == "HTTP/1." {
		return true
	}
	i := 0
	for i < len(b) && ('A' <= b[i] && b[i] <= 'Z' || b[i] == '-' || b[i] == '_') {
		i++
	}
	return i >= 3 && i < len(b) && b[i] == ' '
}
