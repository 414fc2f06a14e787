package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/workload"
	"github.com/tapir-dev/tapir/source/eventfile"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		file string
		args []string
		// wantSummary is a part of the summary line.
		wantSummary string
	}{
		{"churn", "churn.jsonl", []string{"-kind", "churn", "-conns", "50", "-open", "5"}, "churn seed=1: 2"},
		{"keepalive gzip", "ka.jsonl.gz", []string{"-kind", "keepalive", "-conns", "4", "-exchanges", "3", "-seed", "9"}, "keepalive seed=9:"},
		{"binary", "bin.jsonl", []string{"-kind", "binary", "-conns", "3", "-open", "-1"}, "(" /* data and close counts */},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			var stderr bytes.Buffer
			if err := run(append(tt.args, "-o", path), &stderr); err != nil {
				t.Fatalf("run: %v\n%s", err, stderr.String())
			}
			if got := stderr.String(); !strings.Contains(got, tt.wantSummary) || strings.Count(got, "\n") != 1 {
				t.Errorf("summary %q; want one line with %q", got, tt.wantSummary)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if mode := st.Mode().Perm(); mode != 0o600 {
				t.Errorf("mode %v; want 0600", mode)
			}
		})
	}
}

// TestRunMatchesGenerate checks that the file holds exactly the events of
// the workload, here through the gzip path.
func TestRunMatchesGenerate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ka.jsonl.gz")
	if err := run([]string{"-kind", "keepalive", "-conns", "5", "-exchanges", "4", "-seed", "3", "-o", path}, io.Discard); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	err = workload.Generate(workload.KeepAlive, workload.Config{Conns: 5, Exchanges: 4, Seed: 3}, func(e *event.Event) error {
		want = eventfile.AppendEvent(want, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("file holds %d bytes; want the %d of Generate", len(got), len(want))
	}
}

func TestRunErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.jsonl")
	tests := []struct {
		name string
		args []string
		want error
	}{
		{"no output", []string{"-kind", "churn"}, nil},
		{"unknown kind", []string{"-kind", "gopher", "-o", out}, workload.ErrUnknownKind},
		{"help", []string{"-h"}, flag.ErrHelp},
		{"no such dir", []string{"-o", filepath.Join(out, "sub", "f.jsonl")}, nil},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		err := run(tt.args, &stderr)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: %v; want %v", tt.name, err, tt.want)
		}
		if tt.name == "help" {
			for _, s := range workload.Specs() {
				if !strings.Contains(stderr.String(), string(s.Kind)) {
					t.Errorf("-h does not explain %s:\n%s", s.Kind, stderr.String())
				}
			}
		}
	}
}
