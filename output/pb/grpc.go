package pb

import (
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tapir-dev/tapir/message"
)

// appendGRPC appends the fields of a GRPC message.
func appendGRPC(dst []byte, g *message.GRPC) []byte {
	dst = appendBytes(dst, 1, g.Service)
	dst = appendBytes(dst, 2, g.Method)
	dst = appendBool(dst, 3, g.HasStatus)
	dst = appendInt(dst, 4, int64(int32(g.Status)))
	dst = appendStr(dst, 5, g.StatusName)
	dst = appendBytes(dst, 6, g.StatusMessage)
	dst = appendBytes(dst, 7, g.Encoding)
	for i := range g.Messages {
		gm := &g.Messages[i]
		dst = protowire.AppendTag(dst, 8, protowire.BytesType)
		s := len(dst)
		dst = appendInt(dst, 1, gm.Length)
		dst = appendBool(dst, 2, gm.Compressed)
		dst = appendInt(dst, 3, gm.DecodedLength)
		dst = appendProtoFields(dst, 4, gm.Fields)
		dst = appendBytes(dst, 5, string(gm.Data))
		dst = appendInt(dst, 6, gm.Cut)
		dst = appendBool(dst, 7, gm.Partial)
		dst = appendBytes(dst, 8, gm.Err)
		dst = wrapBare(dst, s)
	}
	dst = appendInt(dst, 9, int64(g.MessagesCut))
	dst = appendBool(dst, 10, g.Lost)
	return dst
}

// appendProtoFields appends fs as repeated ProtoField field num.
func appendProtoFields(dst []byte, num protowire.Number, fs []message.ProtoField) []byte {
	for i := range fs {
		f := &fs[i]
		dst = protowire.AppendTag(dst, num, protowire.BytesType)
		s := len(dst)
		dst = appendUint(dst, 1, uint64(uint32(f.Number)))
		dst = appendUint(dst, 2, uint64(f.Wire))
		dst = appendUint(dst, 3, f.Value)
		dst = appendInt(dst, 7, f.Cut)
		// The content is a oneof: written when set, even when empty, and
		// (as proto.Marshal orders fields) after the other fields.
		switch {
		case f.Fields != nil || f.Wire == message.WireGroup:
			dst = protowire.AppendTag(dst, 6, protowire.BytesType)
			c := len(dst)
			dst = appendProtoFields(dst, 1, f.Fields)
			dst = wrapBare(dst, c)
		case f.Bytes != nil:
			dst = protowire.AppendTag(dst, 5, protowire.BytesType)
			dst = protowire.AppendBytes(dst, f.Bytes)
		case f.Wire == message.WireBytes:
			dst = protowire.AppendTag(dst, 4, protowire.BytesType)
			dst = protowire.AppendString(dst, toValidText(f.Text))
		}
		dst = wrapBare(dst, s)
	}
	return dst
}

// toValidText returns s with each byte that is not UTF-8 made U+FFFD:
// text fields are proto3 strings.
func toValidText(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return toValidUTF8(s)
		}
	}
	return s
}

// toGRPC turns a GRPC message back into a message.GRPC.
func toGRPC(x *GRPC) *message.GRPC {
	g := &message.GRPC{
		Service:       string(x.GetService()),
		Method:        string(x.GetMethod()),
		HasStatus:     x.GetHasStatus(),
		Status:        int(x.GetStatus()),
		StatusName:    x.GetStatusName(),
		StatusMessage: string(x.GetStatusMessage()),
		Encoding:      string(x.GetEncoding()),
		MessagesCut:   int(x.GetMessagesCut()),
		Lost:          x.GetLost(),
	}
	if ms := x.GetMessages(); len(ms) > 0 {
		g.Messages = make([]message.GRPCMessage, len(ms))
		for i, gm := range ms {
			g.Messages[i] = message.GRPCMessage{
				Length:        gm.GetLength(),
				Compressed:    gm.GetCompressed(),
				DecodedLength: gm.GetDecodedLength(),
				Fields:        toProtoFields(gm.GetFields()),
				Cut:           gm.GetCut(),
				Partial:       gm.GetPartial(),
				Err:           string(gm.GetError()),
			}
			if d := gm.GetData(); len(d) > 0 {
				g.Messages[i].Data = clone(d)
			}
		}
	}
	return g
}

// toProtoFields turns ProtoFields back into message.ProtoFields; nil
// when there are none.
func toProtoFields(xs []*ProtoField) []message.ProtoField {
	if len(xs) == 0 {
		return nil
	}
	fs := make([]message.ProtoField, len(xs))
	for i, x := range xs {
		f := message.ProtoField{Number: int32(x.GetNumber()), Wire: message.WireType(x.GetWireType()),
			Value: x.GetValue(), Cut: x.GetCut()}
		switch c := x.GetContent().(type) {
		case *ProtoField_Text:
			f.Text = c.Text
		case *ProtoField_Bytes:
			f.Bytes = append([]byte{}, c.Bytes...)
		case *ProtoField_Fields:
			f.Fields = toProtoFields(c.Fields.GetFields())
			if f.Fields == nil {
				f.Fields = []message.ProtoField{}
			}
		}
		fs[i] = f
	}
	return fs
}
