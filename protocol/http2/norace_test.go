//go:build !race

package http2_test

// raceEnabled is set when the race detector is on: the slowest tests
// then do a sample of their work.
const raceEnabled = false
