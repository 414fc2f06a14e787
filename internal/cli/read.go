package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/source/eventfile"
)

// maxReported is how many bad lines are reported one by one.
const maxReported = 20

type readFlags struct {
	processFlags
	outputFlags
	strict     bool
	progress   string
	cpuprofile string
}

func newReadCmd(e env) *cobra.Command {
	var f readFlags
	cmd := &cobra.Command{
		Use:   "read [FILE...]",
		Short: "Decode recorded event files",
		Long: `Read event files (JSON Lines, the format 'tapir capture --write' records; see
docs/events.md) and print every message of every connection, decoded, in order.

Files ending in .gz or .zst are decompressed. With no FILE, or when FILE is -,
standard input is read. Several files are read in turn, as one input.

A file of protobuf records written with --format pb (or eCapture's records,
framed the same way; see docs/protobuf.md) is told from its content and its
messages are printed in the chosen format.

A line that is not a valid event is reported with its file and line number,
counted and skipped (--strict stops there instead); the exit code is then 1.`,
		Example: `  tapir read examples/curl-http.jsonl
  tapir read --format json capture.jsonl.zst > messages.jsonl
  tapir read --pid 4242 --tsize 1KiB --stats capture.jsonl
  zcat old.jsonl.gz | tapir read -
  tapir read --format pb -o capture.pb capture.jsonl && tapir read capture.pb
  tapir read --format har -o capture.har capture.jsonl`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.processFlags.validate(); err != nil {
				return err
			}
			if err := f.outputFlags.validate(); err != nil {
				return err
			}
			switch f.progress {
			case "auto", "always", "never":
			default:
				return usagef("--progress %q: use auto, always or never", f.progress)
			}
			if len(args) == 0 {
				args = []string{"-"}
			}
			if isRecordStream(args[0]) {
				return runReadPB(e, &f, args)
			}
			return runRead(cmd, e, &f, args)
		},
	}
	fs := cmd.Flags()
	f.processFlags.register(fs)
	f.outputFlags.register(fs)
	fs.BoolVar(&f.strict, "strict", false, "stop at the first bad input line")
	fs.StringVar(&f.cpuprofile, "cpuprofile", "", "write a CPU profile of the run to this file (for developers)")
	fs.MarkHidden("cpuprofile")
	fs.StringVar(&f.progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal and input is files), always or never")
	return cmd
}

func runRead(cmd *cobra.Command, e env, f *readFlags, paths []string) error {
	ctx := cmd.Context()
	if f.cpuprofile != "" {
		pf, err := os.OpenFile(f.cpuprofile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	w, closer, err := f.outputFlags.open(e)
	if err != nil {
		return err
	}
	defer closer.Close()

	opts := pipelineOptions(&f.processFlags, &f.outputFlags)
	opts.Clock = pipeline.EventClock
	opts.Output = func(m *message.Message) error { return w.Write(m) }
	p, err := pipeline.New(opts)
	if err != nil {
		return usageError{err}
	}

	var bad int64
	report := func(err error) {
		bad++
		if bad <= maxReported {
			fmt.Fprintf(e.stderr, "tapir: %v\n", err)
		} else if bad == maxReported+1 {
			fmt.Fprintln(e.stderr, "tapir: more bad lines; not reporting each (see the count at exit)")
		}
	}
	bar := newProgress(e, f.progress, paths)

	var failed bool
	var done int64
	var runErr error
files:
	for _, path := range paths {
		r, err := openInput(e, path, &eventfile.Options{Strict: f.strict, OnError: report})
		if err != nil {
			fmt.Fprintf(e.stderr, "tapir: %v\n", err)
			failed = true
			continue
		}
		for n := 0; ; n++ {
			if n&4095 == 0 {
				if ctx.Err() != nil {
					r.Close()
					break files
				}
				bar.set(done + r.Pos())
			}
			ev, err := r.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					fmt.Fprintf(e.stderr, "tapir: %v\n", err)
					failed = true
					if f.strict {
						r.Close()
						break files
					}
				}
				break
			}
			if err := p.Push(ev); err != nil {
				runErr = err
				r.Close()
				break files
			}
		}
		done += r.Pos()
		bar.set(done)
		r.Close()
	}
	cerr := p.Close()
	if runErr == nil {
		runErr = cerr
	}
	if err := w.Close(); runErr == nil {
		runErr = err
	}
	closer.Close() // network sinks deliver what they hold, then count
	bar.finish()
	st := p.Stats()
	if f.stats || st.Lossy() || bad > 0 {
		printStats(e.stderr, &st, bad)
	}
	f.outputFlags.printSinkStats(e.stderr, f.stats)
	if runErr != nil {
		return fmt.Errorf("output: %w", runErr)
	}
	if failed || bad > 0 {
		return errInputSeen
	}
	return nil
}

// progress is a progress bar over the bytes of the input files, or nothing.
type progress struct{ bar *progressbar.ProgressBar }

func newProgress(e env, mode string, paths []string) progress {
	if mode == "never" || (mode == "auto" && !e.isTTY(e.stderr)) {
		return progress{}
	}
	var total int64
	for _, p := range paths {
		if p == "-" {
			return progress{}
		}
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		total += fi.Size()
	}
	return progress{progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetDescription("reading"),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
	)}
}

func (p progress) set(n int64) {
	if p.bar != nil {
		p.bar.Set64(n)
	}
}

func (p progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

// openInput opens an event file; "-" is the command's standard input.
func openInput(e env, path string, opts *eventfile.Options) (*eventfile.Reader, error) {
	if path == "-" && e.stdin != os.Stdin {
		return eventfile.NewReader(e.stdin, "stdin", opts), nil
	}
	return eventfile.Open(path, opts)
}
