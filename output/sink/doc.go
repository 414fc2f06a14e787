// Package sink opens where formatted output goes — standard output, a
// file (rotated or not), a TCP peer, or the clients of a WebSocket server
// — named by one target string as given on the command line, and writes
// formatted messages there (Writer).
//
// A target is "-" (or empty) for standard output, "tcp://HOST:PORT" or
// "ws://HOST:PORT/PATH" for a network sink, or a file path. Files are
// created readable and writable by their owner only, since captured
// plaintext holds secrets; for the same reason the WebSocket server binds
// the loopback address unless given another host, and serves only
// clients that present its token.
//
// Network sinks never block the pipeline for long: records wait in a
// bounded buffer, and what does not fit, or is left when Close gives up,
// is dropped and counted (Stats).
package sink
