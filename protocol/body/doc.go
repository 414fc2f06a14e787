// Package body decodes the payload of an HTTP message for display: it undoes
// the content codings named by Content-Encoding (gzip, deflate in its zlib
// and raw forms, br, zstd, and any stack of them), stops a decompression
// bomb at a hard limit on the decoded size, keeps the part of the result
// that the display limit allows, and says whether the result is text.
//
// It is shared by the HTTP/1 and HTTP/2 parsers. A Decoder takes a body's
// bytes as they arrive, so a parser never has to hold a whole compressed
// body: decoding runs alongside framing and memory stays bounded by the
// limits whatever the input.
package body
