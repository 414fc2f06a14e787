package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/tapir-dev/tapir/output"
	"github.com/tapir-dev/tapir/output/har"
	"github.com/tapir-dev/tapir/output/jsonl"
	"github.com/tapir-dev/tapir/output/pb"
	"github.com/tapir-dev/tapir/output/sink"
	"github.com/tapir-dev/tapir/output/text"
)

// sinkFlags say where output goes besides a plain file: rotation, the
// WebSocket server's token, heartbeats on live protobuf streams.
type sinkFlags struct {
	rotateSize  sizeFlag
	rotateEvery time.Duration
	wsToken     string
	heartbeat   time.Duration
	// opened is the sink open returned, for its counters.
	opened io.Closer
}

func (f *sinkFlags) register(fs *pflag.FlagSet) {
	fs.Var(&f.rotateSize, "rotate-size", "-o FILE: start a new file before one grows past this size (1GiB); file names then carry the time they were opened")
	fs.DurationVar(&f.rotateEvery, "rotate-every", 0, "-o FILE: start a new file when the current one is this old (1h); file names then carry the time they were opened")
	fs.StringVar(&f.wsToken, "token", "", "-o ws://...: the token WebSocket clients must present (default: a random one, printed on stderr)")
	fs.StringVar(&f.wsToken, "ws-token", "", "the same as --token")
	fs.MarkHidden("ws-token")
	fs.DurationVar(&f.heartbeat, "heartbeat", 10*time.Second, "--format pb to tcp:// or ws://: send a heartbeat record this often (0: never)")
}

func (f *sinkFlags) validate(out string) error {
	scheme := targetScheme(out)
	if f.rotateEvery < 0 {
		return usagef("--rotate-every must not be negative")
	}
	if (f.rotateSize > 0 || f.rotateEvery > 0) && (out == "" || out == "-" || (scheme != "" && scheme != "file")) {
		return usagef("--rotate-size and --rotate-every apply to -o FILE only")
	}
	if f.wsToken != "" && scheme != "ws" {
		return usagef("--token applies to -o ws://HOST:PORT/PATH only")
	}
	if f.heartbeat < 0 {
		return usagef("--heartbeat must not be negative")
	}
	return nil
}

// targetScheme returns the lower-cased scheme of an -o target that is a
// URL, or "".
func targetScheme(target string) string {
	if s, _, ok := strings.Cut(target, "://"); ok && s != "" && !strings.ContainsAny(s, "/.") {
		return strings.ToLower(s)
	}
	return ""
}

// open opens the output and returns the writer for messages and the sink
// to close after it.
func (f *outputFlags) open(e env) (*sink.Writer, io.Closer, error) {
	scheme := targetScheme(f.out)
	network := scheme == "tcp" || scheme == "ws"
	w, err := sink.OpenWith(f.out, &sink.Options{
		RotateSize:  int64(f.rotateSize),
		RotateEvery: f.rotateEvery,
		Token:       f.wsToken,
		Binary:      f.format == "pb",
		Logf: func(format string, args ...any) {
			fmt.Fprintf(e.stderr, "tapir: "+format+"\n", args...)
		},
	})
	if err != nil {
		return nil, nil, err
	}
	f.opened = w
	if ws, ok := w.(*sink.WebSocket); ok {
		if f.wsToken == "" {
			fmt.Fprintf(e.stderr, "tapir: serving %s; clients present the token %s (header \"Authorization: Bearer %[2]s\", or %[1]s?token=%[2]s)\n", ws.URL(), ws.Token())
		} else {
			fmt.Fprintf(e.stderr, "tapir: serving %s; clients present the --token\n", ws.URL())
		}
	}
	var ow io.Writer = w
	if f.out == "" || f.out == "-" {
		ow = e.stdout
	}
	var fm output.Formatter
	switch f.format {
	case "json":
		// One object per line, always: --pretty shapes text bodies only.
		fm = jsonl.New(jsonl.Options{})
	case "pb":
		// A WebSocket carries each record whole, as eCapture's clients
		// expect; byte streams get the varint length before each.
		fm = pb.New(pb.Options{Bare: scheme == "ws"})
	case "har":
		fm = har.New(har.Options{Version: version()})
	default:
		color := f.color == "always" || (f.color == "auto" && (f.out == "" || f.out == "-") && e.isTTY(e.stdout))
		fm = text.New(text.Options{Hex: f.hex, Color: color, Pretty: f.pretty})
	}
	wo := &sink.WriterOptions{Live: network}
	if network && f.format == "pb" {
		wo.Heartbeat = f.heartbeat
	}
	return sink.NewWriter(ow, fm, wo), w, nil
}

// printSinkStats prints the counters of a network or rotating sink: with
// --stats, or when it lost anything.
func (f *outputFlags) printSinkStats(w io.Writer, always bool) {
	s, ok := f.opened.(interface{ Stats() sink.Stats })
	if !ok {
		return
	}
	if st := s.Stats(); always || st.Lossy() {
		fmt.Fprintf(w, "tapir: %s\n", st)
	}
}
