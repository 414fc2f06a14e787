package http1

import "github.com/tapir-dev/tapir/protocol"

// Keep reports whether the connection holds state that must outlive a
// quiet spell: only once it was upgraded to a protocol that does, such as
// WebSocket or HTTP/2 (protocol.Keeper).
func (p *Parser) Keep() bool {
	k, ok := p.up.(protocol.Keeper)
	return ok && k.Keep()
}
