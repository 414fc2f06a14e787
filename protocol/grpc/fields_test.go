package grpc

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// Field constructors for the expected values.
func varintF(n int32, v uint64) message.ProtoField {
	return message.ProtoField{Number: n, Wire: message.WireVarint, Value: v}
}

func textF(n int32, s string) message.ProtoField {
	return message.ProtoField{Number: n, Wire: message.WireBytes, Text: s}
}

func msgF(n int32, fs ...message.ProtoField) message.ProtoField {
	if fs == nil {
		fs = []message.ProtoField{}
	}
	return message.ProtoField{Number: n, Wire: message.WireBytes, Fields: fs}
}

func TestFields(t *testing.T) {
	// deep is a message nested 40 levels: 1 { 1 { ... 1: 150 } }.
	deep := []byte(pbVarint)
	for range 40 {
		deep = append([]byte{0x0a, byte(len(deep))}, deep...)
	}
	deepWant := message.ProtoField{Number: 1, Wire: message.WireBytes, Bytes: deep[2+2*(maxDepth-1)+2:]}
	for range maxDepth {
		deepWant = msgF(1, deepWant)
	}
	tests := []struct {
		name, in  string
		maxFields int
		maxBytes  int
		want      []message.ProtoField
		cut       int64
	}{
		{name: "varint", in: pbVarint, want: []message.ProtoField{varintF(1, 150)}},
		{name: "string", in: pbString, want: []message.ProtoField{textF(2, "testing")}},
		{name: "nested", in: pbNested, want: []message.ProtoField{msgF(3, varintF(1, 150))}},
		{name: "fixed64", in: pbFixed64, want: []message.ProtoField{{Number: 4, Wire: message.WireFixed64, Value: 0x3ff0000000000000}}},
		{name: "fixed32", in: pbFixed32, want: []message.ProtoField{{Number: 5, Wire: message.WireFixed32, Value: 0x3f800000}}},
		{name: "group", in: pbGroup, want: []message.ProtoField{{Number: 6, Wire: message.WireGroup, Fields: []message.ProtoField{varintF(1, 1)}}}},
		{name: "bytes", in: pbBytes, want: []message.ProtoField{{Number: 7, Wire: message.WireBytes, Bytes: []byte{0xff, 0, 1}}}},
		{name: "empty string", in: "\x12\x00", want: []message.ProtoField{textF(2, "")}},
		// 8: -1 as int64 takes ten bytes.
		{name: "negative varint", in: "\x40\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", want: []message.ProtoField{varintF(8, 1<<64-1)}},
		{name: "field after group", in: pbGroup + pbVarint, want: []message.ProtoField{
			{Number: 6, Wire: message.WireGroup, Fields: []message.ProtoField{varintF(1, 1)}}, varintF(1, 150)}},
		{name: "all", in: pbVarint + pbString + pbNested, want: []message.ProtoField{varintF(1, 150), textF(2, "testing"), msgF(3, varintF(1, 150))}},
		{name: "empty", in: "", want: nil},
		{name: "too deep: bytes", in: string(deep), want: []message.ProtoField{deepWant}},
		// Limits.
		{name: "field limit", in: pbVarint + pbString + pbVarint, maxFields: 2,
			want: []message.ProtoField{varintF(1, 150), textF(2, "testing")}, cut: 3},
		{name: "field limit inside a nested message", in: pbNested + pbVarint, maxFields: 1,
			want: []message.ProtoField{{Number: 3, Wire: message.WireBytes, Fields: []message.ProtoField{}, Cut: 3}}, cut: 3},
		{name: "field limit inside a group", in: "\x33\x08\x01\x08\x02\x34" + pbVarint, maxFields: 2,
			want: []message.ProtoField{{Number: 6, Wire: message.WireGroup, Fields: []message.ProtoField{varintF(1, 1)}, Cut: 2}}, cut: 3},
		// "héllo" cut after 2 bytes keeps "h": é is two bytes.
		{name: "text cut at a character", in: "\x12\x06h\xc3\xa9llo", maxBytes: fieldCost + 2,
			want: []message.ProtoField{{Number: 2, Wire: message.WireBytes, Text: "h", Cut: 5}}},
		{name: "bytes cut", in: pbBytes + pbVarint, maxBytes: fieldCost + 1,
			want: []message.ProtoField{{Number: 7, Wire: message.WireBytes, Bytes: []byte{0xff}, Cut: 2}}, cut: 3},
		{name: "bytes cut to nothing", in: pbBytes, maxBytes: fieldCost,
			want: []message.ProtoField{{Number: 7, Wire: message.WireBytes, Bytes: []byte{}, Cut: 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !Valid([]byte(tt.in)) {
				t.Fatalf("Valid(%q) = false", tt.in)
			}
			maxFields, maxBytes := tt.maxFields, tt.maxBytes
			if maxFields == 0 {
				maxFields = MaxFields
			}
			if maxBytes == 0 {
				maxBytes = 1 << 20
			}
			in := []byte(tt.in)
			got, cut := Fields(in, maxFields, maxBytes)
			clear(in) // the fields hold copies
			// (cmp takes exponential time on deep differences.)
			if !reflect.DeepEqual(tt.want, got) {
				t.Errorf("fields\n got %+v\nwant %+v", got, tt.want)
			}
			if cut != tt.cut {
				t.Errorf("cut %d; want %d", cut, tt.cut)
			}
		})
	}
}

// TestFieldsMatchText checks that the structure and the text rendering
// agree on what each bytes field is, over the recorded messages' shapes.
func TestFieldsMatchText(t *testing.T) {
	for _, in := range []string{pbVarint + pbString + pbNested + pbFixed64 + pbFixed32 + pbGroup + pbBytes,
		"\x0a\x0f\x0a\x02id\x12\x09\x11\x00\x00\x00\x00\x00\x00\x45\x40"} {
		fs, _ := Fields([]byte(in), MaxFields, 1<<20)
		var b []byte
		b = appendStructure(b, fs, 0)
		if want := string(AppendProto(nil, []byte(in), 1<<20)); string(b) != want {
			t.Errorf("structure renders\n%s\nwant\n%s", b, want)
		}
	}
}

// appendStructure renders fields as AppendProto does, for
// TestFieldsMatchText.
func appendStructure(dst []byte, fs []message.ProtoField, indent int) []byte {
	for _, f := range fs {
		dst = append(dst, strings.Repeat("  ", indent)...)
		dst = append(dst, []byte(itoa(uint64(f.Number)))...)
		switch {
		case f.Fields != nil:
			dst = append(dst, " {\n"...)
			dst = appendStructure(dst, f.Fields, indent+1)
			dst = append(dst, strings.Repeat("  ", indent)+"}"...)
		case f.Wire == message.WireFixed64:
			dst = appendHex(append(dst, ": 0x"...), f.Value, 16)
		case f.Wire == message.WireFixed32:
			dst = appendHex(append(dst, ": 0x"...), f.Value, 8)
		case f.Wire == message.WireVarint:
			dst = append(dst, ": "+itoa(f.Value)...)
		case f.Bytes != nil:
			dst = append(dst, ": "...)
			dst = append(dst, quoteASCII(f.Bytes)...)
		default:
			dst = append(dst, ": "...)
			dst = append(dst, quote(f.Text)...)
		}
		dst = append(dst, '\n')
	}
	return dst
}

func itoa(v uint64) string       { return strconv.FormatUint(v, 10) }
func quote(s string) string      { return strconv.Quote(s) }
func quoteASCII(b []byte) string { return strconv.QuoteToASCII(string(b)) }

// frameAll prefixes each message with gRPC's flag (0) and length.
func frameAll(msgs ...string) []byte {
	var b []byte
	for _, m := range msgs {
		b = append(b, frame(0, []byte(m))...)
	}
	return b
}

func TestReaderStructure(t *testing.T) {
	type want struct {
		grpc  message.GRPC
		notes []message.NoteKind
	}
	tests := []struct {
		name     string
		lim      protocol.Limits
		encoding string
		body     []byte
		gap      int // bytes lost after body
		want     want
	}{{
		name: "unary",
		body: frameAll(pbString),
		want: want{grpc: message.GRPC{Messages: []message.GRPCMessage{{Length: 9, Fields: []message.ProtoField{textF(2, "testing")}}}}},
	}, {
		name: "streaming",
		body: frameAll(pbVarint, "", pbNested),
		want: want{grpc: message.GRPC{Messages: []message.GRPCMessage{
			{Length: 3, Fields: []message.ProtoField{varintF(1, 150)}},
			{Length: 0},
			{Length: 5, Fields: []message.ProtoField{msgF(3, varintF(1, 150))}},
		}}},
	}, {
		name:     "gzip-compressed",
		encoding: "gzip",
		body:     append(frame(1, gz([]byte(pbString))), frameAll(pbVarint)...),
		want: want{grpc: message.GRPC{Encoding: "gzip", Messages: []message.GRPCMessage{
			{Length: int64(len(gz([]byte(pbString)))), Compressed: true, DecodedLength: 9, Fields: []message.ProtoField{textF(2, "testing")}},
			{Length: 3, Fields: []message.ProtoField{varintF(1, 150)}},
		}}},
	}, {
		name: "gzip told by its magic number",
		body: frame(1, gz([]byte(pbVarint))),
		want: want{grpc: message.GRPC{Encoding: "gzip", Messages: []message.GRPCMessage{
			{Length: int64(len(gz([]byte(pbVarint)))), Compressed: true, DecodedLength: 3, Fields: []message.ProtoField{varintF(1, 150)}},
		}}},
	}, {
		name: "compressed without an encoding",
		body: frame(1, []byte("xyz")),
		want: want{grpc: message.GRPC{Messages: []message.GRPCMessage{
			{Length: 3, Compressed: true, Data: []byte("xyz"), Err: "compressed flag set but no grpc-encoding"},
		}}},
	}, {
		name: "not protobuf",
		body: frameAll(`{"name":"ada"}`),
		want: want{grpc: message.GRPC{Messages: []message.GRPCMessage{
			{Length: 14, Data: []byte(`{"name":"ada"}`), Err: "not a protobuf message"},
		}}},
	}, {
		name: "ends inside a message",
		body: frameAll(pbVarint, pbString)[:15],
		want: want{grpc: message.GRPC{Messages: []message.GRPCMessage{
			{Length: 3, Fields: []message.ProtoField{varintF(1, 150)}},
			{Length: 9, Partial: true, Err: "the body ends inside the message: 2 of 9 bytes"},
		}}, notes: []message.NoteKind{message.Error}},
	}, {
		name: "ends inside a prefix",
		body: frameAll(pbVarint, pbString)[:10],
		want: want{grpc: message.GRPC{Messages: []message.GRPCMessage{
			{Length: 3, Fields: []message.ProtoField{varintF(1, 150)}},
			{Partial: true, Err: "the body ends inside the message's prefix"},
		}}, notes: []message.NoteKind{message.Error}},
	}, {
		name: "gap",
		body: frameAll(pbVarint, pbString)[:12],
		gap:  5,
		want: want{grpc: message.GRPC{Lost: true, Messages: []message.GRPCMessage{
			{Length: 3, Fields: []message.ProtoField{varintF(1, 150)}},
		}}},
	}, {
		name: "longer than max-body",
		lim:  protocol.Limits{MaxBody: 64},
		body: frameAll(strings.Repeat(pbString, 8), pbVarint),
		want: want{grpc: message.GRPC{Messages: []message.GRPCMessage{
			{Length: 72, Err: "longer than the 64-byte max-body limit: not decoded"},
			{Length: 3, Fields: []message.ProtoField{varintF(1, 150)}},
		}}, notes: []message.NoteKind{message.Limit}},
	}, {
		// The display limit bounds the structure: a message and a field
		// cost 16 bytes each, besides their values.
		name: "display limit",
		lim:  protocol.Limits{Display: 2*fieldCost + 4},
		body: frameAll(pbString, pbVarint, pbVarint),
		want: want{grpc: message.GRPC{MessagesCut: 2, Messages: []message.GRPCMessage{
			{Length: 9, Fields: []message.ProtoField{{Number: 2, Wire: message.WireBytes, Text: "test", Cut: 3}}},
		}}, notes: []message.NoteKind{message.Limit}},
	}, {
		name: "display limit: data",
		lim:  protocol.Limits{Display: fieldCost + 2},
		body: frameAll("\xff\xff\xff"),
		want: want{grpc: message.GRPC{Messages: []message.GRPCMessage{
			{Length: 3, Data: []byte{0xff, 0xff}, Cut: 1, Err: "not a protobuf message"},
		}}, notes: []message.NoteKind{message.Limit}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for split := range len(tt.body) + 1 {
				r := NewReader(tt.lim, tt.encoding, "application/grpc")
				r.Write(tt.body[:split])
				r.Write(tt.body[split:])
				if tt.gap > 0 {
					r.Gap(tt.gap)
				}
				var m message.Message
				r.Finish(&m, nil)
				if m.GRPC == nil {
					t.Fatal("no GRPC")
				}
				if diff := cmp.Diff(&tt.want.grpc, m.GRPC); diff != "" {
					t.Fatalf("split %d (-want +got):\n%s", split, diff)
				}
				var kinds []message.NoteKind
				for _, n := range m.Notes {
					kinds = append(kinds, n.Kind)
				}
				if !cmp.Equal(kinds, tt.want.notes) {
					t.Fatalf("split %d: notes %v", split, m.Notes)
				}
			}
		})
	}
}

// TestReaderBounded feeds a body of many small messages, and one of many
// fields, and checks that the structure stays within MaxFields, with the
// rest counted.
func TestReaderBounded(t *testing.T) {
	many := bytes.Repeat(frame(0, []byte(pbVarint)), MaxFields+10)
	r := NewReader(protocol.Limits{}, "", "application/grpc")
	r.Write(many)
	var m message.Message
	r.Finish(&m, nil)
	if g := m.GRPC; len(g.Messages) != MaxFields/2 || g.MessagesCut != MaxFields/2+10 || !m.Truncated() {
		t.Errorf("%d messages listed, %d cut; notes %v", len(g.Messages), g.MessagesCut, m.Notes)
	}

	wide := frame(0, bytes.Repeat([]byte(pbVarint), 2*MaxFields))
	r = NewReader(protocol.Limits{}, "", "application/grpc")
	r.Write(wide)
	m = message.Message{}
	r.Finish(&m, nil)
	g := m.GRPC
	if len(g.Messages) != 1 || len(g.Messages[0].Fields) != MaxFields-1 || g.Messages[0].Cut != int64(3*(MaxFields+1)) {
		t.Errorf("%d messages; fields %d, cut %d", len(g.Messages), len(g.Messages[0].Fields), g.Messages[0].Cut)
	}
}
