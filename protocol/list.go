package protocol

import (
	"errors"
	"fmt"
)

// List is an ordered set of protocols to detect, front first.
type List []Spec

// ErrDuplicate is returned when two Specs of a List share a name.
var ErrDuplicate = errors.New("duplicate protocol name")

// ErrUnknown is returned when a name given to Insert or Without is not in
// the List.
var ErrUnknown = errors.New("unknown protocol")

// Validate checks that every Spec is complete and names are unique.
func (l List) Validate() error {
	seen := make(map[string]bool, len(l))
	for i, s := range l {
		if s.Name == "" {
			return fmt.Errorf("protocol %d has no name", i)
		}
		if s.Detect == nil || s.New == nil {
			return fmt.Errorf("protocol %q: Detect and New are required", s.Name)
		}
		if seen[s.Name] {
			return fmt.Errorf("protocol %q: %w", s.Name, ErrDuplicate)
		}
		seen[s.Name] = true
	}
	return nil
}

// Lookup returns the Spec named name.
func (l List) Lookup(name string) (Spec, bool) {
	for _, s := range l {
		if s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}

// Names returns the names in detection order.
func (l List) Names() []string {
	n := make([]string, len(l))
	for i, s := range l {
		n[i] = s.Name
	}
	return n
}

// Without returns a copy of l without the named protocols. Naming a
// protocol that is not in l is an error.
func (l List) Without(names ...string) (List, error) {
	out := append(List(nil), l...)
	for _, n := range names {
		i := out.index(n)
		if i < 0 {
			return nil, fmt.Errorf("%w %q (have %v)", ErrUnknown, n, l.Names())
		}
		out = append(out[:i], out[i+1:]...)
	}
	return out, nil
}

// Position says where Insert puts a Spec in a List: First, Last, or
// Before or After a named Spec. The zero Position is Last.
type Position struct {
	rel    relation
	anchor string
}

type relation uint8

const (
	relLast relation = iota
	relFirst
	relBefore
	relAfter
)

// First is the front of a List: the Spec is tried before every other.
func First() Position { return Position{rel: relFirst} }

// Last is the end of a List: the Spec is tried after every other (and
// before the raw fallback, which is not in the List).
func Last() Position { return Position{rel: relLast} }

// Before is the place just before the Spec named name.
func Before(name string) Position { return Position{rel: relBefore, anchor: name} }

// After is the place just after the Spec named name.
func After(name string) Position { return Position{rel: relAfter, anchor: name} }

// String returns "first", "last", "before NAME" or "after NAME".
func (p Position) String() string {
	switch p.rel {
	case relFirst:
		return "first"
	case relBefore:
		return "before " + p.anchor
	case relAfter:
		return "after " + p.anchor
	}
	return "last"
}

// Insert returns a copy of l with s added at pos; l itself is not changed,
// so a shared List such as builtin.Default stays as it is. It is an error,
// never a panic, when s is incomplete (no name, Detect or New), when a
// Spec of l already has s's name (the error wraps ErrDuplicate), or when
// pos names a Spec that l does not hold (the error wraps ErrUnknown).
//
// Insertions are deterministic: the same calls in the same order give the
// same List.
func (l List) Insert(s Spec, pos Position) (List, error) {
	if s.Name == "" {
		return nil, errors.New("insert protocol: no name")
	}
	if s.Detect == nil || s.New == nil {
		return nil, fmt.Errorf("insert protocol %q: Detect and New are required", s.Name)
	}
	if l.index(s.Name) >= 0 {
		return nil, fmt.Errorf("insert protocol %q: %w", s.Name, ErrDuplicate)
	}
	at := len(l)
	switch pos.rel {
	case relFirst:
		at = 0
	case relBefore, relAfter:
		i := l.index(pos.anchor)
		if i < 0 {
			return nil, fmt.Errorf("insert protocol %q %v: %w %q (have %v)", s.Name, pos, ErrUnknown, pos.anchor, l.Names())
		}
		at = i
		if pos.rel == relAfter {
			at++
		}
	}
	out := make(List, 0, len(l)+1)
	out = append(out, l[:at]...)
	out = append(out, s)
	return append(out, l[at:]...), nil
}

func (l List) index(name string) int {
	for i, s := range l {
		if s.Name == name {
			return i
		}
	}
	return -1
}

// Detect runs detection over s in order. It returns the first Spec that
// says Yes when every Spec before it said No. While an earlier Spec says
// NeedMore it returns NeedMore, unless final is set (no more bytes will
// come, or a limit was hit), in which case NeedMore counts as No. When no
// Spec says Yes it returns No.
func (l List) Detect(s Sample, final bool) (Spec, Verdict) {
	waiting := false
	for _, spec := range l {
		switch spec.Detect(s) {
		case Yes:
			if waiting {
				return Spec{}, NeedMore
			}
			return spec, Yes
		case NeedMore:
			if !final {
				waiting = true
			}
		}
	}
	if waiting {
		return Spec{}, NeedMore
	}
	return Spec{}, No
}
