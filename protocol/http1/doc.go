// Package http1 parses HTTP/1.0 and HTTP/1.1 connections into messages:
// every request and response of a connection, keep-alive and pipelined,
// each emitted the moment its last byte arrives, with its body de-chunked
// and content-decoded (package protocol/body), and each response paired
// with its request and the latency between them.
//
// Spec detects the protocol from a request line with a registered method
// or a status line, in either direction: the direction that sends requests
// is the client, whether that is the traced process's output (a client) or
// its input (a server). Parser is the incremental parser of one
// connection; it takes bytes cut anywhere and never panics.
//
// # Framing
//
// A body is delimited by Content-Length, by chunked transfer coding (with
// chunk extensions and trailers), or, for a response, by the end of the
// connection: complete when it closes (protocol.Closed), with an Info
// note saying that the close ended it, partial when it is flushed for any
// other reason. Responses to HEAD, 1xx, 204, 304 and
// 2xx responses to CONNECT have no body. Interim (1xx) responses are
// emitted and paired like any other, and do not consume their request. A
// request with Expect: 100-continue whose server answered with a final
// status may go on without its body.
//
// # Upgrades
//
// After 101 Switching Protocols the connection is handed to the parser
// protocol.Config.Lookup finds for it ("websocket", or "http2" for h2c),
// else to the raw parser, with a note on the 101; after a 2xx to CONNECT,
// to the raw parser. The bytes the client sent after its request, held
// until the response said what they are, and the server's bytes after the
// response head go to the new parser.
//
// # Loss, errors and limits
//
// What the parser cannot take is marked, never dropped silently. A gap
// (Parser.Gap) inside a body of known length only cuts that body; a gap
// elsewhere, or bytes that cannot be parsed, end the message in progress
// as partial, with a Gap or Error note, and the direction skips to the
// next line that starts a request (in a client's direction) or status
// line (in a server's). Skipped bytes are emitted as a partial message of
// type Data. Tolerated irregularities (bare LF, obs-fold, whitespace
// before a colon) get Info notes; limits (Limits.MaxHeaderBytes,
// MaxHeaders, MaxBody) Limit notes. Parser.Stats counts it all.
//
// Responses are paired with requests first in, first out. A gap that may
// have swallowed whole messages, in either direction, can put that pairing
// off by one: the responses paired while it may be get an Info note saying
// so (Stats.Doubtful), until the directions are seen in step again.
//
// Memory stays bounded whatever the input: an unfinished head, chunk-size
// line or trailer section is held up to MaxHeaderBytes (lowered to
// MaxBuffer when that is smaller, as the notes then say), the bytes after
// an upgrade request up to MaxBuffer; Message.Raw keeps at most the
// display limit (MaxBuffer when there is none) and a body is decoded as
// it arrives, never past MaxBody. A Content-Length of any size allocates
// nothing ahead of its bytes.
//
// Header names, values, method and target of a message share one copy of
// its head: the start of the message's Raw, when the display limit keeps
// the whole head. The Body.Data of a body without content coding may share
// memory with Raw too. Raw, like the rest of a message, is read-only.
package http1
