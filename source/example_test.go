package source_test

import (
	"context"
	"fmt"
	"io"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/source"
)

// replay is a Source over events held in memory.
type replay struct {
	events []event.Event
	cur    event.Event
}

func (r *replay) Next() (*event.Event, error) {
	if len(r.events) == 0 {
		return nil, io.EOF
	}
	r.cur, r.events = r.events[0], r.events[1:]
	return &r.cur, nil // valid until the next call
}

func (r *replay) Close() error {
	r.events = nil
	return nil
}

var _ source.Source = (*replay)(nil)

// A Source of your own feeds the pipeline through Run, like tapir's own.
func ExampleSource() {
	src := &replay{events: []event.Event{
		{Kind: event.Data, Time: 1, PID: 7, FD: 3, Dir: event.Out, Data: []byte("*1\r\n$4\r\nPING\r\n")},
		{Kind: event.Data, Time: 2, PID: 7, FD: 3, Dir: event.In, Data: []byte("+PONG\r\n")},
		{Kind: event.Close, Time: 3, PID: 7, FD: 3},
	}}
	p, err := pipeline.New(pipeline.Options{
		Output: func(m *message.Message) error {
			fmt.Printf("%s %s %q\n", m.Proto, m.Dir, m.Body.Data)
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Run reads src to its end, then closes the pipeline. With no
	// Protocols in the options, everything is raw.
	if err := p.Run(context.Background(), src); err != nil {
		fmt.Println(err)
	}
	// Output:
	// raw out "*1\r\n$4\r\nPING\r\n"
	// raw in "+PONG\r\n"
}
