package websocket

// Keep reports that a WebSocket connection's state — the negotiation and
// the compression windows — must outlive a quiet spell (protocol.Keeper).
func (p *Parser) Keep() bool { return true }
