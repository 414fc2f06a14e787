package pipeline

import "github.com/tapir-dev/tapir/event"

// table is a shard's connection table. Connections named by pid and fd,
// the common case, are keyed by one integer, which hashes far faster than
// the ConnID struct with its string.
type table struct {
	byFD   map[uint64]*conn
	byName map[string]*conn
}

func newTable() table {
	return table{byFD: make(map[uint64]*conn), byName: make(map[string]*conn)}
}

func fdKey(id event.ConnID) uint64 { return uint64(id.PID)<<32 | uint64(uint32(id.FD)) }

func (t table) get(id event.ConnID) *conn {
	if id.Name != "" {
		return t.byName[id.Name]
	}
	return t.byFD[fdKey(id)]
}

func (t table) put(id event.ConnID, c *conn) {
	if id.Name != "" {
		t.byName[id.Name] = c
		return
	}
	t.byFD[fdKey(id)] = c
}

func (t table) del(id event.ConnID) {
	if id.Name != "" {
		delete(t.byName, id.Name)
		return
	}
	delete(t.byFD, fdKey(id))
}

func (t table) len() int { return len(t.byFD) + len(t.byName) }
