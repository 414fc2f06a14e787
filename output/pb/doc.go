// Package pb formats messages as protobuf records that eCapture's readers
// understand, and reads such streams back.
//
// Each message becomes one LogEntry (tapir.proto, generated into this
// package) whose Event carries eCapture's fields 1-11 — times, addresses,
// process, a type numbered as eCapture numbers its parsers, and the
// message as displayed — and, in field 100, tapir's whole structure:
// heads, body description, the request a response answers, latency,
// notes. On a byte stream each record is preceded by its length as a
// varint (docs/protobuf.md); a sink that carries records whole, such as a
// WebSocket, takes them bare (Options.Bare).
//
// The Formatter encodes by hand with protowire into the caller's buffer,
// allocating nothing; tests check that its bytes are what proto.Marshal
// makes of the same LogEntry. The generated types are for readers: Reader
// splits a stream and Message turns an Event back into a message.Message.
package pb
