// Package message defines what protocol parsers produce and formatters
// render: a Message is one complete (or, when marked, partial) unit of a
// protocol — an HTTP request or response, a WebSocket message, a raw turn —
// with its decoded body, the notes on anything lost or cut, and, for a
// response, the request it answers and the latency between them.
//
// A Message handed to an emit function belongs to the receiver: parsers do
// not touch it, or any slice it holds, afterwards.
package message
