package record

import "syscall"

// gettid returns the id of the calling thread.
func gettid() uint32 { return uint32(syscall.Gettid()) }
