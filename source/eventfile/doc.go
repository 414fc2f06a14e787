// Package eventfile reads and writes event files: the JSON Lines format of
// EVENTS.md that `tapir capture --write` records and `tapir read` replays.
package eventfile
