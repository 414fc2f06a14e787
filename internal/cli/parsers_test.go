package cli

import (
	"slices"
	"strings"
	"testing"
)

func TestParsersCommand(t *testing.T) {
	code, out, errs := tapir(t, "", "parsers")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Every built-in parser, in detection order, then the raw fallback.
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			t.Fatalf("line %q", line)
		}
		if f[0] == "raw" {
			names = append(names, f[0])
			continue
		}
		names = append(names, f[1])
	}
	i, j := slices.Index(names, "http1"), slices.Index(names, "redis")
	if i < 0 || j < i || names[len(names)-1] != "raw" {
		t.Errorf("parsers: %v; want http1 before redis, raw last", names)
	}
	if !strings.Contains(out, "Redis RESP2 and RESP3") {
		t.Errorf("no description of redis:\n%s", out)
	}

	code, out, _ = tapir(t, "", "parsers", "--disable-parser", "redis")
	if code != ExitOK || !strings.Contains(out, "(disabled) Redis") {
		t.Errorf("exit %d, --disable-parser redis:\n%s", code, out)
	}
}

func TestDisableParser(t *testing.T) {
	const rec = "../../testdata/recordings/redis-cli.jsonl"
	tests := []struct {
		args  []string
		code  int
		proto string // in the output's first line
		err   string
	}{
		{[]string{"read", "--color", "never", rec}, ExitOK, " redis request ", ""},
		{[]string{"read", "--disable-parser", "redis", rec}, ExitOK, " raw data ", ""},
		{[]string{"read", "--disable-parser", "http1,redis", "--disable-parser", "http2", rec}, ExitOK, " raw data ", ""},
		{[]string{"read", "--disable-parser", "memcached", rec}, ExitUsage, "", "no such parser"},
		{[]string{"read", "--disable-parser", "raw", rec}, ExitUsage, "", "cannot be turned off"},
		{[]string{"parsers", "--disable-parser", "nope"}, ExitUsage, "", "no such parser"},
	}
	for _, tt := range tests {
		code, out, errs := tapir(t, "", tt.args...)
		if code != tt.code {
			t.Errorf("%v: exit %d; want %d (%s)", tt.args, code, tt.code, errs)
			continue
		}
		first, _, _ := strings.Cut(out, "\n")
		if !strings.Contains(first, tt.proto) || !strings.Contains(errs, tt.err) {
			t.Errorf("%v: first line %q, stderr %q; want %q and %q", tt.args, first, errs, tt.proto, tt.err)
		}
	}
}
