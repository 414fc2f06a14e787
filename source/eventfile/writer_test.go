package eventfile

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/tapir-dev/tapir/internal/golden"
)

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
	golden.Check(t, filepath.Join("testdata", "append.golden"), got)
}
