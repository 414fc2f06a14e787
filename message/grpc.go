package message

import "strconv"

// GRPC describes one half of a gRPC call — a request or a response — and
// the length-prefixed messages its body carried, each decoded without a
// schema as protoc --decode_raw does. What limits left out is counted in
// the Cut fields and said in a Limit note on the Message.
type GRPC struct {
	// Service and Method name the call, from the request's :path
	// "/package.Service/Method" (for a response, from the request it
	// answers). A path of another shape is all in Service.
	Service, Method string
	// HasStatus is set when a response carried grpc-status, in its
	// trailers or (a trailers-only response) its headers. Status is then
	// the code, StatusName its canonical name ("OK", "NOT_FOUND", or
	// "CODE(n)" for one not in the canon) and StatusMessage the
	// grpc-message, percent-decoded.
	HasStatus     bool
	Status        int
	StatusName    string
	StatusMessage string
	// Encoding is the grpc-encoding the half declared ("gzip"), or the
	// coding told by its magic number when a compressed message came
	// without one.
	Encoding string
	// Messages are the body's messages, in order.
	Messages []GRPCMessage
	// MessagesCut is the number of messages after the last one listed
	// that a limit left out.
	MessagesCut int
	// Lost is set when bytes of the body were not captured: the messages
	// after them could not be split out and are not listed.
	Lost bool
}

// GRPCMessage is one length-prefixed message of a gRPC body.
type GRPCMessage struct {
	// Length is the message's length on the wire, after its 5-byte
	// prefix.
	Length int64
	// Compressed is set when the message's compressed flag was; then
	// DecodedLength is its length decompressed (0 when it could not be).
	Compressed    bool
	DecodedLength int64
	// Fields are the message's protobuf fields, in wire order, when its
	// bytes (decompressed) parse as a protobuf message; nil for an empty
	// message or one that was not decoded (Err says why).
	Fields []ProtoField
	// Data holds the message's bytes when they were not decoded into
	// Fields: not a protobuf message, or not decompressed.
	Data []byte
	// Cut is the number of the message's bytes that neither Fields nor
	// Data show because a limit stopped them: the fields after the last
	// one listed, or the bytes after Data.
	Cut int64
	// Partial is set when the body ended inside the message.
	Partial bool
	// Err says why the message was not decoded into Fields: not a
	// protobuf message, a decompression failure, longer than the body
	// limit, the body ending inside it. It is empty when it was decoded.
	Err string
}

// WireType is a protobuf wire type, numbered as protobuf numbers them.
type WireType uint8

const (
	// WireVarint is a base-128 varint: int32, int64, uint32, uint64,
	// sint32, sint64, bool, enum.
	WireVarint WireType = 0
	// WireFixed64 is eight little-endian bytes: fixed64, sfixed64,
	// double.
	WireFixed64 WireType = 1
	// WireBytes is length-delimited: string, bytes, an embedded message,
	// a packed repeated field.
	WireBytes WireType = 2
	// WireGroup is a group (start-group tag to end-group tag), a
	// deprecated form of embedded message.
	WireGroup WireType = 3
	// WireFixed32 is four little-endian bytes: fixed32, sfixed32, float.
	WireFixed32 WireType = 5
)

// String returns "varint", "fixed64", "bytes", "group" or "fixed32".
func (w WireType) String() string {
	switch w {
	case WireVarint:
		return "varint"
	case WireFixed64:
		return "fixed64"
	case WireBytes:
		return "bytes"
	case WireGroup:
		return "group"
	case WireFixed32:
		return "fixed32"
	}
	return "wire(" + strconv.Itoa(int(w)) + ")"
}

// ProtoField is one field of a protobuf message decoded without its
// schema: its number, its wire type and its value as the wire shows it.
type ProtoField struct {
	// Number is the field number, from 1 to 2^29-1.
	Number int32
	// Wire is the field's wire type.
	Wire WireType
	// Value is the value of a varint, fixed64 or fixed32 field, as an
	// unsigned integer (what a signed, zigzag or floating-point field
	// holds is these bits read as such).
	Value uint64
	// A bytes field holds exactly one of these: Text when its bytes are
	// printable UTF-8 (an empty value is an empty Text); else Fields,
	// non-nil, when they parse as a protobuf message; else Bytes,
	// non-nil. A group holds Fields, non-nil.
	Text   string
	Bytes  []byte
	Fields []ProtoField
	// Cut is the number of the value's bytes that Text, Bytes or Fields
	// do not show because a limit stopped them.
	Cut int64
}
