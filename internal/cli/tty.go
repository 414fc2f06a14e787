package cli

import (
	"os"

	"golang.org/x/term"
)

// isTerminal reports whether s is an *os.File on a terminal.
func isTerminal(s any) bool {
	f, ok := s.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
