// Package fuzzscript is the input format of the parsers' fuzz targets: a
// script of records, each a flags byte (bit 0: the direction is In; bit 1:
// a gap of length bytes instead of data), a big-endian uint16 length, then
// that many bytes of data. The seed corpora under testdata/fuzz are in it.
package fuzzscript

import (
	"encoding/binary"
	"iter"

	"github.com/tapir-dev/tapir/event"
)

// Append appends one record to a script: data, or a gap of gap bytes when
// gap > 0. A length over 65,535 is cut to it.
func Append(b []byte, dir event.Dir, data []byte, gap int) []byte {
	flags := byte(dir & 1)
	n := len(data)
	if gap > 0 {
		flags |= 2
		n = gap
	}
	n = min(n, 0xffff)
	b = append(b, flags)
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	if gap == 0 {
		b = append(b, data[:n]...)
	}
	return b
}

// Record is one record of a script.
type Record struct {
	Dir event.Dir
	// Gap is set for a gap of N bytes; otherwise the record is Data.
	Gap  bool
	N    int
	Data []byte
}

// Records yields the records of script, in order; a record whose data
// runs past the end gets what there is, and a final piece shorter than a
// record's head is ignored.
func Records(script []byte) iter.Seq[Record] {
	return func(yield func(Record) bool) {
		for len(script) >= 3 {
			fl, n := script[0], int(binary.BigEndian.Uint16(script[1:3]))
			script = script[3:]
			r := Record{Dir: event.Dir(fl & 1), Gap: fl&2 != 0, N: n}
			if !r.Gap {
				r.Data = script[:min(n, len(script))]
				script = script[len(r.Data):]
			}
			if !yield(r) {
				return
			}
		}
	}
}
