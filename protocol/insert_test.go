package protocol_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/protocol"
)

// named returns a Spec that detects nothing, for tests of list order.
func named(name string) protocol.Spec {
	return protocol.Spec{
		Name:   name,
		Detect: func(protocol.Sample) protocol.Verdict { return protocol.No },
		New:    func(protocol.Config) protocol.Parser { return idleParser{} },
	}
}

type idleParser struct{}

func (idleParser) Feed(event.Dir, []byte, uint64, protocol.Emit) error { return nil }
func (idleParser) Gap(event.Dir, int, uint64, protocol.Emit)           {}
func (idleParser) Flush(protocol.End, protocol.Emit)                   {}

func TestInsert(t *testing.T) {
	base := protocol.List{named("a"), named("b"), named("c")}
	tests := []struct {
		pos  protocol.Position
		want []string
	}{
		{protocol.First(), []string{"x", "a", "b", "c"}},
		{protocol.Last(), []string{"a", "b", "c", "x"}},
		{protocol.Position{}, []string{"a", "b", "c", "x"}},
		{protocol.Before("a"), []string{"x", "a", "b", "c"}},
		{protocol.Before("c"), []string{"a", "b", "x", "c"}},
		{protocol.After("a"), []string{"a", "x", "b", "c"}},
		{protocol.After("c"), []string{"a", "b", "c", "x"}},
	}
	for _, tt := range tests {
		got, err := base.Insert(named("x"), tt.pos)
		if err != nil {
			t.Errorf("Insert(x, %v): %v", tt.pos, err)
			continue
		}
		if n := got.Names(); !slices.Equal(n, tt.want) {
			t.Errorf("Insert(x, %v).Names() = %v; want %v", tt.pos, n, tt.want)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("Insert(x, %v).Validate() = %v", tt.pos, err)
		}
	}
	if n := base.Names(); !slices.Equal(n, []string{"a", "b", "c"}) {
		t.Errorf("Insert changed its receiver: %v", n)
	}
}

// TestInsertShared checks that two lists grown from one base do not see
// each other's Specs, even when the base has spare capacity.
func TestInsertShared(t *testing.T) {
	base := make(protocol.List, 0, 8)
	base = append(base, named("a"), named("b"))
	x, err := base.Insert(named("x"), protocol.Last())
	if err != nil {
		t.Fatal(err)
	}
	y, err := base.Insert(named("y"), protocol.Last())
	if err != nil {
		t.Fatal(err)
	}
	if got := x.Names(); !slices.Equal(got, []string{"a", "b", "x"}) {
		t.Errorf("x = %v", got)
	}
	if got := y.Names(); !slices.Equal(got, []string{"a", "b", "y"}) {
		t.Errorf("y = %v", got)
	}
}

func TestInsertErrors(t *testing.T) {
	base := protocol.List{named("a"), named("b")}
	tests := []struct {
		name string
		spec protocol.Spec
		pos  protocol.Position
		is   error // nil: any error
	}{
		{"name clash", named("b"), protocol.Last(), protocol.ErrDuplicate},
		{"name clash first", named("a"), protocol.First(), protocol.ErrDuplicate},
		{"unknown before", named("x"), protocol.Before("zz"), protocol.ErrUnknown},
		{"unknown after", named("x"), protocol.After("raw"), protocol.ErrUnknown},
		{"no name", protocol.Spec{Detect: named("x").Detect, New: named("x").New}, protocol.Last(), nil},
		{"no detect", protocol.Spec{Name: "x", New: named("x").New}, protocol.Last(), nil},
		{"no new", protocol.Spec{Name: "x", Detect: named("x").Detect}, protocol.Last(), nil},
	}
	for _, tt := range tests {
		l, err := base.Insert(tt.spec, tt.pos)
		if err == nil {
			t.Errorf("%s: Insert = %v, nil; want an error", tt.name, l.Names())
			continue
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: Insert error %v; want %v", tt.name, err, tt.is)
		}
		if l != nil {
			t.Errorf("%s: Insert returned a list with its error", tt.name)
		}
	}
	if _, err := base.Without("zz"); !errors.Is(err, protocol.ErrUnknown) {
		t.Errorf("Without(zz) error %v; want ErrUnknown", err)
	}
}

// TestInsertDeterministic builds one list by several orders of the same
// calls with anchored positions: anchors make the result independent of
// the order of unrelated insertions.
func TestInsertDeterministic(t *testing.T) {
	base := protocol.List{named("http2"), named("http1")}
	type ins struct {
		name string
		pos  protocol.Position
	}
	steps := []ins{
		{"redis", protocol.After("http1")},
		{"pg", protocol.Before("http2")},
		{"mine", protocol.Last()},
	}
	want := []string{"pg", "http2", "http1", "redis", "mine"}
	for _, order := range [][]int{{0, 1, 2}, {1, 0, 2}, {0, 2, 1}, {1, 2, 0}} {
		l := base
		for _, i := range order {
			var err error
			if l, err = l.Insert(named(steps[i].name), steps[i].pos); err != nil {
				t.Fatal(err)
			}
		}
		if got := l.Names(); !slices.Equal(got, want) {
			t.Errorf("order %v: %v; want %v", order, got, want)
		}
	}
}

func TestPositionString(t *testing.T) {
	for _, tt := range []struct {
		p    protocol.Position
		want string
	}{
		{protocol.First(), "first"},
		{protocol.Last(), "last"},
		{protocol.Before("http1"), "before http1"},
		{protocol.After("http1"), "after http1"},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q; want %q", got, tt.want)
		}
	}
}
