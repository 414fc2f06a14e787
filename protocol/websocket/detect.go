package websocket

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/tapir-dev/tapir/protocol"
)

// maxScanFrames is how many frames a scan reads at most.
const maxScanFrames = 16

// detectFrameLimit is the longest frame detection believes in.
const detectFrameLimit = 1 << 30

// run is what scanning bytes for consecutive frames found.
type run struct {
	frames int  // complete, plausible frames from the start
	end    bool // the bytes end right after them
	bad    bool // the frame after them is not plausible
	more   bool // the frame after them is plausible so far but incomplete
	seen   bool // a header was read; masked is its mask bit
	masked bool
}

// good reports whether r shows a WebSocket direction: two frames, or one
// that ends exactly where the bytes do (a write of one frame).
func (r run) good() bool { return !r.bad && (r.frames >= 2 || r.frames == 1 && r.end) }

// known reports whether masked is the mask bit of a plausible frame.
func (r run) known() bool { return r.seen && (r.frames > 0 || !r.bad) }

// strong reports whether r shows at least two frames in a row.
func (r run) strong() bool { return !r.bad && r.frames >= 2 }

// scan reads frames from the start of b while they are plausible: the
// header of a defined opcode and RSV bits (RSV1 only on a message's first
// frame, and only when deflate may be in use), minimal length encoding,
// control frames final and short, continuation frames only inside a
// message, one masking rule for all (want, when known), a text payload
// that starts as UTF-8 and a close code a peer may send.
func scan(b []byte, want role, deflate bool, limit uint64) run {
	var r run
	open := -1 // a fragmented message is open: -1 unknown, 0 no, 1 yes
	for r.frames < maxScanFrames {
		if len(b) == 0 {
			r.end = r.frames > 0
			return r
		}
		hd, n := parseHeader(b)
		if n == 0 {
			if !plausibleByte0(b[0], deflate) || len(b) >= 2 && !maskOK(b[1]&0x80 != 0, want, &r) {
				r.bad = true
			} else {
				r.more = true
			}
			return r
		}
		if !maskOK(hd.masked, want, &r) || !plausible(hd, &open, deflate) || hd.n > limit {
			r.bad = true
			return r
		}
		avail := b[n:]
		if uint64(len(avail)) > hd.n {
			avail = avail[:hd.n]
		}
		if !payloadOK(hd, avail) {
			r.bad = true
			return r
		}
		if uint64(len(b)-n) < hd.n {
			r.more = true
			return r
		}
		r.frames++
		b = b[n+int(hd.n):]
	}
	return r
}

// maskOK checks a frame's mask bit against want and the frames before it.
func maskOK(masked bool, want role, r *run) bool {
	if want == client && !masked || want == server && masked {
		return false
	}
	if r.seen {
		return masked == r.masked
	}
	r.seen, r.masked = true, masked
	return true
}

// plausibleByte0 reports whether c can start a frame header.
func plausibleByte0(c byte, deflate bool) bool {
	op := c & 0x0f
	switch {
	case c&(bitRSV2|bitRSV3) != 0 || reserved(op):
		return false
	case c&bitRSV1 != 0:
		return deflate && isData(op)
	case isControl(op):
		return c&bitFIN != 0
	}
	return true
}

// plausible checks one header in sequence; open tracks whether a
// fragmented message is open.
func plausible(hd header, open *int, deflate bool) bool {
	if hd.long || hd.loose || !plausibleByte0(hd.byte0(), deflate) {
		return false
	}
	switch {
	case isControl(hd.op):
		return hd.n <= maxControl
	case hd.op == opContinuation:
		if *open == 0 || !hd.fin && hd.n == 0 {
			return false
		}
	default:
		if *open == 1 || !hd.fin && hd.n == 0 {
			return false
		}
	}
	*open = 1
	if hd.fin {
		*open = 0
	}
	return true
}

// byte0 rebuilds the first byte of the header.
func (hd header) byte0() byte {
	c := hd.rsv | hd.op
	if hd.fin {
		c |= bitFIN
	}
	return c
}

// payloadOK checks the start of a payload: text that is not compressed
// must read as UTF-8, a close frame must carry a valid code.
func payloadOK(hd header, p []byte) bool {
	var buf [64]byte
	head := buf[:copy(buf[:], p)]
	if hd.masked {
		maskBytes(head, hd.key, 0)
	}
	switch {
	case hd.op == opText && hd.rsv&bitRSV1 == 0:
		return validPrefix(head, len(p) < int(hd.n) || len(p) > len(head) || !hd.fin)
	case hd.op == opClose:
		if hd.n == 1 {
			return false
		}
		if len(head) >= 2 {
			return validCloseCode(int(binary.BigEndian.Uint16(head)))
		}
	}
	return true
}

// validPrefix reports whether b is UTF-8, allowing a character cut at its
// end when cut is set.
func validPrefix(b []byte, cut bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if !cut {
		return false
	}
	for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
		if utf8.Valid(b[:len(b)-i]) {
			return true
		}
	}
	return false
}

// Detect recognises a WebSocket connection first seen after its
// handshake, from the structure of its frames: in one direction two
// plausible frames in a row (see scan), or in each direction a frame that
// ends where the bytes seen so far end, with client frames masked and
// server frames not.
func Detect(s protocol.Sample) protocol.Verdict {
	out := scan(s.Out, unknownRole, true, detectFrameLimit)
	in := scan(s.In, unknownRole, true, detectFrameLimit)
	if out.known() && in.known() && out.masked == in.masked {
		return protocol.No
	}
	switch {
	case out.good() && in.good():
		return protocol.Yes
	case out.strong() || in.strong():
		return protocol.Yes
	case !out.bad && (out.more || out.frames > 0) || !in.bad && (in.more || in.frames > 0):
		return protocol.NeedMore
	}
	return protocol.No
}
