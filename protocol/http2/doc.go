// Package http2 parses HTTP/2 connections (RFC 9113) into messages: each
// request and response once its stream's half ends, with its headers
// decoded by HPACK state kept for the connection's whole life, its body
// reassembled from DATA frames and content-decoded (protocol/body), gRPC
// bodies split into messages and rendered (protocol/grpc), each response
// paired with its request by stream id, and the WebSockets that extended
// CONNECT streams carry (RFC 8441) handed to the websocket parser.
//
// # Detection
//
// Detect recognises the client preface, and, on a connection first seen
// mid-stream, frames: two consecutive plausible frame headers, or a whole
// SETTINGS frame (what a server sends first). The parser then finds frame
// boundaries in each direction the same way, skipping (and showing, marked)
// the tail of a frame whose start was not seen.
//
// # Frames and HPACK
//
// Frames are buffered per direction until whole (up to Limits.MaxBuffer;
// a longer DATA frame is taken as it comes) and parsed with
// golang.org/x/net/http2's Framer. Header blocks (HEADERS or PUSH_PROMISE
// and their CONTINUATION frames, split anywhere) are decoded with an HPACK
// decoder of this package, one per direction, built on hpack's Huffman
// code: unlike hpack.Decoder it goes on past a reference to a dynamic-table
// entry it never saw (a connection first seen mid-stream), naming that
// field "<unknown>" and keeping the rest of the block and the table right.
// SETTINGS_HEADER_TABLE_SIZE sent by one side bounds the table of the
// other side's encoder; SETTINGS_MAX_FRAME_SIZE likewise.
//
// # Messages
//
// Requests and responses carry Proto "http2" and an HTTP head with
// Version "HTTP/2", the pseudo-headers among the headers in wire order,
// Method, Target (:path, or :authority for CONNECT) and Status taken from
// them, Trailers, and Stream. Interim (1xx) responses are messages of
// their own; RST_STREAM ends a stream's halves, partial, with its error
// code noted; pushed requests (PUSH_PROMISE) are requests sent by the
// server. Connection-level frames are not messages unless Config.Frames is
// set, when every frame is also a message.Frame message describing it;
// Parser.Stats counts them by type either way.
//
// # WebSocket over HTTP/2
//
// An extended CONNECT (RFC 8441) asks for a WebSocket on its stream:
// :method CONNECT with :protocol websocket, the stream left open. When
// Config.Lookup finds a "websocket" parser, the request is emitted as
// soon as its HEADERS end, and so is the server's 2xx response (noted as
// handing the stream over), since neither half ends before the WebSocket
// does. The parser is then made with Config.Upgrade holding the two heads
// (the server's direction, and the response's Sec-WebSocket-Extensions
// and Sec-WebSocket-Protocol for the negotiation) and is fed each DATA
// payload of the stream, padding left out, in the direction it travelled;
// its messages (Proto "websocket") get the stream's id in WS.Stream. A
// gap inside a DATA frame is passed on as is; a gap that takes the frame
// boundaries tells each WebSocket of that direction that bytes were lost
// without saying how many (websocket.Parser.Lost), so that it looks for
// its next frame header. The parser is flushed when both halves of the
// stream have ended, on RST_STREAM, and when the connection ends.
//
// DATA the client sends before the response is held (within the buffer
// budget below) and fed once the 2xx comes; a response that refuses the
// WebSocket is an ordinary response, and what the client sent is shown as
// a message of the stream. Without a websocket parser in the list (or
// with Config.Lookup nil), or for an extended CONNECT whose :method or
// :protocol refer to HPACK entries never seen, the stream is an ordinary
// one: its DATA are the bodies of its request and response.
//
// # Limits
//
// Header blocks are bounded by Limits.MaxHeaders and MaxHeaderBytes (past
// them fields are dropped, counted and noted; the HPACK table is kept
// right), a connection follows at most DefaultMaxStreams streams at once,
// and the wire bytes kept for hex dumps of the messages in progress, with
// the DATA a client sends before its extended CONNECT is answered, share
// a budget of Limits.MaxBuffer. At most DefaultMaxTunnels WebSockets are
// decoded at once per connection, each holding what a WebSocket parser
// holds for a connection of its own; past that, a stream's response says
// so (a limit note) and its DATA are shown as they are.
package http2
