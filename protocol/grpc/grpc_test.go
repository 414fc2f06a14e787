package grpc

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// Protobuf wire bytes, as protoc would encode them.
const (
	// 1: 150 (varint)
	pbVarint = "\x08\x96\x01"
	// 2: "testing" (bytes)
	pbString = "\x12\x07testing"
	// 3 { 1: 150 } (nested message)
	pbNested = "\x1a\x03\x08\x96\x01"
	// 4: 0x3ff0000000000000 (fixed64: 1.0)
	pbFixed64 = "\x21\x00\x00\x00\x00\x00\x00\xf0\x3f"
	// 5: 0x3f800000 (fixed32: 1.0)
	pbFixed32 = "\x2d\x00\x00\x80\x3f"
	// 6 { 1: 1 } as a group
	pbGroup = "\x33\x08\x01\x34"
	// 7: bytes that are neither text nor a message
	pbBytes = "\x3a\x03\xff\x00\x01"
)

func TestAppendProto(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"varint", pbVarint, "1: 150\n"},
		{"string", pbString, "2: \"testing\"\n"},
		{"nested", pbNested, "3 {\n  1: 150\n}\n"},
		{"fixed64", pbFixed64, "4: 0x3ff0000000000000\n"},
		{"fixed32", pbFixed32, "5: 0x3f800000\n"},
		{"group", pbGroup, "6 {\n  1: 1\n}\n"},
		{"bytes", pbBytes, "7: \"\\xff\\x00\\x01\"\n"},
		{"empty string", "\x12\x00", "2: \"\"\n"},
		{"all", pbVarint + pbString + pbNested, "1: 150\n2: \"testing\"\n3 {\n  1: 150\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !Valid([]byte(tt.in)) {
				t.Fatalf("Valid(%q) = false", tt.in)
			}
			if got := string(AppendProto(nil, []byte(tt.in), 1<<20)); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"\x08", "\x12\x05abc", "\x00\x01", "\x34", "\x33\x08\x01", "\x0f"} {
		if Valid([]byte(bad)) {
			t.Errorf("Valid(%q) = true", bad)
		}
	}
	// The output stops near the limit.
	long := bytes.Repeat([]byte(pbString), 1000)
	if got := AppendProto(nil, long, 100); len(got) > 130 || !bytes.HasSuffix(got, []byte("...\n")) {
		t.Errorf("limited output: %d bytes %q", len(got), got)
	}
}

// frame prefixes a message with gRPC's flag and length.
func frame(flag byte, p []byte) []byte {
	b := []byte{flag, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(len(p)))
	return append(b, p...)
}

func gz(p []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(p)
	w.Close()
	return b.Bytes()
}

func TestReader(t *testing.T) {
	body := append(frame(0, []byte(pbString)), frame(1, gz([]byte(pbVarint)))...)
	body = append(body, frame(0, nil)...)
	want := "message 1: 9 bytes\n2: \"testing\"\n" +
		"message 2: " + "" // the compressed length varies: checked below
	for split := 1; split < len(body); split++ {
		r := NewReader(protocol.Limits{}, "gzip", "application/grpc")
		r.Write(body[:split])
		r.Write(body[split:])
		var m message.Message
		b := r.Finish(&m, nil)
		got := string(b.Data)
		if !strings.HasPrefix(got, want) || !strings.Contains(got, "gzip-compressed, 3 bytes decompressed\n1: 150\nmessage 3: 0 bytes\n") {
			t.Fatalf("split %d: %q", split, got)
		}
		if b.Size != int64(len(body)) || b.DecodedSize != 12 || b.Encoding != "gzip" || len(m.Notes) > 0 || r.Messages() != 3 {
			t.Fatalf("split %d: body %+v notes %v", split, b, m.Notes)
		}
	}
}

func TestReaderLimits(t *testing.T) {
	big := frame(0, bytes.Repeat([]byte(pbVarint), 100))
	r := NewReader(protocol.Limits{MaxBody: 50, Display: 40}, "", "application/grpc")
	r.Write(big)
	r.Write(frame(0, []byte(pbVarint))[:4]) // cut inside a prefix
	var m message.Message
	b := r.Finish(&m, nil)
	if !strings.HasPrefix(string(b.Data), "message 1: 300 bytes, not decoded") || len(b.Data) > 40 || b.Cut == 0 {
		t.Errorf("body %q cut %d", b.Data, b.Cut)
	}
	if len(m.Notes) != 2 || m.Notes[0].Kind != message.Error || m.Notes[1].Kind != message.Limit {
		t.Errorf("notes %v", m.Notes)
	}
}

func TestNames(t *testing.T) {
	if !Is("application/grpc") || !Is("application/grpc+proto") || !Is("application/GRPC; charset=x") || Is("application/grpc-web") || Is("text/plain") {
		t.Error("Is")
	}
	if StatusName(5) != "NOT_FOUND" || StatusName(99) != "CODE(99)" {
		t.Error("StatusName")
	}
	if got := DecodeMessage("item%2042 %E2%80%94 gone"); got != "item 42 — gone" {
		t.Errorf("DecodeMessage: %q", got)
	}
}

// FuzzProto: rendering never panics, and whatever Valid accepts renders
// within its limit.
func FuzzProto(f *testing.F) {
	for _, s := range []string{pbVarint, pbString, pbNested, pbFixed64, pbFixed32, pbGroup, pbBytes} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if Valid(b) {
			if out := AppendProto(nil, b, 4096); len(out) > 4096+64*maxDepth {
				t.Fatalf("%d bytes of output", len(out))
			}
			fs, _ := Fields(b, 64, 1024)
			if n, kept := treeSize(fs); n > 64 || kept > 1024 {
				t.Fatalf("%d fields, %d bytes kept", n, kept)
			}
		}
		r := NewReader(protocol.Limits{MaxBody: 1 << 10, Display: 2 << 10}, "gzip", "application/grpc")
		r.Write(b)
		r.Finish(&message.Message{}, nil)
	})
}

// treeSize returns the number of fields in fs, at every depth, and the
// bytes of text and bytes they hold.
func treeSize(fs []message.ProtoField) (n, kept int) {
	for _, f := range fs {
		sn, sk := treeSize(f.Fields)
		n += 1 + sn
		kept += len(f.Text) + len(f.Bytes) + sk
	}
	return n, kept
}
