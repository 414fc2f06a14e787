package event

import (
	"fmt"
	"net/netip"
)

// Kind says what an Event reports.
type Kind uint8

const (
	// Data carries bytes written or read by the process.
	Data Kind = iota + 1
	// Close reports that the process closed the connection (or freed its
	// TLS state); everything pending on it is complete.
	Close
)

// String returns "data" or "close".
func (k Kind) String() string {
	switch k {
	case Data:
		return "data"
	case Close:
		return "close"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Dir is the direction of a Data event, seen from the traced process.
type Dir uint8

const (
	// Out bytes were written by the process (SSL_write).
	Out Dir = iota
	// In bytes were read by the process (SSL_read).
	In
)

// String returns "out" or "in".
func (d Dir) String() string {
	if d == In {
		return "in"
	}
	return "out"
}

// Other returns the opposite direction.
func (d Dir) Other() Dir { return d ^ 1 }

// ConnID names a connection. It is comparable and is the key of the
// pipeline's connection table. When Name is set (the event file's "conn"
// field) it alone names the connection and PID and FD are zero; otherwise the
// connection is the process's file descriptor. The thread id is never part of
// it: threads of one process share connections.
type ConnID struct {
	PID  uint32 // the process
	FD   int32  // its socket's file descriptor
	Name string // the event's Conn, when set
}

// String formats the id for people: "conn=NAME" or "pid=P fd=F".
func (c ConnID) String() string {
	if c.Name != "" {
		return "conn=" + c.Name
	}
	return fmt.Sprintf("pid=%d fd=%d", c.PID, c.FD)
}

// Event is one observation of a source.
//
// Data is valid only during the call that receives the Event; a receiver
// that needs the bytes later copies them.
type Event struct {
	// Kind says whether the event carries data or closes the connection.
	Kind Kind
	// Time is when the event happened, in nanoseconds on the source's
	// clock. It never decreases within one connection.
	Time uint64
	// PID and TID are the process and the thread that made the call.
	PID uint32
	TID uint32
	// FD is the socket's file descriptor in the process, -1 if unknown.
	FD int32
	// Conn, when not empty, is an opaque connection name that takes the
	// place of PID+FD in the connection's identity.
	Conn string
	// Comm is the process name, at most 15 bytes.
	Comm string
	// Lib names the TLS library or source ("openssl", "pcap", ...).
	Lib string
	// Dir says whether the process wrote (Out) or read (In) Data.
	Dir Dir
	// Src is this process's end of the connection, Dst the peer's; either
	// may be the zero AddrPort when unknown.
	Src, Dst netip.AddrPort
	// Data is the plaintext, valid only during the call that receives the
	// Event.
	Data []byte
	// OrigLen is the length the process really passed when the source kept
	// only the first len(Data) bytes; 0 means len(Data) is the whole.
	OrigLen uint32
}

// ID returns the connection the event belongs to.
func (e *Event) ID() ConnID {
	if e.Conn != "" {
		return ConnID{Name: e.Conn}
	}
	return ConnID{PID: e.PID, FD: e.FD}
}

// Lost returns how many bytes of the process's call are missing after Data.
func (e *Event) Lost() int {
	if e.Kind != Data || int64(e.OrigLen) <= int64(len(e.Data)) {
		return 0
	}
	return int(e.OrigLen) - len(e.Data)
}
