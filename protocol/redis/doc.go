// Package redis decodes the Redis serialisation protocol, RESP2 and RESP3:
// commands (arrays of bulk strings, or inline lines as typed into telnet)
// and replies of every RESP3 type, paired in order, pipelining included.
//
// It is tapir's worked example of a parser written only against the public
// API (packages event, message and protocol); docs/extending.md walks
// through it. Spec is registered in protocol/builtin's default list.
//
// Each command is emitted as a Request whose body reads like the command
// line ("SET greeting \"hello world\""); each reply as a Response whose
// body reads like RESP ("+OK", ":42", "\"value\"", numbered elements of
// aggregates), with the command it answers and the latency. Replies are
// paired with commands first in, first out. Pushes (RESP3 '>' frames,
// RESP2 pub/sub messages) and MONITOR output are not replies: they are
// emitted as Data. Subscription confirmations answer their (P|S)SUBSCRIBE
// or (P|S)UNSUBSCRIBE, one per channel. CLIENT REPLY OFF|SKIP|ON is
// honoured.
//
// Memory is bounded: the bytes kept of a message's values, the elements
// kept of its aggregates, its wire bytes kept for display and the commands
// waiting for a reply have caps derived from protocol.Limits (MaxBuffer,
// and Display when smaller); the nesting depth (128), a line (64 KiB, as
// Redis caps inline commands), bulk lengths and counts have fixed ones.
// Whatever is cut is counted in the message (Body.Cut) and, when a limit
// rather than the display size cut it, noted. After a gap or bytes that
// are not RESP the parser skips to the next line that can start a value,
// emits what it skipped with a note, and marks replies paired by order
// from then on as uncertain until the connection is quiet again.
package redis
