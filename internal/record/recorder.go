package record

import (
	"fmt"
	"sync"
	"time"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/source/eventfile"
)

// Writer takes recorded events; *eventfile.Writer is one.
type Writer interface {
	Write(*event.Event) error
}

// Recorder stamps events with the time and writes them to a Writer, one at
// a time. It is safe for concurrent use by many connections.
type Recorder struct {
	mu   sync.Mutex
	w    Writer
	last uint64
	err  error
	now  func() uint64
}

// New returns a Recorder that writes to w.
func New(w Writer) *Recorder {
	return &Recorder{w: w, now: func() uint64 { return uint64(time.Now().UnixNano()) }}
}

// Record sets e.Time to the current time, never before the time of the
// event recorded last, and writes e. After the first error from the
// Writer it writes nothing more and returns that error.
func (r *Recorder) Record(e *event.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	e.Time = max(r.now(), r.last)
	r.last = e.Time
	r.err = r.w.Write(e)
	return r.err
}

// Err returns the first error of the Writer, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// ToFile records a session into a new event file at path: session gets a
// Recorder that writes there and returns how many exchanges it made. The
// file is closed whatever happens; the first error is returned.
func ToFile(path string, session func(*Recorder) (int, error)) (int, error) {
	w, err := eventfile.Create(path)
	if err != nil {
		return 0, fmt.Errorf("create: %w", err)
	}
	n, err := session(New(w))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return n, err
}
