// Package output turns messages into bytes and delivers them. Formatters
// (output/text, output/jsonl, output/pb, output/har) encode one message at
// a time; sinks (output/sink) are where the bytes go.
package output
