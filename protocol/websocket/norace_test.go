//go:build !race

package websocket_test

// raceEnabled is set when the race detector is on: the slowest tests
// then do a sample of their work.
const raceEnabled = false
