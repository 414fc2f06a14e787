package pb_test

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/tapir-dev/tapir/internal/golden"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output/pb"
)

// TestAppendIsMarshal checks that the hand encoder writes exactly what
// proto.Marshal writes for the LogEntry it decodes to.
func TestAppendIsMarshal(t *testing.T) {
	f := pb.New(pb.Options{Bare: true})
	for _, tt := range fixtures() {
		t.Run(tt.name, func(t *testing.T) {
			got := f.Append(nil, &tt.msg)
			var e pb.LogEntry
			if err := proto.Unmarshal(got, &e); err != nil {
				t.Fatalf("Unmarshal: %v\n%q", err, got)
			}
			want, err := proto.MarshalOptions{Deterministic: true}.Marshal(&e)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Append:\n got %q\nwant %q (proto.Marshal of its decoding)", got, want)
			}
		})
	}
}

// TestHeartbeatIsMarshal does the same for heartbeats.
func TestHeartbeatIsMarshal(t *testing.T) {
	f := pb.New(pb.Options{Bare: true})
	now := time.Unix(1732350000, 5)
	got := f.AppendHeartbeat(nil, now, 3, 1234)
	want, err := proto.Marshal(&pb.LogEntry{
		LogType: pb.LogType_LOG_TYPE_HEARTBEAT,
		Payload: &pb.LogEntry_HeartbeatPayload{HeartbeatPayload: &pb.Heartbeat{Timestamp: 1732350000, Count: 3, Message: "heartbeat:3", Records: 1234}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("AppendHeartbeat:\n got %q\nwant %q", got, want)
	}
}

// TestRoundTrip checks that ToMessage gives back the message Append was
// given, but for the wire bytes that records do not carry.
func TestRoundTrip(t *testing.T) {
	f := pb.New(pb.Options{})
	var stream []byte
	fx := fixtures()
	for i := range fx {
		stream = f.Append(stream, &fx[i].msg)
	}
	r := pb.NewReader(bytes.NewReader(stream))
	for _, tt := range fx {
		e, err := r.Next()
		if err != nil {
			t.Fatalf("%s: Next: %v", tt.name, err)
		}
		got := pb.ToMessage(e.GetEventPayload())
		want := tt.msg
		if want.HTTP != nil || want.Body != nil {
			want.Raw = nil
		}
		// A record always carries its connection, named by pid and fd
		// when it has no name.
		c := *want.Connection()
		if c.ID.Name == "" {
			c.ID.PID, c.ID.FD = c.PID, c.FD
		}
		want.Conn = &c
		if want.Body != nil && len(want.Body.Data) == 0 {
			want.Body.Data = nil
		}
		if diff := cmp.Diff(&want, got, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
			t.Errorf("%s: ToMessage(Append(m)) differs from m (-want +got):\n%s", tt.name, diff)
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("Next at the end = %v; want io.EOF", err)
	}
}

// TestPayload checks eCapture's fields: the payload is the message as
// displayed.
func TestPayload(t *testing.T) {
	fx := fixtures()
	tests := []struct {
		i       int
		typ     uint32
		payload string
	}{
		{0, pb.TypeHTTP1Request, "POST /api/items?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"name\":\"t\"}\n"},
		{1, pb.TypeHTTP1Response, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\n\r\nhello\n"},
		{2, pb.TypeHTTP1Request, "GET / HTTP/1.0\r\n\r\n"},
		{3, pb.TypeHTTP2Request, ":method: GET\r\n:path: /x\r\n:authority: example.com\r\n:scheme: https\r\n\r\n"},
		{4, pb.TypeHTTP2Response, ":status: 404\r\n\r\n\x00\x01\x02\xff"},
		{5, pb.TypeUnknown, "\x00\x01\xff"},
		{6, pb.TypeUnknown, "\x00\x00\x08\x06\x00\x00\x00\x00\x00pingping"},
		{7, pb.TypeWebSocket, "hello"},
		{9, pb.TypeUnknown, ""},
	}
	f := pb.New(pb.Options{Bare: true})
	for _, tt := range tests {
		var e pb.LogEntry
		if err := proto.Unmarshal(f.Append(nil, &fx[tt.i].msg), &e); err != nil {
			t.Fatal(err)
		}
		ev := e.GetEventPayload()
		if ev.GetType() != tt.typ {
			t.Errorf("%s: type %d; want %d", fx[tt.i].name, ev.GetType(), tt.typ)
		}
		if string(ev.GetPayload()) != tt.payload {
			t.Errorf("%s: payload\n got %q\nwant %q", fx[tt.i].name, ev.GetPayload(), tt.payload)
		}
		if int(ev.GetLength()) != len(tt.payload) {
			t.Errorf("%s: length %d; want %d", fx[tt.i].name, ev.GetLength(), len(tt.payload))
		}
	}
}

// TestGolden keeps the records of the fixtures, in protobuf's text
// format, under testdata/ for review.
func TestGolden(t *testing.T) {
	f := pb.New(pb.Options{Bare: true})
	var out bytes.Buffer
	for _, tt := range fixtures() {
		var e pb.LogEntry
		if err := proto.Unmarshal(f.Append(nil, &tt.msg), &e); err != nil {
			t.Fatal(err)
		}
		// prototext's spacing is deliberately unstable: normalise it.
		text := prototext.MarshalOptions{Multiline: true, Indent: "  "}.Format(&e)
		text = strings.ReplaceAll(text, ":  ", ": ")
		out.WriteString("# " + tt.name + "\n" + text + "\n")
	}
	golden.Check(t, filepath.Join("testdata", "fixtures.txtpb.golden"), out.Bytes())
}

func TestReaderErrors(t *testing.T) {
	f := pb.New(pb.Options{})
	rec := f.Append(nil, &fixtures()[0].msg)
	tests := []struct {
		name  string
		input []byte
		want  error // errors.Is
	}{
		{"empty", nil, io.EOF},
		{"cut in the length", []byte{0x80}, io.ErrUnexpectedEOF},
		{"cut in the record", rec[:len(rec)-1], io.ErrUnexpectedEOF},
		{"too long", []byte{0xff, 0xff, 0xff, 0xff, 0x7f}, pb.ErrFraming},
		{"length overflow", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, pb.ErrFraming},
	}
	for _, tt := range tests {
		_, err := pb.NewReader(bytes.NewReader(tt.input)).Next()
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Next = %v; want %v", tt.name, err, tt.want)
		}
	}
	// Not a LogEntry: field 2 with wire type 7.
	if _, err := pb.NewReader(bytes.NewReader([]byte{2, 0x17, 0})).Next(); err == nil || !strings.Contains(err.Error(), "offset 0") {
		t.Errorf("Next on a bad record = %v; want an error naming offset 0", err)
	}
}

func TestSniff(t *testing.T) {
	f := pb.New(pb.Options{})
	rec := f.Append(nil, &fixtures()[1].msg)
	hb := f.AppendHeartbeat(nil, time.Unix(1, 0), 0, 0)
	jsonl := []byte(`{"kind":"data","ts":1732350000123456789,"pid":4242,"tid":4243,"comm":"curl","fd":5,"dir":"out","data":"R0VU"}` + "\n")
	// A JSON line whose key makes it look like a run_log field.
	tricky := []byte(`{"` + strings.Repeat("k", 121))
	tests := []struct {
		name string
		head []byte
		want bool
	}{
		{"event record", rec, true},
		{"heartbeat", hb, true},
		{"event file", jsonl, false},
		{"json that frames", tricky, false},
		{"empty", nil, false},
		{"text", []byte("GET / HTTP/1.1\r\n"), false},
		{"cut record", rec[:len(rec)/2], false},
	}
	for _, tt := range tests {
		if got := pb.Sniff(tt.head); got != tt.want {
			t.Errorf("Sniff(%s) = %v; want %v", tt.name, got, tt.want)
		}
	}
}

// TestUTF8 checks that a consumer that validates proto3 strings (as
// generated code does) accepts records whose captured text is not UTF-8.
func TestUTF8(t *testing.T) {
	m := message.Message{Conn: curl, Proto: "http1", Type: message.Request,
		HTTP: &message.HTTP{Method: "G\xffT", Target: "/\xfe", Version: "HTTP/1.1", Headers: fields("X-\xff", "\xc0\x80")}}
	c := *curl
	c.Comm, c.Lib = "\xff\xfe", "ssl\xff"
	m.Conn = &c
	rec := pb.New(pb.Options{Bare: true}).Append(nil, &m)
	var e pb.LogEntry
	if err := proto.Unmarshal(rec, &e); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if got := e.GetEventPayload().GetPname(); got != "\uFFFD" {
		t.Errorf("pname %q; want the invalid bytes as one U+FFFD", got)
	}
	if got := pb.ToMessage(e.GetEventPayload()); got.HTTP.Method != m.HTTP.Method || got.Conn.Comm != m.Conn.Comm {
		t.Errorf("captured bytes not kept: method %q comm %q", got.HTTP.Method, got.Conn.Comm)
	}
}

// TestFromECapture checks that a record eCapture wrote, without tapir's
// field 100, becomes a message showing what it holds.
func TestFromECapture(t *testing.T) {
	ev := &pb.Event{
		Timestamp: 1732349952, Uuid: "4242_4243_curl_5_1", SrcIp: "10.0.0.7", SrcPort: 50514, DstIp: "93.184.216.34", DstPort: 443,
		Pid: 4242, Pname: "curl", Type: pb.TypeHTTP1Response, Payload: []byte("HTTP/1.1 200 OK\r\n\r\nhi"), Length: 21,
	}
	m := pb.ToMessage(ev)
	if m.Proto != "http1" || m.Type != message.Response || m.Conn.PID != 4242 || m.Conn.Comm != "curl" ||
		m.Conn.ID.Name != "4242_4243_curl_5_1" || m.Conn.Dst.String() != "93.184.216.34:443" ||
		m.End != 1732349952*uint64(time.Second) || m.Body == nil || string(m.Body.Data) != "HTTP/1.1 200 OK\r\n\r\nhi" || m.Body.Binary {
		t.Errorf("ToMessage of an eCapture event: %+v", m)
	}
}
