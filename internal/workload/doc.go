// Package workload generates realistic, deterministic event streams for
// benchmarks and tests: many processes talking over many connections, their
// events interleaved as a live capture would see them.
//
// Each Kind names a workload (keepalive, churn, binary). Generate hands its
// events one at a time to a callback; Collect gathers them in memory; the
// gen command (internal/workload/cmd/gen) writes them to an event file. The
// same Kind, Config and seed always give the same events, byte for byte.
package workload
