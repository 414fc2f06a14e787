// Package raw is the fallback parser: it shows a connection whose protocol
// no detector recognised as a series of turns, a turn being the bytes of one
// direction until the other direction speaks, the connection closes or goes
// idle.
package raw
