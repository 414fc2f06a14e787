package workload

import (
	"encoding/binary"
	"net/netip"
)

// newBinaryWorld builds the binary workload: processes exchanging random
// payloads, written in one piece and read in pieces of 1 B to 16 KiB.
// Every payload starts with a byte of 0x80 or more, so no text protocol,
// nor HTTP/2's frame header (a length of 8 MiB or more), matches it.
func newBinaryWorld(g *generator) world {
	backup := &server{host: "backup.example.net", addr: netip.MustParseAddrPort("198.51.100.77:7443")}
	sync := &server{host: "sync.example.org", addr: netip.MustParseAddrPort("[2001:db8::77]:9443")}
	metrics := &server{host: "metrics.example.com", addr: netip.MustParseAddrPort("203.0.113.90:4317")}
	procs := []*proc{
		{pid: 2231, comm: "backup-agent", tids: []uint32{2231, 2234, 2235}, weight: 2, dsts: []*server{backup}},
		{pid: 6110, comm: "syncd", tids: []uint32{6110}, weight: 2, dsts: []*server{sync, backup}},
		{pid: 9034, comm: "otel-collector", tids: []uint32{9034, 9036, 9037, 9041}, weight: 1, dsts: []*server{metrics}},
	}
	for i, p := range procs {
		p.src, p.src6 = hostV4, hostV6
		p.fds.next = int32(5 + 3*i)
	}
	fill := func(c *conn, _ int) {
		c.out = randomPayload(g, c.out[:0], g.logUniform(16, 4<<10))
		c.in = randomPayload(g, c.in[:0], g.logUniform(16, 16<<10))
	}
	return world{
		procs: procs,
		fill:  fill,
		piece: func(n int) int { return min(n, g.logUniform(1, 16<<10)) },
	}
}

// randomPayload appends n random bytes, the first of them 0x80 or more.
func randomPayload(g *generator, b []byte, n int) []byte {
	start := len(b)
	var w [8]byte
	for len(b)-start < n {
		binary.LittleEndian.PutUint64(w[:], g.rng.Uint64())
		b = append(b, w[:min(8, n-(len(b)-start))]...)
	}
	if n > 0 {
		b[start] |= 0x80
	}
	return b
}
