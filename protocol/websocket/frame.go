package websocket

import (
	"encoding/binary"
	"strconv"
)

// Opcodes of RFC 6455, section 5.2.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

// Bits of a frame's first byte.
const (
	bitFIN  = 0x80
	bitRSV1 = 0x40
	bitRSV2 = 0x20
	bitRSV3 = 0x10
)

// maxHeader is the longest frame header: 2 bytes, a 64-bit length and a
// masking key.
const maxHeader = 14

// maxControl is the longest payload a control frame may have.
const maxControl = 125

// header is a frame header.
type header struct {
	fin    bool
	rsv    byte // the RSV1-3 bits, in place (0x70)
	op     byte
	masked bool
	key    [4]byte
	n      uint64 // payload length
	size   int    // header length in bytes
	// long is set when a 64-bit length has its top bit set, which RFC
	// 6455 forbids; n is then meaningless.
	long bool
	// loose is set when the length was not in its shortest encoding.
	loose bool
}

// isControl reports whether op is a control opcode.
func isControl(op byte) bool { return op&0x8 != 0 }

// isData reports whether op starts a data message.
func isData(op byte) bool { return op == opText || op == opBinary }

// reserved reports whether op is not defined by RFC 6455.
func reserved(op byte) bool {
	switch op {
	case opContinuation, opText, opBinary, opClose, opPing, opPong:
		return false
	}
	return true
}

// parseHeader reads the frame header at the start of b. It returns the
// header's length, or 0 when b is too short to hold all of it.
func parseHeader(b []byte) (header, int) {
	if len(b) < 2 {
		return header{}, 0
	}
	h := header{
		fin:    b[0]&bitFIN != 0,
		rsv:    b[0] & 0x70,
		op:     b[0] & 0x0f,
		masked: b[1]&0x80 != 0,
	}
	n := 2
	switch l := b[1] & 0x7f; l {
	case 126:
		if len(b) < 4 {
			return header{}, 0
		}
		h.n = uint64(binary.BigEndian.Uint16(b[2:]))
		h.loose = h.n < 126
		n = 4
	case 127:
		if len(b) < 10 {
			return header{}, 0
		}
		h.n = binary.BigEndian.Uint64(b[2:])
		h.long = h.n>>63 != 0
		h.loose = h.n <= 0xffff
		n = 10
	default:
		h.n = uint64(l)
	}
	if h.masked {
		if len(b) < n+4 {
			return header{}, 0
		}
		copy(h.key[:], b[n:n+4])
		n += 4
	}
	h.size = n
	return h, n
}

// headerLen returns the length of a frame header whose second byte is b1.
func headerLen(b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n = 4
	case 127:
		n = 10
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// opName names an opcode as message.WebSocket.Opcode does.
func opName(op byte) string {
	switch op {
	case opContinuation:
		return "continuation"
	case opText:
		return "text"
	case opBinary:
		return "binary"
	case opClose:
		return "close"
	case opPing:
		return "ping"
	case opPong:
		return "pong"
	}
	return "opcode-" + strconv.Itoa(int(op))
}

// unmask appends src XORed with the masking key to dst; pos is the offset
// of src[0] in the frame's payload. With masked unset it only appends.
func unmask(dst, src []byte, key [4]byte, pos uint64, masked bool) []byte {
	n := len(dst)
	dst = append(dst, src...)
	if masked {
		maskBytes(dst[n:], key, pos)
	}
	return dst
}

// maskBytes XORs b in place with the masking key, b[0] being at offset pos
// of the payload. Masking and unmasking are the same operation.
func maskBytes(b []byte, key [4]byte, pos uint64) {
	k := uint64(binary.LittleEndian.Uint32(key[:]))
	k |= k << 32
	s := uint(pos&3) * 8
	if s != 0 {
		k = k>>s | k<<(64-s)
	}
	i := 0
	for ; i+32 <= len(b); i += 32 {
		w := b[i : i+32 : i+32]
		binary.LittleEndian.PutUint64(w[0:], binary.LittleEndian.Uint64(w[0:])^k)
		binary.LittleEndian.PutUint64(w[8:], binary.LittleEndian.Uint64(w[8:])^k)
		binary.LittleEndian.PutUint64(w[16:], binary.LittleEndian.Uint64(w[16:])^k)
		binary.LittleEndian.PutUint64(w[24:], binary.LittleEndian.Uint64(w[24:])^k)
	}
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k)
	}
	for ; i < len(b); i++ {
		b[i] ^= byte(k)
		k = k>>8 | k<<56
	}
}
