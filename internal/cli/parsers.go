package cli

import (
	"fmt"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/builtin"
	"github.com/tapir-dev/tapir/protocol/raw"
)

// rawDoc describes the fallback, which is not in the detection list.
const rawDoc = "fallback: anything no parser above recognises, shown as raw turns (text, or hex when binary)"

func newParsersCmd(e env) *cobra.Command {
	var disable []string
	cmd := &cobra.Command{
		Use:   "parsers",
		Short: "List the protocol parsers in detection order",
		Long: `List the protocol parsers in the order detection tries them. The first
parser to recognise a connection's first bytes (either direction) owns the
connection; what none recognises is shown raw.

--disable-parser NAME (on read and capture) turns a parser off: its
connections go to the next parser that recognises them, or to raw. Given
here, it shows the order that results.`,
		Example: `  tapir parsers
  tapir parsers --disable-parser http2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDisabled(builtin.Default, disable); err != nil {
				return err
			}
			return printParsers(e, builtin.Default, disable)
		},
	}
	cmd.Flags().StringSliceVar(&disable, "disable-parser", nil, "show the order with this parser turned off (repeat or comma-separate)")
	return cmd
}

// printParsers writes the detection order of l, marking the disabled
// parsers, then the raw fallback.
func printParsers(e env, l protocol.List, disabled []string) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	n := 0
	for _, s := range l {
		doc := s.Doc
		if doc == "" {
			doc = "(no description)"
		}
		if slices.Contains(disabled, s.Name) {
			fmt.Fprintf(tw, "  -\t%s\t(disabled) %s\n", s.Name, doc)
			continue
		}
		n++
		fmt.Fprintf(tw, "  %d\t%s\t%s\n", n, s.Name, doc)
	}
	fmt.Fprintf(tw, "   \t%s\t%s\n", raw.Name, rawDoc)
	return tw.Flush()
}

// checkDisabled checks the names given to --disable-parser against l.
func checkDisabled(l protocol.List, names []string) error {
	for _, n := range names {
		switch {
		case n == raw.Name:
			return usagef("--disable-parser %s: raw is the fallback for what nothing else recognises; it cannot be turned off", n)
		case !slices.Contains(l.Names(), n):
			return usagef("--disable-parser %q: no such parser (have %v; see 'tapir parsers')", n, l.Names())
		}
	}
	return nil
}

// protocols returns l without the parsers --disable-parser names. The
// names were checked by validate (checkDisabled); one that is not in l
// is ignored here.
func (f *processFlags) protocols(l protocol.List) protocol.List {
	if len(f.disable) == 0 {
		return l
	}
	out := make(protocol.List, 0, len(l))
	for _, s := range l {
		if !slices.Contains(f.disable, s.Name) {
			out = append(out, s)
		}
	}
	return out
}
