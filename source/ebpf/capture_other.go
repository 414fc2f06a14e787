//go:build !linux || !amd64

package ebpf

import (
	"io"

	"github.com/tapir-dev/tapir/event"
)

// Capture is a live capture. On this platform it cannot be opened.
type Capture struct{}

// Open returns ErrUnsupported: live capture needs linux/amd64.
func Open(opts *Options) (*Capture, error) { return nil, ErrUnsupported }

// Targets returns nothing.
func (c *Capture) Targets() []Target { return nil }

// Skipped returns nothing.
func (c *Capture) Skipped() []string { return nil }

// Next returns io.EOF.
func (c *Capture) Next() (*event.Event, error) { return nil, io.EOF }

// Stop does nothing.
func (c *Capture) Stop() {}

// Close does nothing.
func (c *Capture) Close() error { return nil }

// Stats returns zero counters.
func (c *Capture) Stats() (Stats, error) { return Stats{}, nil }
