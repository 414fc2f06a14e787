package jsonl

import "github.com/tapir-dev/tapir/message"

// appendWebSocket appends the "ws" member.
func appendWebSocket(e *enc, ws *message.WebSocket) {
	e.key("ws")
	e.open('{')
	e.strIf("opcode", ws.Opcode)
	if ws.Fragments != 0 {
		e.int("fragments", int64(ws.Fragments))
	}
	e.trueIf("compressed", ws.Compressed)
	if ws.CloseCode != 0 {
		e.int("close_code", int64(ws.CloseCode))
	}
	e.strIf("close_reason", ws.CloseReason)
	if ws.Stream != 0 {
		e.uint("stream", uint64(ws.Stream))
	}
	e.close('}')
}
