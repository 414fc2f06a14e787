package text_test

import (
	"bytes"
	"path/filepath"
	"regexp"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tapir-dev/tapir/internal/golden"
	"github.com/tapir-dev/tapir/output"
	"github.com/tapir-dev/tapir/output/internal/outputtest"
	"github.com/tapir-dev/tapir/output/text"
)

// modes are the option sets the golden files cover.
var modes = []struct {
	golden string
	opts   text.Options
}{
	{"plain", text.Options{}},
	{"color", text.Options{Color: true}},
	{"hex", text.Options{Hex: true}},
	{"pretty", text.Options{Pretty: true}},
}

// render formats every fixture with f, each after a line naming it.
func render(f output.Formatter) []byte {
	var out []byte
	for _, fx := range outputtest.Fixtures() {
		out = append(out, "### "+fx.Name+"\n"...)
		out = f.Append(out, &fx.Msg)
	}
	return out
}

func TestGolden(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.golden, func(t *testing.T) {
			got := render(text.New(mode.opts))
			golden.Check(t, filepath.Join("testdata", mode.golden+".golden"), got)
		})
	}
}

// ownSeq matches the ANSI sequences the formatter itself writes.
var ownSeq = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// TestNoTerminalControl checks that nothing a capture holds reaches the
// terminal raw: once the formatter's own colour sequences are removed, the
// output is UTF-8 with no control character but newline and tab, no C1
// control and no bidirectional override.
func TestNoTerminalControl(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.golden, func(t *testing.T) {
			out := render(text.New(mode.opts))
			if mode.opts.Color {
				out = ownSeq.ReplaceAll(out, nil)
			}
			checkInert(t, out)
		})
	}
}

func checkInert(t *testing.T, out []byte) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Fatalf("output is not UTF-8: %q", out)
	}
	for i, r := range string(out) {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20 || (r >= 0x7f && r < 0xa0),
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			t.Fatalf("control %U at byte %d: %q", r, i, out[max(0, i-20):min(len(out), i+20)])
		}
	}
}

func TestLocation(t *testing.T) {
	m := outputtest.Fixtures()[0].Msg
	tests := []struct {
		loc  *time.Location
		want string
	}{
		{nil, "08:19:12.123457 "},
		{time.UTC, "08:19:12.123457 "},
		{time.FixedZone("IST", 5*3600+1800), "13:49:12.123457 "},
		{time.FixedZone("west", -10*3600), "22:19:12.123457 "},
	}
	for _, tt := range tests {
		got := text.New(text.Options{Location: tt.loc}).Append(nil, &m)
		if !bytes.HasPrefix(got, []byte(tt.want)) {
			t.Errorf("location %v: got %q; want prefix %q", tt.loc, got, tt.want)
		}
	}
}

func TestAppendKeepsDst(t *testing.T) {
	f := text.New(text.Options{Pretty: true})
	for _, fx := range outputtest.Fixtures() {
		dst := []byte("prefix")
		got := f.Append(dst, &fx.Msg)
		if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.HasSuffix(got, []byte("\n\n")) {
			t.Errorf("%s: got %q; want the prefix kept and a blank line at the end", fx.Name, got)
		}
	}
}
