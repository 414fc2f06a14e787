package pipeline

import (
	"errors"
	"runtime"
	"time"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// Clock says how idleness is measured.
type Clock uint8

const (
	// EventClock measures idleness on the events' own timestamps, so the
	// output of a file never depends on how fast it is read. It is the
	// clock for recorded input.
	EventClock Clock = iota
	// WallClock measures idleness on the wall clock, for live capture: a
	// connection that goes quiet is flushed even if no other event comes.
	WallClock
)

// Options configure a Pipeline. The zero value of each field means its
// default.
type Options struct {
	// Shards is the number of shard goroutines; default GOMAXPROCS.
	Shards int
	// Protocols is the ordered detection list. Connections that nothing
	// in it recognises go to the raw parser. Nil means raw only.
	Protocols protocol.List
	// Limits bound what parsers hold and show.
	Limits protocol.Limits
	// Frames asks parsers to emit protocol frames as messages too.
	Frames bool
	// Idle is how long a connection may stay quiet before its partial
	// messages are flushed and it is freed; default 2s, negative never.
	Idle time.Duration
	// KeepState is how long a quiet connection whose parser holds state
	// beyond its messages (protocol.Keeper: HPACK tables, compression
	// windows) is kept before it is flushed and freed; such connections are
	// not freed at Idle. Default 10 minutes, negative never.
	KeepState time.Duration
	// Clock is the clock Idle is measured on; default EventClock.
	Clock Clock
	// MaxConns caps the connections open at once; default 1,000,000. Each
	// shard holds at most MaxConns/Shards (rounded up); past that its least
	// recently used connection is evicted, counted and its messages marked.
	MaxConns int
	// Drop, for live sources, keeps Push from blocking while the shards
	// are busy: the bytes of the events they have no room for are
	// dropped, counted, and each event kept as a gap that the parsers
	// mark in the messages it cuts. Past a bound on held events Push
	// blocks after all.
	Drop bool
	// Filter, when set, is asked about every event; false skips it
	// (counted as filtered).
	Filter func(*event.Event) bool
	// Output receives every message, in order, from a single goroutine.
	// The message belongs to Output, which may keep it but must not
	// change its bytes, which may be shared (see message.Message). An
	// error stops the output: later messages are discarded and Push
	// returns the error.
	Output func(*message.Message) error
}

// Defaults for Options.
const (
	DefaultIdle      = 2 * time.Second
	DefaultKeepState = 10 * time.Minute
	DefaultMaxConns  = 1_000_000
)

// detectLimit caps the bytes held while a connection's protocol is unknown.
const detectLimit = 64 << 10

func (o Options) withDefaults() (Options, error) {
	if o.Shards < 0 || o.MaxConns < 0 {
		return o, errors.New("pipeline: Shards and MaxConns must not be negative")
	}
	if o.Shards == 0 {
		o.Shards = runtime.GOMAXPROCS(0)
	}
	if o.Idle == 0 {
		o.Idle = DefaultIdle
	}
	if o.MaxConns == 0 {
		o.MaxConns = DefaultMaxConns
	}
	if o.KeepState == 0 {
		o.KeepState = DefaultKeepState
	}
	if o.Clock > WallClock {
		return o, errors.New("pipeline: unknown clock")
	}
	if o.Limits.MaxBuffer < 0 || o.Limits.MaxBody < 0 || o.Limits.MaxHeaderBytes < 0 || o.Limits.MaxHeaders < 0 {
		return o, errors.New("pipeline: limits must not be negative")
	}
	o.Limits = o.Limits.WithDefaults()
	if err := o.Protocols.Validate(); err != nil {
		return o, err
	}
	return o, nil
}
