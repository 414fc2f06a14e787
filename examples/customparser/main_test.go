package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/output.golden")

// TestRun runs the example over the line-echo recording and a Redis one,
// and compares what it prints with testdata/output.golden.
func TestRun(t *testing.T) {
	rec := filepath.Join("..", "..", "testdata", "recordings")
	var out bytes.Buffer
	err := run(&out, []string{filepath.Join(rec, "line-echo.jsonl"), filepath.Join(rec, "redis-pipeline.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "output.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("output differs from %s (go test -update to refresh):\n%s", golden, out.Bytes())
	}
}
