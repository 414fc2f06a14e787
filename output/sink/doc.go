// Package sink opens where formatted output goes: standard output or a
// file, named by one target string as given on the command line.
//
// A target is "-" (or empty) for standard output, "scheme://..." for a
// network sink, or a file path. Files are created readable and writable by
// their owner only, since captured plaintext holds secrets.
package sink
