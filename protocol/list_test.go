package protocol_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/protocol"
)

type nopParser struct{}

func (nopParser) Feed(event.Dir, []byte, uint64, protocol.Emit) error { return nil }
func (nopParser) Gap(event.Dir, int, uint64, protocol.Emit)           {}
func (nopParser) Flush(protocol.End, protocol.Emit)                   {}

// prefixSpec says Yes when Out starts with prefix, NeedMore while Out is a
// proper prefix of it.
func prefixSpec(name, prefix string) protocol.Spec {
	return protocol.Spec{
		Name: name,
		Detect: func(s protocol.Sample) protocol.Verdict {
			switch {
			case bytes.HasPrefix(s.Out, []byte(prefix)):
				return protocol.Yes
			case bytes.HasPrefix([]byte(prefix), s.Out):
				return protocol.NeedMore
			}
			return protocol.No
		},
		New: func(protocol.Config) protocol.Parser { return nopParser{} },
	}
}

func TestDetectOrder(t *testing.T) {
	l := protocol.List{prefixSpec("long", "ABCD"), prefixSpec("short", "AB")}
	tests := []struct {
		out   string
		final bool
		name  string
		v     protocol.Verdict
	}{
		{"A", false, "", protocol.NeedMore},
		{"AB", false, "", protocol.NeedMore}, // long still waiting
		{"AB", true, "short", protocol.Yes},  // limit: long counts as No
		{"ABC", false, "", protocol.NeedMore},
		{"ABCD", false, "long", protocol.Yes},
		{"ABX", false, "short", protocol.Yes},
		{"X", false, "", protocol.No},
	}
	for _, tt := range tests {
		s, v := l.Detect(protocol.Sample{Out: []byte(tt.out)}, tt.final)
		if v != tt.v || s.Name != tt.name {
			t.Errorf("Detect(%q, final=%v) = %q, %v; want %q, %v", tt.out, tt.final, s.Name, v, tt.name, tt.v)
		}
	}
}

func TestValidate(t *testing.T) {
	l := protocol.List{prefixSpec("a", "A"), prefixSpec("a", "B")}
	if err := l.Validate(); !errors.Is(err, protocol.ErrDuplicate) {
		t.Errorf("Validate() = %v; want ErrDuplicate", err)
	}
	if err := (protocol.List{{Name: "x"}}).Validate(); err == nil {
		t.Error("Validate() of a Spec without Detect = nil; want error")
	}
}

func TestWithout(t *testing.T) {
	l := protocol.List{prefixSpec("a", "A"), prefixSpec("b", "B"), prefixSpec("c", "C")}
	got, err := l.Without("b")
	if err != nil {
		t.Fatal(err)
	}
	if n := got.Names(); len(n) != 2 || n[0] != "a" || n[1] != "c" {
		t.Errorf("Without(b).Names() = %v; want [a c]", n)
	}
	if len(l) != 3 {
		t.Error("Without changed its receiver")
	}
	if _, err := l.Without("zz"); err == nil {
		t.Error("Without(unknown) = nil error")
	}
}

func TestEither(t *testing.T) {
	y, n, m := protocol.Yes, protocol.No, protocol.NeedMore
	for _, tt := range []struct{ a, b, want protocol.Verdict }{
		{y, n, y}, {n, y, y}, {y, m, y}, {m, y, y},
		{m, n, m}, {n, m, m}, {m, m, m}, {n, n, n},
	} {
		if got := protocol.Either(tt.a, tt.b); got != tt.want {
			t.Errorf("Either(%v, %v) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
