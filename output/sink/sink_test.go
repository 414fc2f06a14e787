package sink_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/output/sink"
)

func TestFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		existing fs.FileMode // 0: no file before
		target   func(path string) string
	}{
		{"new file", 0, func(p string) string { return p }},
		{"existing wide file", 0o644, func(p string) string { return p }},
		{"existing world-writable file", 0o666, func(p string) string { return p }},
		{"existing 0600 file", 0o600, func(p string) string { return p }},
		{"file url", 0, func(p string) string { return "file://" + p }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "out"+string(rune('a'+i)))
			if tt.existing != 0 {
				if err := os.WriteFile(path, []byte("old contents that must go\n"), tt.existing); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.existing); err != nil { // past the umask
					t.Fatal(err)
				}
			}
			w, err := sink.Open(tt.target(path))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte("new\n")); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != 0o600 {
				t.Errorf("mode %v; want 0600", got)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "new\n" {
				t.Errorf("contents %q; want %q (truncated, then written)", got, "new\n")
			}
		})
	}
}

func TestStdoutNotClosed(t *testing.T) {
	for _, target := range []string{"", "-"} {
		w, err := sink.Open(target)
		if err != nil {
			t.Fatalf("Open(%q): %v", target, err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("Open(%q).Close: %v", target, err)
		}
		if _, err := os.Stdout.Stat(); err != nil {
			t.Fatalf("after Open(%q).Close, stdout: %v", target, err)
		}
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such", "dir", "out.jsonl")
	tests := []struct {
		target string
		is     error
		want   string // in the message
	}{
		{missing, fs.ErrNotExist, missing},
		{dir, nil, dir},
		{"udp://127.0.0.1:9000", sink.ErrUnsupported, "udp"},
		{"wss://localhost:8080/feed", sink.ErrUnsupported, "wss"},
		{"tcp://no-port", nil, "tcp address"},
		{"ws://127.0.0.1/feed", nil, "needs a port"},
		{"file://", nil, "empty file path"},
	}
	for _, tt := range tests {
		w, err := sink.Open(tt.target)
		if err == nil {
			w.Close()
			t.Errorf("Open(%q) succeeded; want an error", tt.target)
			continue
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("Open(%q) = %v; want an error that is %v", tt.target, err, tt.is)
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%q) = %q; want it to name %q", tt.target, err, tt.want)
		}
	}
}

// TestSchemeLikePath checks that a path that only looks like a URL is a
// file.
func TestSchemeLikePath(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "a:"), 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "a:", "", "b") // ".../a:/b"
	target := dir + "/a://b"
	w, err := sink.Open(target)
	if err != nil {
		t.Fatalf("Open(%q): %v", target, err)
	}
	w.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("Open(%q) did not create %s: %v", target, path, err)
	}
}
