package pipeline

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tapir-dev/tapir/message"
)

// Stats counts what a Pipeline saw and did. Nothing is lost without one
// of these saying so.
type Stats struct {
	Events      uint64 // events pushed (data and close), filtered included
	DataEvents  uint64
	CloseEvents uint64
	Bytes       uint64 // payload bytes of data events
	Filtered    uint64 // events skipped by the filter
	// Dropped counts data events whose bytes were dropped because the
	// shards were full (live only, Options.Drop); each became a gap
	// marked in the messages it cut. DroppedBytes is their total length.
	Dropped      uint64
	DroppedBytes uint64
	LostBytes    uint64 // bytes the source did not capture (orig_len)

	ConnsOpened  uint64
	ConnsClosed  uint64 // ended by a close event
	ConnsIdle    uint64 // freed after the idle timeout
	ConnsEvicted uint64 // evicted because the connection table was full
	ConnsAtEnd   uint64 // still open at shutdown, flushed

	ParserFailures uint64 // parsers that gave up; the rest of the connection went to raw
	DetectLimit    uint64 // connections whose detection hit the buffer limit

	// Messages counts messages by "proto/type", e.g. "http1/request".
	Messages map[string]uint64
	Partial  uint64 // messages flushed incomplete
	// Notes counts message notes by kind: gaps, limits hit, parse errors.
	Gaps, Limits, Errors uint64
	Truncated            uint64 // messages whose body or bytes were cut

	// Parsers holds what parsers counted beyond their messages (frames
	// by type, resyncs, bytes skipped), by name; see protocol.Counter.
	Parsers map[string]uint64
}

func (s *Stats) add(d *Stats) {
	s.Events += d.Events
	s.DataEvents += d.DataEvents
	s.CloseEvents += d.CloseEvents
	s.Bytes += d.Bytes
	s.Filtered += d.Filtered
	s.Dropped += d.Dropped
	s.DroppedBytes += d.DroppedBytes
	s.LostBytes += d.LostBytes
	s.ConnsOpened += d.ConnsOpened
	s.ConnsClosed += d.ConnsClosed
	s.ConnsIdle += d.ConnsIdle
	s.ConnsEvicted += d.ConnsEvicted
	s.ConnsAtEnd += d.ConnsAtEnd
	s.ParserFailures += d.ParserFailures
	s.DetectLimit += d.DetectLimit
	s.Partial += d.Partial
	s.Truncated += d.Truncated
	s.Gaps += d.Gaps
	s.Limits += d.Limits
	s.Errors += d.Errors
	for k, v := range d.Parsers {
		if s.Parsers == nil {
			s.Parsers = make(map[string]uint64)
		}
		s.Parsers[k] += v
	}
}

// kinds counts messages by kind until Stats.Messages is built from it
// (see setMessages): a handful of kinds, searched faster than a map.
type kinds []kindCount

// kindCount is the number of messages of one kind.
type kindCount struct {
	proto string
	typ   message.Type
	n     uint64
}

// add adds n messages of protocol proto and type t.
func (ks *kinds) add(proto string, t message.Type, n uint64) {
	for i := range *ks {
		if k := &(*ks)[i]; k.typ == t && k.proto == proto {
			k.n += n
			return
		}
	}
	*ks = append(*ks, kindCount{proto, t, n})
}

// addAll adds the counts of o.
func (ks *kinds) addAll(o kinds) {
	for _, k := range o {
		ks.add(k.proto, k.typ, k.n)
	}
}

// count adds m to the counters, its kind to ks.
func (s *Stats) count(m *message.Message, ks *kinds) {
	ks.add(m.Proto, m.Type, 1)
	if m.Partial {
		s.Partial++
	}
	if m.Truncated() {
		s.Truncated++
	}
	for _, n := range m.Notes {
		switch n.Kind {
		case message.Gap:
			s.Gaps++
		case message.Limit:
			s.Limits++
		case message.Error:
			s.Errors++
		}
	}
}

// setMessages sets Messages from the counts by kind.
func (s *Stats) setMessages(ks kinds) {
	s.Messages = make(map[string]uint64, len(ks))
	for _, k := range ks {
		s.Messages[k.proto+"/"+k.typ.String()] += k.n
	}
}

// Lossy reports whether anything was dropped, cut, lost or failed to parse.
func (s *Stats) Lossy() bool {
	return s.Dropped > 0 || s.LostBytes > 0 || s.ConnsEvicted > 0 || s.ParserFailures > 0 ||
		s.DetectLimit > 0 || s.Gaps > 0 || s.Limits > 0 || s.Errors > 0 || s.Truncated > 0 || s.Partial > 0
}

// TotalMessages returns the number of messages of every kind.
func (s *Stats) TotalMessages() uint64 {
	var n uint64
	for _, v := range s.Messages {
		n += v
	}
	return n
}

// String formats the counters on a few lines for people.
func (s *Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "events: %d (data %d, close %d, filtered %d), %d bytes, %d bytes not captured, %d events (%d bytes) dropped while busy\n",
		s.Events, s.DataEvents, s.CloseEvents, s.Filtered, s.Bytes, s.LostBytes, s.Dropped, s.DroppedBytes)
	fmt.Fprintf(&b, "connections: %d opened, %d closed, %d idle, %d evicted (table full), %d open at end\n",
		s.ConnsOpened, s.ConnsClosed, s.ConnsIdle, s.ConnsEvicted, s.ConnsAtEnd)
	fmt.Fprintf(&b, "messages: %d (%s), %d partial, %d truncated\n", s.TotalMessages(), counts(s.Messages), s.Partial, s.Truncated)
	fmt.Fprintf(&b, "problems: %d gaps, %d limits hit, %d parse errors, %d parser failures, %d detections cut by the buffer limit",
		s.Gaps, s.Limits, s.Errors, s.ParserFailures, s.DetectLimit)
	if len(s.Parsers) > 0 {
		fmt.Fprintf(&b, "\nparsers: %s", counts(s.Parsers))
	}
	return b.String()
}

// counts formats m as "name n, name n", by name.
func counts(m map[string]uint64) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
