package protocol

import (
	"errors"
	"fmt"
)

// List is an ordered set of protocols to detect, front first.
type List []Spec

// ErrDuplicate is returned when two Specs of a List share a name.
var ErrDuplicate = errors.New("duplicate protocol name")

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
			return nil, fmt.Errorf("unknown protocol %q (have %v)", n, l.Names())
		}
		out = append(out[:i], out[i+1:]...)
	}
	return out, nil
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
