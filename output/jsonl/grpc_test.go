package jsonl_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/golden"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output/internal/outputtest"
	"github.com/tapir-dev/tapir/output/jsonl"
)

func grpcText(n int32, s string) message.ProtoField {
	return message.ProtoField{Number: n, Wire: message.WireBytes, Text: s}
}

func grpcVarint(n int32, v uint64) message.ProtoField {
	return message.ProtoField{Number: n, Wire: message.WireVarint, Value: v}
}

func grpcNested(n int32, fs ...message.ProtoField) message.ProtoField {
	return message.ProtoField{Number: n, Wire: message.WireBytes, Fields: append([]message.ProtoField{}, fs...)}
}

// grpcFixtures are gRPC messages: a unary call as the recordings show
// one, then every shape the structure takes, hostile strings included.
func grpcFixtures() []outputtest.Fixture {
	call := message.GRPC{Service: "tapir.test.Echo", Method: "Lookup"}
	req, resp, odd := call, call, call
	req.Messages = []message.GRPCMessage{{Length: 17, Fields: []message.ProtoField{
		grpcNested(1, grpcText(1, "id"), grpcNested(2, message.ProtoField{Number: 2, Wire: message.WireFixed64, Value: math.Float64bits(42)})),
	}}}
	resp.HasStatus, resp.Status, resp.StatusName, resp.StatusMessage = true, 5, "NOT_FOUND", "item 7 not found"
	odd.Service, odd.Method = "pkg.\xffSvc", "Get\u2028"
	odd.HasStatus, odd.StatusName = true, "OK"
	odd.Encoding = "gzip"
	odd.MessagesCut, odd.Lost = 3, true
	odd.Messages = []message.GRPCMessage{
		{Length: 40, Compressed: true, DecodedLength: 60, Cut: 12, Fields: []message.ProtoField{
			grpcVarint(1, 1<<64-1), // -1 as an int64
			{Number: 2, Wire: message.WireFixed32, Value: uint64(math.Float32bits(1.5))},
			{Number: 3, Wire: message.WireFixed64, Value: 0x7ff8000000000001}, // a NaN
			{Number: 4, Wire: message.WireGroup, Fields: []message.ProtoField{grpcVarint(1, 0)}},
			{Number: 5, Wire: message.WireBytes, Bytes: []byte{0xff, 0, 1}, Cut: 2},
			grpcText(6, ""),
			grpcText(7, "line\nbreak \"q\" \x1b[1m"),
			grpcNested(8),
			{Number: 9, Wire: message.WireBytes, Fields: []message.ProtoField{}, Cut: 7},
		}},
		{Length: 8, Data: []byte(`{"id":7}`), Err: "not a protobuf message"},
		{Length: 3, Compressed: true, Data: []byte{0x1f, 0x8b, 0}, Err: "gzip: unexpected EOF"},
		{Length: 9, Partial: true, Err: "the body ends inside the message: 2 of 9 bytes"},
	}
	return []outputtest.Fixture{
		{Name: "grpc request", Msg: message.Message{
			Conn: outputtest.Curl, Proto: "http2", Type: message.Request, Dir: event.Out,
			Start: outputtest.T0 + 14e9, End: outputtest.T0 + 14e9, Size: 56,
			HTTP: &message.HTTP{Method: "POST", Target: "/tapir.test.Echo/Lookup", Version: "HTTP/2", Stream: 11,
				Headers: outputtest.Fields(":method", "POST", ":path", "/tapir.test.Echo/Lookup", "content-type", "application/grpc")},
			Body: &message.Body{Data: []byte("message 1: 17 bytes\n1 {\n  1: \"id\"\n  2 {\n    2: 0x4045000000000000\n  }\n}\n"),
				Size: 22, DecodedSize: 17, ContentType: "application/grpc"},
			GRPC: &req,
		}},
		{Name: "grpc response, not found", Msg: message.Message{
			Conn: outputtest.Curl, Proto: "http2", Type: message.Response, Dir: event.In,
			Start: outputtest.T0 + 14e9 + 42e3, End: outputtest.T0 + 14e9 + 42e3, Size: 30,
			HTTP: &message.HTTP{Version: "HTTP/2", Status: 200, Stream: 11,
				Headers: outputtest.Fields(":status", "200", "content-type", "application/grpc", "grpc-status", "5", "grpc-message", "item 7 not found")},
			Request: &message.RequestRef{Method: "POST", Target: "/tapir.test.Echo/Lookup", Stream: 11},
			Latency: &message.Latency{First: 42e3, Last: 42e3},
			Notes:   []message.Note{{Kind: message.Info, Text: "grpc-status 5 NOT_FOUND: item 7 not found"}},
			GRPC:    &resp,
		}},
		{Name: "grpc every shape", Msg: message.Message{
			Conn: outputtest.Curl, Proto: "http2", Type: message.Response, Dir: event.In,
			Start: outputtest.T0 + 15e9, End: outputtest.T0 + 15e9, Size: 120,
			HTTP:  &message.HTTP{Version: "HTTP/2", Status: 200, Stream: 13},
			Notes: []message.Note{{Kind: message.Limit, Text: "gRPC structure cut at its limit"}},
			GRPC:  &odd,
		}},
	}
}

func TestGRPCGolden(t *testing.T) {
	for _, mode := range []struct {
		golden string
		opts   jsonl.Options
	}{
		{"grpc.jsonl", jsonl.Options{}},
		{"grpc.pretty.json", jsonl.Options{Pretty: true}},
	} {
		t.Run(mode.golden, func(t *testing.T) {
			f := jsonl.New(mode.opts)
			var got []byte
			for _, fx := range grpcFixtures() {
				got = f.Append(got, &fx.Msg)
			}
			golden.Check(t, filepath.Join("testdata", mode.golden+".golden"), got)
		})
	}
}

// grpcRecord is the "grpc" member of docs/json.md, for decoding.
type grpcRecord struct {
	Service       string `json:"service"`
	Method        string `json:"method"`
	Status        *int   `json:"status"`
	StatusName    string `json:"status_name"`
	StatusMessage string `json:"status_message"`
	Encoding      string `json:"encoding"`
	Messages      []struct {
		Length        int64         `json:"length"`
		Compressed    bool          `json:"compressed"`
		DecodedLength int64         `json:"decoded_length"`
		Partial       bool          `json:"partial"`
		Error         string        `json:"error"`
		Text          *string       `json:"text"`
		Base64        *string       `json:"base64"`
		Fields        []fieldRecord `json:"fields"`
		Cut           int64         `json:"cut"`
	} `json:"messages"`
	MessagesCut int  `json:"messages_cut"`
	Lost        bool `json:"lost"`
}

type fieldRecord struct {
	Number   int32         `json:"number"`
	WireType string        `json:"wire_type"`
	Value    *uint64       `json:"value"`
	Double   *float64      `json:"double"`
	Float    *float32      `json:"float"`
	Text     *string       `json:"text"`
	Base64   *string       `json:"base64"`
	Fields   []fieldRecord `json:"fields"`
	Cut      int64         `json:"cut"`
}

// checkFields compares decoded fields with the ones they came from.
func checkFields(t *testing.T, path string, got []fieldRecord, want []message.ProtoField) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d fields; want %d", path, len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Number != w.Number || g.WireType != w.Wire.String() || g.Cut != w.Cut {
			t.Errorf("%s[%d]: %+v; want %+v", path, i, g, w)
		}
		switch {
		case w.Fields != nil:
			if g.Fields == nil {
				t.Errorf("%s[%d]: no fields", path, i)
			}
			checkFields(t, path+"."+w.Wire.String(), g.Fields, w.Fields)
		case w.Wire != message.WireBytes:
			if g.Value == nil || *g.Value != w.Value {
				t.Errorf("%s[%d]: value %v; want %d", path, i, g.Value, w.Value)
			}
			if w.Wire == message.WireFixed64 {
				if d := math.Float64frombits(w.Value); !math.IsNaN(d) && (g.Double == nil || *g.Double != d) {
					t.Errorf("%s[%d]: double %v; want %v", path, i, g.Double, d)
				}
			}
			if w.Wire == message.WireFixed32 && (g.Float == nil || *g.Float != math.Float32frombits(uint32(w.Value))) {
				t.Errorf("%s[%d]: float %v", path, i, g.Float)
			}
		case w.Bytes != nil:
			if g.Base64 == nil || *g.Base64 != base64.StdEncoding.EncodeToString(w.Bytes) {
				t.Errorf("%s[%d]: base64 %v; want %x", path, i, g.Base64, w.Bytes)
			}
		default:
			if g.Text == nil || *g.Text != w.Text {
				t.Errorf("%s[%d]: text %v; want %q", path, i, g.Text, w.Text)
			}
		}
	}
}

// TestGRPCRoundTrip decodes the "grpc" member with encoding/json and
// checks it against the structure it came from.
func TestGRPCRoundTrip(t *testing.T) {
	for _, pretty := range []bool{false, true} {
		f := jsonl.New(jsonl.Options{Pretty: pretty})
		for _, fx := range grpcFixtures() {
			line := f.Append(nil, &fx.Msg)
			if !json.Valid(line) {
				t.Fatalf("%s: not valid JSON: %s", fx.Name, line)
			}
			var rec struct {
				GRPC *grpcRecord `json:"grpc"`
			}
			if err := json.Unmarshal(line, &rec); err != nil {
				t.Fatal(err)
			}
			g, w := rec.GRPC, fx.Msg.GRPC
			if g == nil {
				t.Fatalf("%s: no grpc member", fx.Name)
			}
			if g.Service != viaJSON(w.Service) || g.Method != w.Method || g.Encoding != w.Encoding ||
				g.StatusName != w.StatusName || g.StatusMessage != w.StatusMessage ||
				g.MessagesCut != w.MessagesCut || g.Lost != w.Lost || (g.Status != nil) != w.HasStatus ||
				g.Status != nil && *g.Status != w.Status {
				t.Errorf("%s: %+v; want %+v", fx.Name, g, w)
			}
			if len(g.Messages) != len(w.Messages) {
				t.Fatalf("%s: %d messages; want %d", fx.Name, len(g.Messages), len(w.Messages))
			}
			for i, wm := range w.Messages {
				gm := g.Messages[i]
				if gm.Length != wm.Length || gm.Compressed != wm.Compressed || gm.DecodedLength != wm.DecodedLength ||
					gm.Partial != wm.Partial || gm.Error != wm.Err || gm.Cut != wm.Cut {
					t.Errorf("%s message %d: %+v; want %+v", fx.Name, i, gm, wm)
				}
				var data []byte
				switch {
				case gm.Text != nil:
					data = []byte(*gm.Text)
				case gm.Base64 != nil:
					data, _ = base64.StdEncoding.DecodeString(*gm.Base64)
				}
				if !bytes.Equal(data, wm.Data) {
					t.Errorf("%s message %d: data %q; want %q", fx.Name, i, data, wm.Data)
				}
				checkFields(t, fx.Name, gm.Fields, wm.Fields)
			}
		}
	}
}

// TestGRPCHostile renders structures with hostile contents and checks
// that every line is valid JSON on one line.
func TestGRPCHostile(t *testing.T) {
	deep := []message.ProtoField{grpcText(1, "\xff\x00\u2028")}
	for range 64 {
		deep = []message.ProtoField{{Number: 1 << 29, Wire: message.WireGroup, Fields: deep}}
	}
	m := message.Message{GRPC: &message.GRPC{
		Service: "\x00\"\\", Method: "\xc3", StatusMessage: "\u202e", Encoding: "\x1b",
		Messages: []message.GRPCMessage{
			{Fields: deep, Data: []byte("\xff"), Err: "\n"},
			{Fields: []message.ProtoField{{Number: -1, Wire: 7}, {Wire: message.WireGroup}}},
		},
	}}
	for _, pretty := range []bool{false, true} {
		out := jsonl.New(jsonl.Options{Pretty: pretty}).Append(nil, &m)
		if !json.Valid(out) {
			t.Fatalf("pretty %v: not valid JSON:\n%s", pretty, out)
		}
		if !pretty && strings.Count(string(out), "\n") != 1 {
			t.Errorf("not one line: %q", out)
		}
	}
}
