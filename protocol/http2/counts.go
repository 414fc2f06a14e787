package http2

import (
	"slices"

	"github.com/tapir-dev/tapir/protocol"
)

// Counts reports frames by type and what the parser passed over or could
// not resolve (protocol.Counter).
func (p *Parser) Counts(add func(name string, n uint64)) {
	s := p.stats
	for t, n := range s.Frames {
		if n > 0 {
			add("http2 frames "+FrameName(uint8(t)), n)
		}
	}
	for _, c := range []struct {
		name string
		n    uint64
	}{
		{"http2 frames of other types", s.OtherFrames},
		{"http2 streams", s.Streams},
		{"http2 streams reset", s.Resets},
		{"http2 streams evicted (too many open)", s.Evicted},
		{"http2 header fields unknown (table entries not seen)", s.UnknownFields},
		{"http2 resyncs", s.Resyncs},
		{"http2 bytes skipped", uint64(max(s.Skipped, 0))},
		{"http2 responses unpaired", s.Unpaired},
		{"http2 streams carrying a WebSocket", s.Tunnels},
	} {
		if c.n > 0 {
			add(c.name, c.n)
		}
	}
	// What the parsers of those WebSockets counted, once they ended.
	names := make([]string, 0, len(p.tunCounts))
	for name := range p.tunCounts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		add(name, p.tunCounts[name])
	}
}

// countTunnel keeps what the parser of a tunnel that ended counted.
func (p *Parser) countTunnel(tp protocol.Parser) {
	c, ok := tp.(protocol.Counter)
	if !ok {
		return
	}
	c.Counts(func(name string, n uint64) {
		if p.tunCounts == nil {
			p.tunCounts = make(map[string]uint64)
		}
		p.tunCounts[name] += n
	})
}
