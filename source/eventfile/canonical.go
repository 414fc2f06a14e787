package eventfile

import (
	"math"
	"net/netip"

	"github.com/tapir-dev/tapir/event"
)

// Canonical lines are those AppendEvent writes: the fields in its order,
// no whitespace, strings without escapes or non-ASCII bytes, integers
// without sign (but fd's) or leading zeros. They are nearly every line a
// recording holds, and decodeCanonical reads them straight through,
// matching each key where it must be instead of looking keys up, at a
// fraction of the general decoder's cost.

// Key prefixes of a canonical line, the comma before a key included.
const (
	canonData  = `{"kind":"data","ts":`
	canonClose = `{"kind":"close","ts":`
	canonPID   = `,"pid":`
	canonTID   = `,"tid":`
	canonComm  = `,"comm":`
	canonFD    = `,"fd":`
	canonConn  = `,"conn":`
	canonOut   = `,"dir":"out"`
	canonIn    = `,"dir":"in"`
	canonSrc   = `,"src":`
	canonDst   = `,"dst":`
	canonLib   = `,"lib":`
	canonBytes = `,"data":`
)

// decodeCanonical decodes s into e, which must be zero, if s is a
// canonical line whose values are all valid. It reports false for any
// other line, which decode then reads with the general decoder; e may have
// been partly set. Every line it takes, the general decoder decodes to the
// same event (FuzzDecodeLine checks it).
func (d *decoder) decodeCanonical(s []byte, e *event.Event) bool {
	var i int
	switch {
	case hasPrefixAt(s, 0, canonData):
		e.Kind, i = event.Data, len(canonData)
	case hasPrefixAt(s, 0, canonClose):
		e.Kind, i = event.Close, len(canonClose)
	default:
		return false
	}
	var (
		u  uint64
		ok bool
	)
	if e.Time, i, ok = canonUint(s, i, math.MaxUint64); !ok || !hasPrefixAt(s, i, canonPID) {
		return false
	}
	if u, i, ok = canonUint(s, i+len(canonPID), math.MaxUint32); !ok || !hasPrefixAt(s, i, canonTID) {
		return false
	}
	e.PID = uint32(u)
	if u, i, ok = canonUint(s, i+len(canonTID), math.MaxUint32); !ok {
		return false
	}
	e.TID = uint32(u)
	if e.Comm, i, ok = d.canonName(s, i, canonComm, d.names[:]); !ok {
		return false
	}
	if !hasPrefixAt(s, i, canonFD) {
		return false
	}
	if e.FD, i, ok = canonFD32(s, i+len(canonFD)); !ok {
		return false
	}
	if e.Conn, i, ok = d.canonName(s, i, canonConn, d.conns[:]); !ok {
		return false
	}
	if e.Kind == event.Data {
		switch {
		case hasPrefixAt(s, i, canonOut):
			e.Dir, i = event.Out, i+len(canonOut)
		case hasPrefixAt(s, i, canonIn):
			e.Dir, i = event.In, i+len(canonIn)
		default:
			return false
		}
	}
	if e.Src, i, ok = d.canonAddr(s, i, canonSrc, "src"); !ok {
		return false
	}
	if e.Dst, i, ok = d.canonAddr(s, i, canonDst, "dst"); !ok {
		return false
	}
	if e.Lib, i, ok = d.canonName(s, i, canonLib, d.names[:]); !ok {
		return false
	}
	if e.Kind == event.Close {
		return i == len(s)-1 && s[i] == '}'
	}
	// The payload ends the line (a line with orig_len after it takes the
	// general path).
	if !hasPrefixAt(s, i, canonBytes) {
		return false
	}
	i += len(canonBytes)
	if i >= len(s) || s[i] != '"' {
		return false
	}
	_, ok = d.dataLast(s, i, e)
	return ok
}

// canonName reads the string field that prefix (the comma and key) starts
// at s[i], if it is there, interned in tab, and reports false if it is
// not a plain string.
func (d *decoder) canonName(s []byte, i int, prefix string, tab []string) (name string, next int, ok bool) {
	if !hasPrefixAt(s, i, prefix) {
		return "", i, true
	}
	v, i, ok := canonString(s, i+len(prefix))
	if ok {
		name = d.intern(tab, v)
	}
	return name, i, ok
}

// canonAddr reads the address field that prefix (the comma and key) starts
// at s[i], if it is there, and reports false if it is not valid.
func (d *decoder) canonAddr(s []byte, i int, prefix, name string) (ap netip.AddrPort, next int, ok bool) {
	if !hasPrefixAt(s, i, prefix) {
		return ap, i, true
	}
	v, i, ok := canonString(s, i+len(prefix))
	if ok && len(v) > 0 {
		var err error
		ap, err = d.addr(name, v)
		ok = err == nil
	}
	return ap, i, ok
}

// hasPrefixAt reports whether s[i:] starts with p.
func hasPrefixAt(s []byte, i int, p string) bool {
	return len(s)-i >= len(p) && string(s[i:i+len(p)]) == p
}

// canonUint reads the digits of an unsigned integer no greater than max
// at s[i]: "0", or up to nineteen digits without a leading zero (which
// always fit in a uint64). It reports false for anything else.
func canonUint(s []byte, i int, max uint64) (u uint64, next int, ok bool) {
	if i >= len(s) {
		return 0, i, false
	}
	if s[i] == '0' {
		i++
		return 0, i, i == len(s) || s[i]-'0' > 9
	}
	j, end := i, min(len(s), i+19)
	for ; j < end && s[j]-'0' <= 9; j++ {
		u = u*10 + uint64(s[j]-'0')
	}
	return u, j, j > i && (j == len(s) || s[j]-'0' > 9) && u <= max
}

// canonFD32 reads an fd: an optional minus sign, then canonUint's digits,
// in the range of an int32.
func canonFD32(s []byte, i int) (fd int32, next int, ok bool) {
	if i < len(s) && s[i] == '-' {
		u, next, ok := canonUint(s, i+1, -math.MinInt32)
		return int32(-int64(u)), next, ok && u != 0
	}
	u, next, ok := canonUint(s, i, math.MaxInt32)
	return int32(u), next, ok
}

// canonString reads the string at s[i] if it is made of ASCII bytes from
// space up, none a backslash: then it is its own value. It returns the
// bytes between the quotes, which point into s.
func canonString(s []byte, i int) (v []byte, next int, ok bool) {
	if i >= len(s) || s[i] != '"' {
		return nil, i, false
	}
	j := plainEnd(s, i+1)
	return s[i+1 : j], j + 1, j < len(s) && s[j] == '"'
}
