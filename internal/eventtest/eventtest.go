// Package eventtest helps tests that feed events through the pipeline: an
// event file read whole, and a pipeline run that collects its messages.
package eventtest

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/source/eventfile"
)

// Load reads every event of the event file at path, strictly, with each
// event's data copied.
func Load(t testing.TB, path string) []event.Event {
	t.Helper()
	r, err := eventfile.Open(path, &eventfile.Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var evs []event.Event
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			return evs
		}
		if err != nil {
			t.Fatal(err)
		}
		c := *e
		c.Data = bytes.Clone(e.Data)
		evs = append(evs, c)
	}
}

// Run pushes evs through a pipeline made with opts, its Output replaced by
// one that collects, closes it, and returns the messages in output order
// and the stats.
func Run(t testing.TB, opts pipeline.Options, evs []event.Event) ([]*message.Message, pipeline.Stats) {
	t.Helper()
	var msgs []*message.Message
	opts.Output = func(m *message.Message) error { msgs = append(msgs, m); return nil }
	p, err := pipeline.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		if err := p.Push(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	return msgs, p.Stats()
}
