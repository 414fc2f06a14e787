//go:build !linux

package ebpf

// Discover returns ErrUnsupported: it reads Linux's /proc.
func Discover() ([]Target, error) { return nil, ErrUnsupported }
