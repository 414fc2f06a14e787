package text

import (
	"github.com/tapir-dev/tapir/message"
)

// appendWebSocket appends what the header line says of a WebSocket
// message or frame: ` text`, ` binary 3 fragments deflate`,
// ` close 1000 "bye"`, ` stream=5`.
func appendWebSocket(dst []byte, ws *message.WebSocket) []byte {
	if ws.Opcode != "" {
		dst = append(dst, ' ')
		dst = appendSafe(dst, ws.Opcode, false)
	}
	if ws.Fragments > 1 {
		dst = append(dst, ' ')
		dst = appendInt(dst, int64(ws.Fragments))
		dst = append(dst, " fragments"...)
	}
	if ws.Compressed {
		dst = append(dst, " deflate"...)
	}
	if ws.CloseCode != 0 {
		dst = append(dst, ' ')
		dst = appendInt(dst, int64(ws.CloseCode))
	}
	if ws.CloseReason != "" {
		dst = append(dst, " \""...)
		dst = appendSafe(dst, ws.CloseReason, false)
		dst = append(dst, '"')
	}
	if ws.Stream != 0 {
		dst = append(dst, " stream="...)
		dst = appendUint(dst, uint64(ws.Stream))
	}
	return dst
}
