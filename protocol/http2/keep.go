package http2

// Keep reports that an HTTP/2 connection's state — its HPACK tables — must
// outlive a quiet spell (protocol.Keeper).
func (p *Parser) Keep() bool { return true }
