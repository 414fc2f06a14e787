package source

import "github.com/tapir-dev/tapir/event"

// Source produces events in capture order.
type Source interface {
	// Next returns the next event. The Event and its Data are valid only
	// until the next call to Next. At the end of input it returns io.EOF.
	// Input that is bad but skippable is reported by the source's own
	// means (a callback, a counter) and does not end Next; an error
	// returned here ends the source.
	Next() (*event.Event, error)
	// Close releases the source and unblocks a pending Next. It is safe
	// to call more than once.
	Close() error
}
