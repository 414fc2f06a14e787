package http1

import "github.com/tapir-dev/tapir/protocol"

// Counts reports what the parser passed over, could not pair or paired
// in doubt after a gap, and the counts of the parser the connection was
// upgraded to (protocol.Counter).
func (p *Parser) Counts(add func(name string, n uint64)) {
	s := p.stats
	for _, c := range []struct {
		name string
		n    uint64
	}{
		{"http1 resyncs", s.Resyncs},
		{"http1 bytes skipped", uint64(max(s.Skipped, 0))},
		{"http1 responses unpaired", s.Unpaired},
		{"http1 responses paired in doubt", s.Doubtful},
	} {
		if c.n > 0 {
			add(c.name, c.n)
		}
	}
	if c, ok := p.up.(protocol.Counter); ok {
		c.Counts(add)
	}
}
