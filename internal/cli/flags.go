package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/builtin"
)

// processFlags are the flags of every command that runs the pipeline.
type processFlags struct {
	pids          []uint
	comms         []string
	idle          time.Duration
	keepState     time.Duration
	maxConnBuffer sizeFlag
	maxConns      int
	maxBody       sizeFlag
	shards        int
	stats         bool
	disable       []string // --disable-parser
}

func (f *processFlags) register(fs *pflag.FlagSet) {
	f.maxConnBuffer = sizeFlag(protocol.DefaultLimits.MaxBuffer)
	f.maxBody = sizeFlag(protocol.DefaultLimits.MaxBody)
	fs.UintSliceVar(&f.pids, "pid", nil, "only connections of these process ids (repeat or comma-separate)")
	fs.StringSliceVar(&f.comms, "comm", nil, "only connections of processes with these names (repeat or comma-separate)")
	fs.DurationVar(&f.idle, "idle", pipeline.DefaultIdle, "flush partial messages and free a connection after it is quiet this long (on the events' clock when reading files)")
	fs.DurationVar(&f.keepState, "keep-state", pipeline.DefaultKeepState, "keep a quiet connection's protocol state (HTTP/2 HPACK tables, WebSocket compression windows) this long; such connections are not freed at --idle (0: until closed)")
	fs.Var(&f.maxConnBuffer, "max-conn-buffer", "bytes a connection may hold while waiting for a message to complete")
	fs.IntVar(&f.maxConns, "max-conns", pipeline.DefaultMaxConns, "connections open at once; past this the least recently active is flushed and freed")
	fs.Var(&f.maxBody, "max-body", "largest decoded body; decoding stops there (decompression bomb guard)")
	fs.IntVar(&f.shards, "shards", 0, "worker goroutines (default: the number of CPUs)")
	fs.BoolVar(&f.stats, "stats", false, "print counters to stderr at exit (they are always printed when anything was lost or cut)")
	fs.StringSliceVar(&f.disable, "disable-parser", nil, "turn off the parser of this protocol (repeat or comma-separate; 'tapir parsers' lists them)")
}

func (f *processFlags) validate() error {
	if f.idle < 0 || f.keepState < 0 {
		return usagef("--idle and --keep-state must not be negative")
	}
	if f.maxConns <= 0 {
		return usagef("--max-conns must be positive")
	}
	if f.maxConnBuffer < 1024 {
		return usagef("--max-conn-buffer must be at least 1KiB")
	}
	if f.shards < 0 {
		return usagef("--shards must not be negative")
	}
	if err := checkDisabled(builtin.Default, f.disable); err != nil {
		return err
	}
	return nil
}

func (f *processFlags) filter() func(*event.Event) bool {
	if len(f.pids) == 0 && len(f.comms) == 0 {
		return nil
	}
	pids := make(map[uint32]bool, len(f.pids))
	for _, p := range f.pids {
		pids[uint32(p)] = true
	}
	comms := make(map[string]bool, len(f.comms))
	for _, c := range f.comms {
		comms[c] = true
	}
	return func(e *event.Event) bool {
		if len(pids) > 0 && !pids[e.PID] {
			return false
		}
		if len(comms) > 0 && !comms[e.Comm] {
			return false
		}
		return true
	}
}

// outputFlags say how messages are shown.
type outputFlags struct {
	format string
	hex    bool
	pretty bool
	tsize  sizeFlag
	out    string
	color  string
	frames bool
	sinkFlags
}

func (f *outputFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.format, "format", "f", "text", "output format: text (for people), json (one JSON object per message, see docs/json.md), pb (eCapture-compatible protobuf records, docs/protobuf.md) or har (HTTP Archive 1.2, docs/har.md)")
	fs.BoolVar(&f.hex, "hex", false, "text format: show each message's bytes as a hex dump instead of decoded")
	fs.BoolVar(&f.pretty, "pretty", false, "text format: pretty-print JSON bodies (JSON output stays one object per line)")
	fs.Var(&f.tsize, "tsize", "keep the first N decoded bytes of each message's body, and the first N bytes of each message as it crossed the wire, head included (what --hex dumps); the rest is counted and marked as truncated (0: no limit but --max-body and --max-conn-buffer)")
	fs.StringVarP(&f.out, "output", "o", "-", "write messages to this file (created 0600), to tcp://HOST:PORT, or serve them to WebSocket clients at ws://HOST:PORT/PATH, instead of stdout")
	fs.StringVar(&f.color, "color", "auto", "colour text output: auto (when writing to a terminal), always or never")
	fs.BoolVar(&f.frames, "frames", false, "also show protocol frames (HTTP/2 SETTINGS, PING, ...; WebSocket frames) as messages")
	f.sinkFlags.register(fs)
}

func (f *outputFlags) validate() error {
	switch f.format {
	case "text", "json", "pb", "har":
	default:
		return usagef("--format %q: use text, json, pb or har", f.format)
	}
	switch f.color {
	case "auto", "always", "never":
	default:
		return usagef("--color %q: use auto, always or never", f.color)
	}
	if f.hex && f.format != "text" {
		return usagef("--hex applies to --format text only")
	}
	return f.sinkFlags.validate(f.out)
}

// pipelineOptions builds the pipeline's options from the flags.
func pipelineOptions(pf *processFlags, of *outputFlags) pipeline.Options {
	display := int(of.tsize)
	if display == 0 {
		display = -1
	}
	return pipeline.Options{
		Shards:    pf.shards,
		Protocols: pf.protocols(builtin.Default),
		Limits: protocol.Limits{
			MaxBuffer: int(pf.maxConnBuffer),
			MaxBody:   int64(pf.maxBody),
			Display:   display,
		},
		Frames:    of.frames,
		Idle:      idleOrNever(pf.idle),
		KeepState: idleOrNever(pf.keepState),
		MaxConns:  pf.maxConns,
		Filter:    pf.filter(),
	}
}

func idleOrNever(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

func printStats(w io.Writer, st *pipeline.Stats, bad int64) {
	fmt.Fprintf(w, "tapir: %s\n", st.String())
	if bad > 0 {
		fmt.Fprintf(w, "tapir: %d bad input lines skipped\n", bad)
	}
}
