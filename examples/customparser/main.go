package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output"
	"github.com/tapir-dev/tapir/output/text"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/builtin"
	"github.com/tapir-dev/tapir/source/eventfile"
)

func main() {
	files := os.Args[1:]
	if len(files) == 0 {
		files = []string{"testdata/recordings/line-echo.jsonl"}
	}
	if err := run(os.Stdout, files); err != nil {
		fmt.Fprintln(os.Stderr, "customparser:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, files []string) error {
	// tapir's list, with the new parser after Redis (whose detector waits
	// for the reply to an inline "HELLO" before saying no). Insert returns
	// a new list: builtin.Default itself is not changed.
	protocols, err := builtin.Default.Insert(Spec, protocol.After("redis"))
	if err != nil {
		return err
	}
	for i, s := range protocols {
		fmt.Fprintf(w, "%d. %s\n", i+1, s.Name)
	}
	fmt.Fprintln(w)

	out := output.NewWriter(w, text.New(text.Options{}))
	p, err := pipeline.New(pipeline.Options{
		Protocols: protocols,
		Output:    func(m *message.Message) error { return out.Write(m) },
	})
	if err != nil {
		return err
	}
	for _, f := range files {
		r, err := eventfile.Open(f, nil)
		if err != nil {
			p.Close()
			return err
		}
		err = push(p, r)
		r.Close()
		if err != nil {
			p.Close()
			return err
		}
	}
	if err := p.Close(); err != nil {
		return err
	}
	return out.Close()
}

// push hands every event of r to p. (pipeline.Run does this for one
// source, and then closes the pipeline.)
func push(p *pipeline.Pipeline, r *eventfile.Reader) error {
	ctx := context.Background()
	for ctx.Err() == nil {
		e, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := p.Push(e); err != nil {
			return err
		}
	}
	return ctx.Err()
}
