// Package har formats HTTP exchanges as a HAR 1.2 document (HTTP
// Archive), which browsers' developer tools and HAR viewers open.
//
// Each request is paired with its response into an entry: URL, headers,
// cookies, query, posted data, the response's content (text, or base64
// with "encoding"), and timings derived from the captured times (send:
// the request's first to last byte; wait: to the response's first byte;
// receive: to its last). A WebSocket handshake's entry carries the
// connection's messages in "_webSocketMessages", the extension Chrome
// writes and reads. What tapir adds of its own is under names that start
// with "_", as the format asks.
//
// A HAR document is one JSON object, so it is complete only after
// Finish (output.Finisher); the sink.Writer calls it at Close and, for
// rotated files, at each rotation (Reset starts the next document).
package har
