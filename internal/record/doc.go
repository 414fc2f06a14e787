// Package record makes event files from real programs, for tests: a Conn
// that records what its own process writes and reads on a net.Conn, and a
// TCP Proxy that records each client's traffic as the client itself sees
// it, with the client's real process id, name and file descriptor found
// through /proc.
//
// Events carry the time they were recorded (time.Now), never decreasing in
// the order they are written, so an event file made here replays like a
// capture.
package record
