// Package golden compares what tests produce with golden files, and with
// -update rewrites the files instead: one flag and one report for every
// test package that has golden files.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files (and seed corpora) instead of checking them")

// Update reports whether -update was given, for tests that keep other
// generated files (fuzz corpora) the same way.
func Update() bool { return *update }

// Check compares got with the golden file at path and reports a line diff
// when they differ. With -update it writes got to path (0600), making its
// directory, instead.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update accepts it):\n%s", path, diff)
	}
}
