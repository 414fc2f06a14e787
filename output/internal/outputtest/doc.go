// Package outputtest holds the messages that the text and JSON Lines
// formatters' tests and benchmarks render, so that both packages' golden
// files and benchmark results describe the same inputs.
//
// It is for tests only: nothing outside their _test.go files imports it.
package outputtest
