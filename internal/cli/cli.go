package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes of the tapir command.
const (
	// ExitOK: everything ran; losses, if any, were reported.
	ExitOK = 0
	// ExitInput: input errors were seen (bad lines, unreadable files,
	// failed output); what could be read was processed.
	ExitInput = 1
	// ExitUsage: the command line was wrong; nothing ran.
	ExitUsage = 2
)

// env is what a command runs with; tests replace its streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// isTTY reports whether a stream is a terminal.
	isTTY func(any) bool
}

// usageError marks errors that are the command line's fault.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// errInputSeen marks a run that completed but saw input errors, already
// reported.
var errInputSeen = errors.New("input errors seen")

// Main runs the tapir command with args (without the program name) and
// returns the exit code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tuneGC(ctx)
	return run(ctx, args, env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, isTTY: isTerminal})
}

func run(ctx context.Context, args []string, e env) int {
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errInputSeen):
		return ExitInput
	}
	fmt.Fprintf(e.stderr, "tapir: %v\n", err)
	var u usageError
	if errors.As(err, &u) || isCobraUsage(err) {
		fmt.Fprintln(e.stderr, "Run 'tapir --help' for usage.")
		return ExitUsage
	}
	return ExitInput
}

func newRoot(e env) *cobra.Command {
	root := &cobra.Command{
		Use:   "tapir",
		Short: "Show what programs say inside their TLS connections",
		Long: `tapir shows, live and readable, what programs send and receive over TLS:
the plaintext handed to the TLS library, reassembled per connection, with the
protocol recognised and every message decoded, requests paired to responses.

It reads recorded event files (JSON Lines, see docs/events.md) with 'tapir read'.

Exit codes: 0 ok; 1 input errors seen (bad lines, unreadable files, failed
output), what could be read was still processed; 2 usage error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newCaptureCmd(e), newReadCmd(e), newVersionCmd(e), newParsersCmd(e))
	return root
}

// isCobraUsage recognises cobra's own argument errors.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires ", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
