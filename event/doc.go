// Package event defines what a capture source hands to the pipeline: an
// Event is a piece of plaintext that one process wrote to, or read from, one
// connection, or the closing of that connection.
//
// The on-disk form of events (JSON Lines, see EVENTS.md) is read and written
// by package source/eventfile; this package holds only the in-memory model.
package event
