package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/tapir-dev/tapir/internal/golden"
)

// TestRun runs the example over the line-echo recording and a Redis one,
// and compares what it prints with testdata/output.golden.
func TestRun(t *testing.T) {
	rec := filepath.Join("..", "..", "testdata", "recordings")
	var out bytes.Buffer
	err := run(&out, []string{filepath.Join(rec, "line-echo.jsonl"), filepath.Join(rec, "redis-pipeline.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "output.golden"), out.Bytes())
}
