package websocket

// Counts reports frames read and what the parser passed over or could not
// inflate (protocol.Counter).
func (p *Parser) Counts(add func(name string, n uint64)) {
	s := p.Stats()
	for _, c := range []struct {
		name string
		n    uint64
	}{
		{"websocket frames", s.Frames},
		{"websocket messages not inflated", s.NotInflated},
		{"websocket resyncs", s.Resyncs},
		{"websocket bytes skipped", uint64(max(s.Skipped, 0))},
	} {
		if c.n > 0 {
			add(c.name, c.n)
		}
	}
}
