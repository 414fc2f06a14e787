// Command gen writes a benchmark workload to an event file.
//
//	go run ./internal/workload/cmd/gen -kind keepalive -o FILE [-seed N] [-open N] [-conns N]
//
// A ".gz" or ".zst" suffix on FILE compresses it. The file is readable by
// its owner only. A one-line summary goes to standard error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/workload"
	"github.com/tapir-dev/tapir/source/eventfile"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		kind      = fs.String("kind", string(workload.KeepAlive), "workload `kind` (see below)")
		out       = fs.String("o", "", "event `file` to write (.gz and .zst compress); required")
		seed      = fs.Uint64("seed", 1, "random `seed`: the same seed gives the same file")
		conns     = fs.Int("conns", 0, "number of connections (0: the kind's default)")
		exchanges = fs.Int("exchanges", 0, "request/response turns per connection (0: the kind's default)")
		open      = fs.Int("open", 0, fmt.Sprintf("connections open at once (0: %d; -1: all stay open until the end)", workload.DefaultOpen))
		parallel  = fs.Int("parallel", 0, fmt.Sprintf("connections exchanging at once, interleaved (0: %d, at most -open)", workload.DefaultParallel))
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: gen -kind KIND -o FILE [-seed N] [-conns N] [-exchanges N] [-open N] [-parallel N]\n\n")
		fmt.Fprintf(stderr, "Writes a deterministic benchmark workload as an event file (JSON Lines).\n\nflags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nkinds:\n")
		for _, s := range workload.Specs() {
			fmt.Fprintf(stderr, "  %s\n    \t%s\n", s.Kind, s.Doc)
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("-o FILE is required and no arguments are taken")
	}
	if _, ok := workload.Lookup(workload.Kind(*kind)); !ok {
		return fmt.Errorf("%w: %q", workload.ErrUnknownKind, *kind)
	}
	cfg := workload.Config{Seed: *seed, Conns: *conns, Exchanges: *exchanges, Open: *open, Parallel: *parallel}

	begin := time.Now()
	w, err := eventfile.Create(*out)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	var events, closes, data, payload int
	err = workload.Generate(workload.Kind(*kind), cfg, func(e *event.Event) error {
		events++
		if e.Kind == event.Close {
			closes++
		} else {
			data++
			payload += len(e.Data)
		}
		return w.Write(e)
	})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "gen: %s seed=%d: %d events (%d data, %d close), %d payload bytes, %s: %d bytes, in %v\n",
		*kind, *seed, events, data, closes, payload, *out, st.Size(), time.Since(begin).Round(time.Millisecond))
	return nil
}
