package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/tapir-dev/tapir/internal/golden"
)

// TestRun runs the example and compares what it prints with
// testdata/output.golden.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "output.golden"), out.Bytes())
}
