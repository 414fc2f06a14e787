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

// appendDuration appends ns humanised to two or three significant digits:
// "850ns", "12µs", "1.2ms", "340ms", "2.5s", "75s". Each unit has its own
// branch so that every division is by a constant, which compiles to a
// multiplication: this is on every response's header line.
func appendDuration(dst []byte, ns uint64) []byte {
	var whole, tenths uint64
	var unit string
	switch {
	case ns < 1000:
		dst = appendUint(dst, ns)
		return append(dst, "ns"...)
	case ns < 999_500: // below 999.5µs, which would round to 1000µs: say 1.0ms
		whole, unit = (ns+500)/1e3, "µs"
		if whole < 10 {
			tenths = (ns*10 + 500) / 1e3
		}
	case ns < 999_500_000:
		whole, unit = (ns+5e5)/1e6, "ms"
		if whole < 10 {
			tenths = (ns*10 + 5e5) / 1e6
		}
	default:
		whole, unit = (ns+5e8)/1e9, "s"
		if whole < 10 {
			tenths = (ns*10 + 5e8) / 1e9
		}
	}
	if whole < 10 {
		dst = appendUint(dst, tenths/10)
		dst = append(dst, '.', byte('0'+tenths%10))
	} else {
		dst = appendUint(dst, whole)
	}
	return append(dst, unit...)
}
