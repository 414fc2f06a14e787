package protocol

import (
	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
)

// Emit receives a message that a parser finished. The message belongs to
// the receiver from then on.
type Emit func(*message.Message)

// Parser turns the two byte streams of one connection into messages. A
// Parser is used by one goroutine at a time and is never shared between
// connections.
type Parser interface {
	// Feed takes the next bytes of direction dir, captured at time at (ns),
	// and emits every message that became complete. It must not keep p
	// after it returns. An error means the parser cannot go on with this
	// connection; the pipeline counts it and hands the rest of the
	// connection to the raw parser.
	Feed(dir event.Dir, p []byte, at uint64, emit Emit) error
	// Gap reports that n bytes of direction dir were not captured at time
	// at. The parser marks what the loss cuts and resynchronises if it can.
	Gap(dir event.Dir, n int, at uint64, emit Emit)
	// Flush emits everything pending, complete or not, because the
	// connection ended for the given reason. The parser is not used again.
	Flush(why End, emit Emit)
}

// End is why a connection's parser is flushed.
type End uint8

const (
	// Closed: the process closed the connection. Close-delimited messages
	// are complete.
	Closed End = iota
	// Idle: nothing was seen for the idle timeout; what is pending is
	// partial.
	Idle
	// Shutdown: the input ended or tapir was stopped; what is pending is
	// partial.
	Shutdown
	// Evicted: the connection table was full and this connection was the
	// least recently used; what is pending is partial.
	Evicted
)

// String returns "closed", "idle", "shutdown" or "evicted".
func (e End) String() string {
	switch e {
	case Closed:
		return "closed"
	case Idle:
		return "idle"
	case Shutdown:
		return "shutdown"
	case Evicted:
		return "evicted"
	}
	return "end(?)"
}

// Verdict is a detector's answer.
type Verdict uint8

const (
	// No: these bytes are not this protocol.
	No Verdict = iota
	// Yes: these bytes are this protocol.
	Yes
	// NeedMore: more bytes are needed to tell.
	NeedMore
)

// String returns "no", "yes" or "need-more".
func (v Verdict) String() string {
	switch v {
	case No:
		return "no"
	case Yes:
		return "yes"
	case NeedMore:
		return "need-more"
	}
	return "verdict(?)"
}

// Either combines the verdicts on two readings of the same bytes (each
// direction, say): Yes if either is, else NeedMore if either is, else No.
func Either(a, b Verdict) Verdict {
	switch {
	case a == Yes || b == Yes:
		return Yes
	case a == NeedMore || b == NeedMore:
		return NeedMore
	}
	return No
}

// Sample is what detection sees of a connection: the first bytes of each
// direction (either may be empty) and the direction that spoke first.
type Sample struct {
	// Out and In are the first bytes the traced process wrote and read;
	// either may be empty, and each grows until detection decides.
	Out, In []byte
	// First is the direction that carried the connection's first bytes.
	First event.Dir
}

// Head returns the bytes of direction d.
func (s Sample) Head(d event.Dir) []byte {
	if d == event.In {
		return s.In
	}
	return s.Out
}

// Spec describes a protocol.
type Spec struct {
	// Name is short, lower case and unique in a List: "http1", "raw".
	Name string
	// Doc is an optional one-line description for people, such as
	// "Redis RESP2 and RESP3 commands and replies" ('tapir parsers').
	Doc string
	// Detect tells whether a connection speaks the protocol. It must not
	// keep the sample's slices.
	Detect func(s Sample) Verdict
	// New makes the parser for one connection.
	New func(cfg Config) Parser
}

// Config is what a parser is made with.
type Config struct {
	// Limits bound what the parser may hold and show.
	Limits Limits
	// Lookup finds another protocol by name, for hand-overs such as an
	// HTTP/1 upgrade to WebSocket. It may be nil.
	Lookup func(name string) (Spec, bool)
	// Frames asks parsers to emit protocol frames as messages too.
	Frames bool
	// Upgrade is set for a parser that takes a connection over from
	// another protocol, such as WebSocket after HTTP/1's 101 Switching
	// Protocols: the exchange that switched it. Nil otherwise.
	Upgrade *Upgrade
}

// Upgrade is the exchange after which a connection, or an HTTP/2 stream,
// switched protocols. The heads are shared with the messages emitted for
// them and must not be modified.
type Upgrade struct {
	// Server is the direction the server's bytes travel in.
	Server event.Dir
	// Request and Response are the heads of the request that asked for
	// the switch and of the response that made it; Request is nil when
	// it was not seen.
	Request, Response *message.HTTP
}

// Limits bound what a parser may hold and show. Zero fields take the
// defaults of DefaultLimits.
type Limits struct {
	// MaxBuffer caps the bytes buffered per connection (--max-conn-buffer).
	MaxBuffer int
	// MaxHeaderBytes and MaxHeaders cap one message head. A head is
	// buffered whole, so MaxBuffer, when smaller, is the effective head
	// limit (the notes of a head cut there say so).
	MaxHeaderBytes int
	MaxHeaders     int
	// MaxBody caps a body's decoded size (--max-body); decoding stops there.
	MaxBody int64
	// Display is the number of body bytes kept for display (--tsize);
	// negative means no limit.
	Display int
}

// DefaultLimits are the limits used where a field of Limits is zero.
var DefaultLimits = Limits{
	MaxBuffer:      4 << 20,
	MaxHeaderBytes: 64 << 10,
	MaxHeaders:     256,
	MaxBody:        16 << 20,
	Display:        -1,
}

// WithDefaults returns l with zero fields replaced by DefaultLimits'.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits
	if l.MaxBuffer == 0 {
		l.MaxBuffer = d.MaxBuffer
	}
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxHeaders == 0 {
		l.MaxHeaders = d.MaxHeaders
	}
	if l.MaxBody == 0 {
		l.MaxBody = d.MaxBody
	}
	if l.Display == 0 {
		l.Display = d.Display
	}
	return l
}

// Keep returns how many of n bytes a display limit keeps.
func (l Limits) Keep(n int) int {
	if l.Display < 0 || n <= l.Display {
		return n
	}
	return l.Display
}

// Emitted counts the messages a parser emitted: all of them, those that
// were incomplete, and the Error and Limit notes on them. Parsers embed it
// in their Stats.
type Emitted struct {
	Messages, Partial uint64
	Errors, Limits    uint64
}

// Count adds m to the counts.
func (c *Emitted) Count(m *message.Message) {
	c.Messages++
	if m.Partial {
		c.Partial++
	}
	for _, n := range m.Notes {
		switch n.Kind {
		case message.Error:
			c.Errors++
		case message.Limit:
			c.Limits++
		}
	}
}

// Counter is implemented by parsers that count more than the messages
// they emit: frames by type, resynchronisations, bytes skipped. When the
// pipeline is done with a parser it adds the counts to its statistics,
// each under "NAME", so that nothing a parser passed over goes unseen.
type Counter interface {
	// Counts calls add once for each counter that is not zero, with a
	// short name such as "http2 frames DATA" or "http1 bytes skipped".
	Counts(add func(name string, n uint64))
}

// Keeper is implemented by parsers whose state outlives their messages —
// HPACK tables, compression windows, a negotiated protocol — so that a
// connection that goes quiet must not be forgotten at the idle timeout:
// the pipeline keeps a connection whose parser says Keep until it closes,
// the connection table needs its place, or it has been quiet for the much
// longer state timeout (pipeline.Options.KeepState).
type Keeper interface {
	Keep() bool
}
