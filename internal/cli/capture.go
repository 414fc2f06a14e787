package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/source/ebpf"
	"github.com/tapir-dev/tapir/source/eventfile"
)

type captureFlags struct {
	processFlags
	outputFlags
	uids    []uint
	libssl  []string
	write   string
	ringbuf sizeFlag
	maxCall sizeFlag
}

func newCaptureCmd(e env) *cobra.Command {
	f := captureFlags{ringbuf: ebpf.DefaultRingBuffer, maxCall: ebpf.DefaultMaxCall}
	cmd := &cobra.Command{
		Use:   "capture",
		Short: "Decode the TLS traffic of every OpenSSL program on the host, live",
		Long: `Attach eBPF uprobes to OpenSSL (SSL_read, SSL_write, their _ex forms and
SSL_free) and print every message that programs send and receive through it,
decoded, each response beside its request, as they happen. Needs root (or
CAP_BPF and CAP_PERFMON) and a Linux kernel with BTF.

The libraries probed are the system's libssl and every libssl mapped by a
running process (containers included); --libssl adds another library, or a
program statically linked with OpenSSL (with its symbol table). A program
started later that loads one of these files is captured too.

--pid, --uid and --comm are applied in the kernel: other processes cost
nothing. --write records the raw events (created 0600) for 'tapir read'.
Ctrl-C detaches the probes, prints every pending message and exits.

Nothing is lost silently: records that did not fit in the ring buffer (see
--ringbuf), bytes of calls past --max-call, and events the decoder had no room
for are counted, reported at exit and marked on their connections.`,
		Example: `  sudo tapir capture
  sudo tapir capture --comm curl --format json
  sudo tapir capture --pid 4242 --write session.jsonl.zst
  sudo tapir capture --libssl /opt/app/bin/server`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.processFlags.validate(); err != nil {
				return err
			}
			if err := f.outputFlags.validate(); err != nil {
				return err
			}
			if f.ringbuf < 4096 || f.ringbuf > 1<<30 {
				return usagef("--ringbuf must be between 4KiB and 1GiB")
			}
			if f.maxCall > 1<<30 {
				return usagef("--max-call must be at most 1GiB")
			}
			for _, c := range f.comms {
				if len(c) == 0 || len(c) > 15 {
					return usagef("--comm %q: the kernel keeps 15 bytes of a command name", c)
				}
			}
			return runCapture(cmd, e, &f)
		},
	}
	fs := cmd.Flags()
	f.processFlags.register(fs)
	f.outputFlags.register(fs)
	fs.UintSliceVar(&f.uids, "uid", nil, "only processes of these user ids (repeat or comma-separate)")
	fs.StringSliceVar(&f.libssl, "libssl", nil, "also attach to this libssl, or to a binary statically linked with OpenSSL (repeat)")
	fs.StringVarP(&f.write, "write", "w", "", "also record the raw events to FILE (created 0600; .gz or .zst compress) for 'tapir read'")
	fs.Var(&f.ringbuf, "ringbuf", "size of the kernel ring buffer (rounded up to a power of two)")
	fs.Var(&f.maxCall, "max-call", "bytes copied from one SSL call; the rest is counted and marked as a gap (0: lengths only)")
	return cmd
}

func runCapture(cmd *cobra.Command, e env, f *captureFlags) error {
	ctx := cmd.Context()
	opts := ebpf.Options{
		Libs:       f.libssl,
		Comms:      f.comms,
		RingBuffer: int(f.ringbuf),
		MaxCall:    int(f.maxCall),
	}
	if opts.MaxCall == 0 {
		opts.MaxCall = -1
	}
	for _, p := range f.pids {
		opts.PIDs = append(opts.PIDs, uint32(p))
	}
	for _, u := range f.uids {
		opts.UIDs = append(opts.UIDs, uint32(u))
	}
	w, closer, err := f.outputFlags.open(e)
	if err != nil {
		return err
	}
	defer closer.Close()
	var rec *eventfile.Writer
	if f.write != "" {
		if rec, err = eventfile.Create(f.write); err != nil {
			return err
		}
		defer rec.Close()
	}

	popts := pipelineOptions(&f.processFlags, &f.outputFlags)
	popts.Clock = pipeline.WallClock
	popts.Drop = true // the kernel ring buffer is the buffer: never block its reader
	popts.Output = func(m *message.Message) error {
		// Live: each message is shown as soon as it is complete.
		if err := w.Write(m); err != nil {
			return err
		}
		return w.Flush()
	}
	p, err := pipeline.New(popts)
	if err != nil {
		return usageError{err}
	}

	c, err := ebpf.Open(&opts)
	if err != nil {
		p.Close()
		return err
	}
	defer c.Close()
	fmt.Fprintln(e.stderr, startupLine(c, f))

	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
			c.Stop()
		case <-stopped:
		}
	}()

	var runErr, recErr error
	for {
		ev, err := c.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				runErr = err
			}
			break
		}
		if rec != nil && recErr == nil {
			recErr = rec.Write(ev)
		}
		if err := p.Push(ev); err != nil {
			runErr = fmt.Errorf("output: %w", err)
			break
		}
	}
	c.Stop()
	if err := p.Close(); runErr == nil && err != nil {
		runErr = fmt.Errorf("output: %w", err)
	}
	if err := w.Close(); runErr == nil && err != nil {
		runErr = fmt.Errorf("output: %w", err)
	}
	if rec != nil {
		if err := rec.Close(); recErr == nil {
			recErr = err
		}
		if recErr != nil && runErr == nil {
			runErr = fmt.Errorf("--write %s: %w", f.write, recErr)
		}
	}
	kst, kerr := c.Stats()
	st := p.Stats()
	if f.stats || st.Lossy() || kst.Lossy() {
		printStats(e.stderr, &st, 0)
		fmt.Fprintf(e.stderr, "tapir: %s\n", kst)
	}
	if runErr == nil {
		runErr = kerr
	}
	return runErr
}

// startupLine says what was attached where, in one line.
func startupLine(c *ebpf.Capture, f *captureFlags) string {
	var b strings.Builder
	b.WriteString("tapir: capturing OpenSSL through ")
	for i, t := range c.Targets() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.String())
	}
	var filters []string
	if len(f.pids) > 0 {
		filters = append(filters, fmt.Sprintf("pid %v", joinUints(f.pids)))
	}
	if len(f.uids) > 0 {
		filters = append(filters, fmt.Sprintf("uid %v", joinUints(f.uids)))
	}
	if len(f.comms) > 0 {
		filters = append(filters, "comm "+strings.Join(f.comms, ","))
	}
	if len(filters) > 0 {
		b.WriteString("; only " + strings.Join(filters, ", "))
	}
	if s := c.Skipped(); len(s) > 0 {
		fmt.Fprintf(&b, "; %d not attached (%s)", len(s), s[0])
	}
	fmt.Fprintf(&b, "; ring buffer %s", formatSize(int64(f.ringbuf)))
	if f.write != "" {
		b.WriteString("; recording to " + f.write)
	}
	b.WriteString("; Ctrl-C to stop")
	return b.String()
}

func joinUints(v []uint) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}
