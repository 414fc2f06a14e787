// Package protocol defines how the pipeline recognises the protocol of a
// connection and turns its bytes into messages: a Spec names a protocol,
// detects it from the first bytes of the connection, and makes the Parser
// that owns the connection's bytes for the rest of its life.
//
// Detection is ordered: a List is tried front to back and the first Spec to
// say Yes, after every Spec before it said No, wins. This package imports no
// protocol; package protocol/builtin holds tapir's default list.
package protocol
