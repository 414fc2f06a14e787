package redis

import "unsafe"

// Held returns the bytes p holds between calls: lines, kept values and
// elements (the whole node arena, used or kept for reuse), wire bytes kept
// for display, skipped bytes, open aggregates and waiting commands. Tests
// use it to check that memory stays bounded.
func Held(p *Parser) int {
	size := int(unsafe.Sizeof(node{}))
	n := 0
	for i := range p.r {
		r := &p.r[i]
		n += cap(r.line) + cap(r.bld.raw) + cap(r.skipBuf) + cap(r.stack)*8
		for _, c := range r.nodes.chunks {
			for j := range c {
				n += size + cap(c[j].text) + cap(c[j].kids)*8
			}
		}
		for _, s := range r.stack {
			if !s.kept {
				n += size
			}
		}
	}
	n += cap(p.q) * int(unsafe.Sizeof(pending{}))
	return n
}

// HeldBound is what Held may reach for limits whose MaxBuffer is buf: per
// direction, kept values (up to buf, twice with append's growth), the
// elements kept (buf/nodeCost of them, the arena twice that) with their
// element lists, wire bytes (buf, twice), skipped bytes, a line and the
// open aggregates; and the commands waiting (buf/128).
func HeldBound(buf int) int {
	size := int(unsafe.Sizeof(node{}))
	nodes := 2*max(buf/nodeCost, 16) + 16
	perDir := 2*buf + nodes*(size+16) + 2*buf + buf + maxLine + maxDepth*(size+8)
	return 2*perDir + (buf/128+16)*2*int(unsafe.Sizeof(pending{}))
}
