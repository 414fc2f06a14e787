package builtin

import "testing"

func TestDefaultIsValid(t *testing.T) {
	if err := Default.Validate(); err != nil {
		t.Fatal(err)
	}
}
