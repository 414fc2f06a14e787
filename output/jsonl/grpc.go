package jsonl

import (
	"encoding/base64"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/tapir-dev/tapir/message"
)

// appendGRPC appends the "grpc" member: the call, its status and the
// body's messages decoded.
func appendGRPC(e *enc, g *message.GRPC) {
	e.key("grpc")
	e.open('{')
	e.strIf("service", g.Service)
	e.strIf("method", g.Method)
	if g.HasStatus {
		e.int("status", int64(g.Status))
		e.str("status_name", g.StatusName)
	}
	e.strIf("status_message", g.StatusMessage)
	e.strIf("encoding", g.Encoding)
	if len(g.Messages) > 0 {
		e.key("messages")
		e.open('[')
		for i := range g.Messages {
			e.elem()
			appendGRPCMessage(e, &g.Messages[i])
		}
		e.close(']')
	}
	if g.MessagesCut != 0 {
		e.int("messages_cut", int64(g.MessagesCut))
	}
	e.trueIf("lost", g.Lost)
	e.close('}')
}

// appendGRPCMessage appends one message of a gRPC body as an object.
func appendGRPCMessage(e *enc, gm *message.GRPCMessage) {
	e.open('{')
	e.int("length", gm.Length)
	e.trueIf("compressed", gm.Compressed)
	if gm.DecodedLength != 0 {
		e.int("decoded_length", gm.DecodedLength)
	}
	e.trueIf("partial", gm.Partial)
	e.strIf("error", gm.Err)
	if len(gm.Data) > 0 {
		appendPayload(e, gm.Data)
	}
	if gm.Fields != nil {
		appendProtoFields(e, gm.Fields)
	}
	if gm.Cut != 0 {
		e.int("cut", gm.Cut)
	}
	e.close('}')
}

// appendProtoFields appends the "fields" member: an array of fields, each
// without nested fields on one line in pretty mode.
func appendProtoFields(e *enc, fs []message.ProtoField) {
	e.key("fields")
	e.open('[')
	for i := range fs {
		f := &fs[i]
		e.elem()
		if f.Fields == nil && f.Wire != message.WireGroup {
			e.b = appendLeafField(e.b, f, e.pretty)
			continue
		}
		e.open('{')
		e.int("number", int64(f.Number))
		e.str("wire_type", f.Wire.String())
		appendProtoFields(e, f.Fields)
		if f.Cut != 0 {
			e.int("cut", f.Cut)
		}
		e.close('}')
	}
	e.close(']')
}

// appendLeafField appends a field without nested fields as a one-line
// object: {"number":1,"wire_type":"varint","value":150}.
func appendLeafField(dst []byte, f *message.ProtoField, pretty bool) []byte {
	sep := ","
	if pretty {
		sep = ", "
	}
	dst = append(dst, `{"number":`...)
	if pretty {
		dst = append(dst, ' ')
	}
	dst = strconv.AppendInt(dst, int64(f.Number), 10)
	dst = appendMember(dst, sep, "wire_type", pretty)
	dst = appendString(dst, f.Wire.String())
	switch {
	case f.Wire != message.WireBytes:
		dst = appendMember(dst, sep, "value", pretty)
		dst = strconv.AppendUint(dst, f.Value, 10)
		// The bits read as a floating-point number, which is what fixed
		// fields most often hold (and which a reader whose numbers are
		// doubles could not recover from a value past 2^53).
		switch f.Wire {
		case message.WireFixed64:
			if v := math.Float64frombits(f.Value); !math.IsNaN(v) && !math.IsInf(v, 0) {
				dst = appendMember(dst, sep, "double", pretty)
				dst = strconv.AppendFloat(dst, v, 'g', -1, 64)
			}
		case message.WireFixed32:
			if v := math.Float32frombits(uint32(f.Value)); !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) {
				dst = appendMember(dst, sep, "float", pretty)
				dst = strconv.AppendFloat(dst, float64(v), 'g', -1, 32)
			}
		}
	case f.Bytes != nil:
		dst = appendMember(dst, sep, "base64", pretty)
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, f.Bytes)
		dst = append(dst, '"')
	default:
		dst = appendMember(dst, sep, "text", pretty)
		dst = appendString(dst, f.Text)
	}
	if f.Cut != 0 {
		dst = appendMember(dst, sep, "cut", pretty)
		dst = strconv.AppendInt(dst, f.Cut, 10)
	}
	return append(dst, '}')
}

// appendMember appends a separator and `"k":`.
func appendMember(dst []byte, sep, k string, pretty bool) []byte {
	dst = append(dst, sep...)
	dst = append(dst, '"')
	dst = append(dst, k...)
	dst = append(dst, '"', ':')
	if pretty {
		dst = append(dst, ' ')
	}
	return dst
}

// appendPayload appends bytes as "text" when they are printable UTF-8,
// else as "base64".
func appendPayload(e *enc, p []byte) {
	if printable(p) {
		e.key("text")
		e.b = appendString(e.b, p)
		return
	}
	e.key("base64")
	e.b = append(e.b, '"')
	e.b = base64.StdEncoding.AppendEncode(e.b, p)
	e.b = append(e.b, '"')
}

// printable reports whether p is valid UTF-8 without control characters
// other than tab, newline and carriage return.
func printable(p []byte) bool {
	for _, c := range p {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return utf8.Valid(p)
}
