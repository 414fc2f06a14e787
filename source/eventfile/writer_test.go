package eventfile

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestAppendEventGolden checks the lines AppendEvent writes for the test
// events against testdata/append.golden.
func TestAppendEventGolden(t *testing.T) {
	var got []byte
	for i := range testEvents {
		if len(testEvents[i].Data) < 1000 {
			got = AppendEvent(got, &testEvents[i])
		}
	}
	for _, line := range bytes.SplitAfter(got, []byte("\n")) {
		if len(line) > 0 && !json.Valid(line) {
			t.Errorf("not JSON: %s", line)
		}
	}
	golden := filepath.Join("testdata", "append.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("AppendEvent output differs from %s (run with -update after checking):\n got %s\nwant %s", golden, got, want)
	}
}
