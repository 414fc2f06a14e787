package ebpf

import (
	"errors"
	"fmt"
	"strings"
)

// Defaults for Options.
const (
	// DefaultRingBuffer is the size of the kernel ring buffer.
	DefaultRingBuffer = 16 << 20
	// DefaultMaxCall is how many bytes of one SSL call are copied; the
	// rest is counted and marked as a gap.
	DefaultMaxCall = 4 << 20
	// Chunk is the payload of one ring buffer record: a call longer than
	// this arrives as several events, in order.
	Chunk = 16 << 10
)

// Errors callers may test for.
var (
	// ErrUnsupported is returned where live capture cannot work at all:
	// not Linux, or an architecture the BPF program is not built for.
	ErrUnsupported = errors.New("live capture is supported on linux/amd64 only")
	// ErrNoLibSSL is returned when no OpenSSL library or binary was found
	// or given.
	ErrNoLibSSL = errors.New("no libssl found: pass --libssl PATH (a libssl.so or a binary statically linked with OpenSSL)")
)

// Options configure a Capture. The zero value captures every OpenSSL
// connection on the host through the libraries Discover finds.
type Options struct {
	// Libs are more libraries or binaries to attach to, beyond the ones
	// discovered: another libssl, or a program statically linked with
	// OpenSSL (its symbols are read from .symtab). Unlike discovered
	// ones, a Lib that cannot be attached is an error.
	Libs []string
	// NoDiscover attaches to Libs only.
	NoDiscover bool
	// PIDs, UIDs and Comms keep only the calls of these processes, users
	// and command names (at most 15 bytes each), checked in the kernel.
	// Empty means all; when several are set a call must pass each.
	PIDs  []uint32
	UIDs  []uint32
	Comms []string
	// RingBuffer is the size of the kernel ring buffer in bytes, rounded
	// up to a power of two of at least one page; default 16 MiB.
	RingBuffer int
	// MaxCall is how many bytes of one SSL call are copied; past it the
	// event's OrigLen tells the real length. Default 4 MiB; negative
	// means lengths only.
	MaxCall int
}

// Stats are the kernel side's loss counters, summed over CPUs.
type Stats struct {
	// LostRecords did not fit in the ring buffer (the reader fell behind);
	// LostBytes is the payload they carried. Each loss is also marked on
	// its connection as a gap.
	LostRecords, LostBytes uint64
	// LostCloses are close records that did not fit; their connections
	// end at the idle timeout instead.
	LostCloses uint64
	// CutCalls were longer than MaxCall; CutBytes were not copied.
	CutCalls, CutBytes uint64
	// Faults are calls whose buffer could not be read from the process
	// (paged out); FaultBytes were not copied.
	Faults, FaultBytes uint64
}

// Lossy reports whether anything was lost or cut.
func (s Stats) Lossy() bool {
	return s.LostRecords > 0 || s.LostCloses > 0 || s.CutCalls > 0 || s.Faults > 0
}

// String formats the counters on one line.
func (s Stats) String() string {
	return fmt.Sprintf("kernel: %d records lost (%d bytes, ring buffer full), %d closes lost, %d calls cut (%d bytes past --max-call), %d unreadable buffers (%d bytes)",
		s.LostRecords, s.LostBytes, s.LostCloses, s.CutCalls, s.CutBytes, s.Faults, s.FaultBytes)
}

// Target is one file the probes are attached to.
type Target struct {
	// Path is how the file was opened: a host path, or one under
	// /proc/PID/root for a library seen only in another mount namespace.
	Path string
	// Symbols are the functions probed.
	Symbols []string
	// Procs is how many running processes mapped the file when it was
	// discovered; 0 for the system library not in use yet, or a Lib.
	Procs int
	// Given is set for a target from Options.Libs.
	Given bool
}

// String formats the target for the startup line.
func (t Target) String() string {
	s := t.Path + " (" + strings.Join(t.Symbols, ", ")
	switch {
	case t.Procs == 1:
		s += "; mapped by 1 process"
	case t.Procs > 1:
		s += fmt.Sprintf("; mapped by %d processes", t.Procs)
	}
	return s + ")"
}

func (o *Options) withDefaults() (Options, error) {
	c := *o
	if c.RingBuffer < 0 {
		return c, errors.New("ebpf: RingBuffer must not be negative")
	}
	if c.RingBuffer == 0 {
		c.RingBuffer = DefaultRingBuffer
	}
	size := 4096
	for size < c.RingBuffer {
		if size >= 1<<30 {
			return c, errors.New("ebpf: RingBuffer must be at most 1 GiB")
		}
		size <<= 1
	}
	c.RingBuffer = size
	switch {
	case c.MaxCall == 0:
		c.MaxCall = DefaultMaxCall
	case c.MaxCall < 0:
		c.MaxCall = 0
	case c.MaxCall > 1<<30:
		return c, errors.New("ebpf: MaxCall must be at most 1 GiB")
	}
	for _, name := range c.Comms {
		if len(name) == 0 || len(name) > 15 {
			return c, fmt.Errorf("ebpf: command name %q: want 1 to 15 bytes (the kernel keeps 15)", name)
		}
	}
	if c.NoDiscover && len(c.Libs) == 0 {
		return c, ErrNoLibSSL
	}
	return c, nil
}
