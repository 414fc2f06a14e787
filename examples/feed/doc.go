// Command feed shows how a Go program that captures plaintext its own way
// (its own eBPF program, a proxy, a test harness) feeds tapir's pipeline
// and gets every decoded message back.
//
// It builds a pipeline with options (shards, limits, idle timeout, an
// output callback), pushes data and close events of two connections — an
// HTTP/1.1 exchange and a pipelined Redis session — and closes the
// pipeline, which flushes what is pending. It then runs the same events
// again as a source.Source, writing them through output.NewWriter with the
// text formatter, and a third time through a formatter of its own that
// also implements output.Finisher.
//
//	go run ./examples/feed
package main
