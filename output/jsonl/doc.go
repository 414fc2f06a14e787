// Package jsonl formats messages as JSON Lines for machines: one JSON
// object a message, a line each, in the schema of docs/json.md.
//
// The encoder appends bytes by hand rather than reflecting over the
// message, so formatting allocates nothing in steady state, and it escapes
// every string itself, so each line is valid JSON whatever bytes the
// capture held: invalid UTF-8 in a string becomes U+FFFD, and a body that
// is binary or not UTF-8 is carried as base64 instead of text.
package jsonl
