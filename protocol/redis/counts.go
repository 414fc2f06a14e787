package redis

// counts are what a Parser counts beyond the messages it emits.
type counts struct {
	resyncs  uint64 // losses (gaps, bytes that are not RESP) resynchronised from
	skipped  uint64 // bytes skipped to resynchronise
	pushes   uint64 // pushes and pub/sub messages: data, not replies
	unpaired uint64 // replies with no command seen
	unkept   uint64 // replies whose command was not kept (too many waited)
}

// Counts reports what the parser passed over and what it emitted
// unpaired (protocol.Counter).
func (p *Parser) Counts(add func(name string, n uint64)) {
	for _, c := range []struct {
		name string
		n    uint64
	}{
		{"redis resyncs", p.counts.resyncs},
		{"redis bytes skipped", p.counts.skipped},
		{"redis pushes", p.counts.pushes},
		{"redis replies without a command", p.counts.unpaired},
		{"redis replies to commands not kept", p.counts.unkept},
	} {
		if c.n > 0 {
			add(c.name, c.n)
		}
	}
}
