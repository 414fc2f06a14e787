// Package cli is the tapir command: its flags, logging, terminal handling
// and exit codes. It is the only package that knows the whole program;
// cmd/tapir only calls Main.
package cli
