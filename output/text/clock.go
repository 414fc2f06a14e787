package text

import (
	"time"
)

// appendClock appends the wall-clock time of ns (nanoseconds since the Unix
// epoch) in loc as "15:04:05.000000". It formats by hand: time.AppendFormat
// costs several times as much, and the header line is on the hot path.
func appendClock(dst []byte, ns uint64, loc *time.Location) []byte {
	secs := int64(ns / 1e9)
	if loc != time.UTC {
		_, off := time.Unix(secs, 0).In(loc).Zone()
		secs += int64(off)
	}
	day := secs % 86400
	if day < 0 {
		day += 86400
	}
	micro := ns % 1e9 / 1e3
	dst = append2(dst, uint64(day/3600))
	dst = append(dst, ':')
	dst = append2(dst, uint64(day/60%60))
	dst = append(dst, ':')
	dst = append2(dst, uint64(day%60))
	dst = append(dst, '.')
	dst = append2(dst, micro/10000)
	dst = append2(dst, micro/100%100)
	return append2(dst, micro%100)
}

// append2 appends v, less than 100, as two digits.
func append2(dst []byte, v uint64) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

// durationUnits are the units appendDuration picks from, smallest first.
var durationUnits = [...]struct {
	ns   uint64
	name string
}{{1e3, "µs"}, {1e6, "ms"}, {1e9, "s"}}

// appendDuration appends ns humanised to two or three significant digits:
// "850ns", "12µs", "1.2ms", "340ms", "2.5s", "75s".
func appendDuration(dst []byte, ns uint64) []byte {
	if ns < 1000 {
		dst = appendUint(dst, ns)
		return append(dst, "ns"...)
	}
	for i, u := range durationUnits {
		whole := (ns + u.ns/2) / u.ns
		if whole >= 1000 && i < len(durationUnits)-1 {
			continue // 999.7µs rounds to 1000µs: say 1.0ms
		}
		if whole < 10 {
			tenths := (ns*10 + u.ns/2) / u.ns
			dst = appendUint(dst, tenths/10)
			dst = append(dst, '.', byte('0'+tenths%10))
		} else {
			dst = appendUint(dst, whole)
		}
		return append(dst, u.name...)
	}
	return dst
}
