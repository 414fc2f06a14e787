package sink

import (
	"fmt"
	"strings"
	"time"
)

// Options configure the sinks that OpenWith opens. The zero value of each
// field means its default; a nil *Options means all defaults.
type Options struct {
	// RotateSize starts a new file before one would grow past this many
	// bytes; 0 never. With rotation on, file names carry a timestamp.
	RotateSize int64
	// RotateEvery starts a new file when the current one is this old (at
	// the next record); 0 never.
	RotateEvery time.Duration

	// Buffer bounds the bytes a network sink holds: for TCP, what waits
	// for the connection (default 16 MiB); for a WebSocket, what waits
	// for each client (default 4 MiB). Past it records are dropped and
	// counted (TCP) or the slow client is disconnected (WebSocket).
	Buffer int
	// WriteTimeout bounds one write to a peer; a TCP connection or a
	// WebSocket client that takes longer is dropped. Default 10s.
	WriteTimeout time.Duration
	// CloseTimeout bounds how long Close waits for queued records to be
	// delivered; what is left then is dropped and counted. Default 5s.
	CloseTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between TCP connection
	// attempts, which doubles from MinBackoff up to MaxBackoff. Defaults
	// 100ms and 10s.
	MinBackoff, MaxBackoff time.Duration

	// Token is the secret WebSocket clients present, as "Authorization:
	// Bearer TOKEN" or a "token" query parameter; empty means a random
	// one is made (see WebSocket.Token).
	Token string
	// Binary sends records as binary WebSocket messages (protobuf),
	// otherwise as text.
	Binary bool
	// OriginPatterns are the browser origins (host patterns, as
	// github.com/coder/websocket takes them) allowed besides the server's
	// own host. Clients that send no Origin, which is all but browsers,
	// are not checked.
	OriginPatterns []string

	// Logf, when set, is told of connections, disconnections and
	// rotations, one line each, for the command to show.
	Logf func(format string, args ...any)
}

func (o *Options) withDefaults(buffer int) Options {
	var d Options
	if o != nil {
		d = *o
	}
	if d.Buffer <= 0 {
		d.Buffer = buffer
	}
	if d.WriteTimeout <= 0 {
		d.WriteTimeout = 10 * time.Second
	}
	if d.CloseTimeout <= 0 {
		d.CloseTimeout = 5 * time.Second
	}
	if d.MinBackoff <= 0 {
		d.MinBackoff = 100 * time.Millisecond
	}
	if d.MaxBackoff < d.MinBackoff {
		d.MaxBackoff = max(10*time.Second, d.MinBackoff)
	}
	if d.Logf == nil {
		d.Logf = func(string, ...any) {}
	}
	return d
}

// Stats counts what a sink delivered and what it lost. Sinks that can
// lose nothing (standard output, a file) have none.
type Stats struct {
	// Kind is "tcp", "websocket" or "file".
	Kind string
	// Records and Bytes were handed to the sink.
	Records, Bytes uint64
	// DroppedRecords and DroppedBytes were not delivered: the TCP buffer
	// was full or still held them at Close, or (WebSocket) the client
	// they were for was too slow; counted once for each client missing
	// them.
	DroppedRecords, DroppedBytes uint64
	// Connects and Disconnects count TCP connections made and lost, or
	// WebSocket clients that came and went.
	Connects, Disconnects uint64
	// Slow counts WebSocket clients disconnected for being too slow;
	// Refused those turned away for a missing or wrong token.
	Slow, Refused uint64
	// Files counts the files a rotating file sink opened.
	Files uint64
}

// Lossy reports whether anything was dropped.
func (s Stats) Lossy() bool { return s.DroppedRecords > 0 || s.Slow > 0 }

// String formats the counters on one line for people.
func (s Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s sink: %d records (%d bytes), %d dropped (%d bytes)", s.Kind, s.Records, s.Bytes, s.DroppedRecords, s.DroppedBytes)
	switch s.Kind {
	case "tcp":
		fmt.Fprintf(&b, ", %d connections, %d lost", s.Connects, s.Disconnects)
	case "websocket":
		fmt.Fprintf(&b, ", %d clients, %d slow ones dropped, %d refused", s.Connects, s.Slow, s.Refused)
	case "file":
		fmt.Fprintf(&b, ", %d files", s.Files)
	}
	return b.String()
}

// RecordWriter is implemented by sinks that take records whole: each
// call is one formatted message (or heartbeat), which the sink keeps in
// one piece — one WebSocket message, one unit the TCP buffer keeps or
// drops, never split across rotated files. WriteRecord does not keep p.
type RecordWriter interface {
	WriteRecord(p []byte) error
}
