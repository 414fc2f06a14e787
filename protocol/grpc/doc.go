// Package grpc decodes gRPC messages out of the body of an HTTP/2 stream:
// it splits the body into its length-prefixed messages (undoing their
// grpc-encoding compression) and renders each protobuf message without a
// schema, as protoc --decode_raw does: field numbers, wire types, varints,
// fixed values, nested messages where the bytes parse as one and strings
// where they are printable.
//
// The HTTP/2 parser (protocol/http2) uses a Reader for every stream whose
// content-type is application/grpc; the rendering becomes the message's
// Body, as text, and the decoded structure its GRPC (message.GRPC: the
// call from SplitPath, the status from SetStatus, each message's fields
// from Fields), which the JSON and protobuf formats carry.
package grpc
