// Package websocket decodes WebSocket connections (RFC 6455) into
// messages: every message of each direction, reassembled from its
// fragments, unmasked and inflated (permessage-deflate, RFC 7692), each
// emitted the moment its last frame ends; every control frame (ping,
// pong, close with its status code and reason) as a message of its own;
// and, when protocol.Config.Frames is set, every frame too.
//
// # Where a connection comes from
//
// HTTP/1 hands a connection over after 101 Switching Protocols: the
// parser is made by Spec.New with protocol.Config.Upgrade set, so it
// knows which side is the server and what Sec-WebSocket-Extensions and
// Sec-WebSocket-Protocol the handshake settled, and reads frames from the
// first byte after the 101 head (bytes in the same event included).
//
// A connection first seen after its handshake is recognised by Detect
// from the structure of its frames: two plausible frames in a row, or a
// frame in each direction that ends where the bytes seen so far end, with
// the client's frames masked and the server's not. Such a parser learns
// the sides from the masking, takes RSV1 to mean permessage-deflate, and
// looks for a frame header in each direction before it parses.
//
// WebSocket over HTTP/2 (RFC 8441): the HTTP/2 parser makes one Parser
// per extended CONNECT stream whose :protocol is websocket, once the
// server's 2xx response came — through Spec.New with
// protocol.Config.Upgrade holding the stream's request and response
// heads, as protocol/http2 does, or with NewWith — and feeds it the
// payload of each DATA frame of the stream in the direction it
// travelled; Lost tells it of bytes lost in a number it cannot know.
//
// # Messages
//
// A data message has type message.Data, protocol "websocket", and a
// message.WebSocket in Message.WS: its opcode ("text", "binary"), how
// many frames it came in, whether it was compressed. Its Body holds the
// payload, unmasked and inflated, with Body.Size the payload's length on
// the wire and Body.DecodedSize its length inflated; Body.Binary is set
// for binary messages. Message.Raw holds the frames as they crossed the
// wire, headers included. A close frame's code and reason are in
// WebSocket.CloseCode and CloseReason; a ping's or pong's payload is its
// Body.
//
// # Compression
//
// Each direction inflates with its own sliding window, kept across
// messages unless that side's *_no_context_takeover was negotiated, and
// sized by its *_max_window_bits. A connection first seen mid-stream
// starts with an empty window: a message that refers to data from before
// it cannot be inflated, and says so in a gap note; once a message
// inflates, it and what follows fill the window, and later messages are
// inflated as usual. The window is never filled with bytes that are not
// known to be right: after a message that cannot be inflated it is
// emptied, so a later one is either inflated exactly or marked.
//
// # Loss, errors and limits
//
// Protocol errors (RSV bits, reserved opcodes, unmasked client frames,
// long or fragmented control frames, a continuation with no message) are
// reported in error notes on the frame's message; the frame is skipped by
// its length and the connection goes on. A gap (Parser.Gap) inside a
// payload cuts that message (a compressed one cannot then be inflated);
// elsewhere the direction looks for the next frame header, and the bytes
// it skips are emitted as a partial message with a gap note. A compressed
// message is held until its last frame, up to Limits.MaxBuffer, and
// inflated up to Limits.MaxBody; past either, it is marked with a limit
// note and the window is emptied. Body.Data and Message.Raw keep at most
// the display limit. Memory stays bounded whatever a peer sends: nothing
// is allocated ahead of a frame's bytes beyond 64 KiB, and at most 256
// KiB is held while a direction looks for a frame header.
package websocket
