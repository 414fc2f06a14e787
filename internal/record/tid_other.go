//go:build !linux

package record

import "os"

// gettid returns the process id where threads have no id of their own.
func gettid() uint32 { return uint32(os.Getpid()) }
