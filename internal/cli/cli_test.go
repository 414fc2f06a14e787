package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/internal/golden"
)

// tapir runs the command with args and returns its exit code, stdout and
// stderr.
func tapir(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		isTTY: func(any) bool { return false },
	})
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A small raw exchange: PING from curl, PONG back, then close.
const pingPong = `{"kind":"data","ts":1732350000000000000,"pid":42,"tid":42,"comm":"client","fd":3,"dir":"out","src":"127.0.0.1:50000","dst":"127.0.0.1:7000","data":"UElORw0K"}
{"kind":"data","ts":1732350000000100000,"pid":42,"tid":42,"comm":"client","fd":3,"dir":"in","src":"127.0.0.1:50000","dst":"127.0.0.1:7000","data":"UE9ORw0K"}
{"kind":"close","ts":1732350000000200000,"pid":42,"tid":42,"fd":3}
`

func TestExitCodes(t *testing.T) {
	good := writeFile(t, "good.jsonl", pingPong)
	bad := writeFile(t, "bad.jsonl", pingPong+"{not json\n")
	tests := []struct {
		name    string
		args    []string
		code    int
		stderr  string // a substring of stderr
		stdoutN int    // lines of JSON on stdout, -1 to skip
	}{
		{"ok", []string{"read", "-f", "json", good}, ExitOK, "", 2},
		{"bad line skipped", []string{"read", "-f", "json", bad}, ExitInput, "bad.jsonl:4:", 2},
		{"strict stops", []string{"read", "-f", "json", "--strict", bad}, ExitInput, "bad.jsonl:4:", 2},
		{"missing file", []string{"read", filepath.Join(t.TempDir(), "nope.jsonl")}, ExitInput, "nope.jsonl", -1},
		{"missing file does not stop the others", []string{"read", "-f", "json", filepath.Join(t.TempDir(), "nope.jsonl"), good}, ExitInput, "nope.jsonl", 2},
		{"unknown flag", []string{"read", "--bogus"}, ExitUsage, "unknown flag", -1},
		{"bad format", []string{"read", "--format", "xml", good}, ExitUsage, `--format "xml"`, -1},
		{"bad size", []string{"read", "--tsize", "lots", good}, ExitUsage, "not a size", -1},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "unknown command", -1},
		{"version", []string{"version"}, ExitOK, "", -1},
	}
	for _, tt := range tests {
		code, out, errs := tapir(t, "", tt.args...)
		if code != tt.code {
			t.Errorf("%s: exit %d; want %d (stderr %q)", tt.name, code, tt.code, errs)
		}
		if !strings.Contains(errs, tt.stderr) {
			t.Errorf("%s: stderr %q; want it to contain %q", tt.name, errs, tt.stderr)
		}
		if tt.stdoutN >= 0 {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if out == "" {
				lines = nil
			}
			if len(lines) != tt.stdoutN {
				t.Errorf("%s: %d lines on stdout; want %d:\n%s", tt.name, len(lines), tt.stdoutN, out)
			}
			for _, l := range lines {
				if !json.Valid([]byte(l)) {
					t.Errorf("%s: stdout line is not JSON: %s", tt.name, l)
				}
			}
		}
	}
}

func TestStdinAndFilters(t *testing.T) {
	other := strings.ReplaceAll(pingPong, `"pid":42`, `"pid":7`)
	other = strings.ReplaceAll(other, `"comm":"client"`, `"comm":"other"`)
	in := pingPong + other
	for _, tt := range []struct {
		args []string
		want int
	}{
		{[]string{"read", "-f", "json"}, 4},
		{[]string{"read", "-f", "json", "-"}, 4},
		{[]string{"read", "-f", "json", "--pid", "7"}, 2},
		{[]string{"read", "-f", "json", "--comm", "client,other"}, 4},
		{[]string{"read", "-f", "json", "--comm", "client", "--pid", "7"}, 0},
	} {
		code, out, errs := tapir(t, in, tt.args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", tt.args, code, errs)
		}
		if n := strings.Count(out, "\n"); n != tt.want {
			t.Errorf("%v: %d messages; want %d", tt.args, n, tt.want)
		}
	}
}

func TestOutputFileIsPrivate(t *testing.T) {
	good := writeFile(t, "good.jsonl", pingPong)
	out := filepath.Join(t.TempDir(), "out.txt")
	code, stdout, errs := tapir(t, "", "read", "-o", out, good)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if stdout != "" {
		t.Errorf("stdout %q; want nothing with -o", stdout)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("output mode %v; want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(out)
	if !bytes.Contains(b, []byte("PONG")) {
		t.Errorf("output file lacks the messages:\n%s", b)
	}
}

func TestStatsOnLoss(t *testing.T) {
	lossy := `{"kind":"data","ts":1,"pid":1,"tid":1,"fd":3,"dir":"out","data":"YWJj","orig_len":100}` + "\n"
	code, _, errs := tapir(t, lossy, "read")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "97 bytes not captured") {
		t.Errorf("stats not printed on loss; stderr:\n%s", errs)
	}
	_, _, errs = tapir(t, pingPong, "read")
	if errs != "" {
		t.Errorf("stderr %q on a clean run without --stats; want nothing", errs)
	}
	_, _, errs = tapir(t, pingPong, "read", "--stats")
	if !strings.Contains(errs, "connections: 1 opened") {
		t.Errorf("--stats printed:\n%s", errs)
	}
}

// TestGolden runs `tapir read` over the recordings in testdata/ and
// compares text, hex and JSON output with golden files.
func TestGolden(t *testing.T) {
	inputs, _ := filepath.Glob("../../testdata/recordings/*.jsonl")
	inputs = append(inputs, "../../examples/curl-http.jsonl")
	modes := []struct {
		name string
		args []string
	}{
		{"text", []string{"--color", "never"}},
		{"hex", []string{"--hex", "--color", "never"}},
		{"json", []string{"--format", "json"}},
	}
	n := 0
	for _, in := range inputs {
		if _, err := os.Stat(in); err != nil {
			continue
		}
		n++
		base := strings.TrimSuffix(filepath.Base(in), ".jsonl")
		for _, m := range modes {
			args := append([]string{"read", in}, m.args...)
			code, out, errs := tapir(t, "", args...)
			if code != ExitOK {
				t.Errorf("%s %s: exit %d: %s", base, m.name, code, errs)
			}
			golden.Check(t, filepath.Join("testdata", base+"."+m.name+".golden"), []byte(out))
		}
	}
	if n == 0 {
		t.Fatal("no recordings found under testdata/recordings or examples/")
	}
}
