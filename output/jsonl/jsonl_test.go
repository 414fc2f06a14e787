package jsonl_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/tapir-dev/tapir/internal/golden"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output/internal/outputtest"
	"github.com/tapir-dev/tapir/output/jsonl"
)

func render(f *jsonl.Formatter) []byte {
	var out []byte
	for _, fx := range outputtest.Fixtures() {
		out = f.Append(out, &fx.Msg)
	}
	return out
}

func TestGolden(t *testing.T) {
	for _, mode := range []struct {
		golden string
		opts   jsonl.Options
	}{
		{"messages.jsonl", jsonl.Options{}},
		{"pretty.json", jsonl.Options{Pretty: true}},
	} {
		t.Run(mode.golden, func(t *testing.T) {
			got := render(jsonl.New(mode.opts))
			golden.Check(t, filepath.Join("testdata", mode.golden+".golden"), got)
		})
	}
}

// record is the schema of docs/json.md, for decoding.
type record struct {
	TS   uint64 `json:"ts"`
	End  uint64 `json:"end"`
	Conn struct {
		PID    uint32 `json:"pid"`
		FD     int32  `json:"fd"`
		Comm   string `json:"comm"`
		Lib    string `json:"lib"`
		Src    string `json:"src"`
		Dst    string `json:"dst"`
		ID     string `json:"id"`
		Serial uint64 `json:"serial"`
	} `json:"conn"`
	Proto     string `json:"proto"`
	Type      string `json:"type"`
	Dir       string `json:"dir"`
	Size      int64  `json:"size"`
	Partial   bool   `json:"partial"`
	Truncated bool   `json:"truncated"`
	HTTP      *struct {
		Method   string      `json:"method"`
		Target   string      `json:"target"`
		Version  string      `json:"version"`
		Status   int         `json:"status"`
		Reason   string      `json:"reason"`
		Stream   uint32      `json:"stream"`
		Headers  [][2]string `json:"headers"`
		Trailers [][2]string `json:"trailers"`
	} `json:"http"`
	Request *struct {
		Method string `json:"method"`
		Target string `json:"target"`
	} `json:"request"`
	LatencyNS      *uint64 `json:"latency_ns"`
	LatencyFirstNS *uint64 `json:"latency_first_ns"`
	Notes          []struct {
		Kind string `json:"kind"`
		Text string `json:"text"`
	} `json:"notes"`
	Body *struct {
		Text        *string `json:"text"`
		Base64      *string `json:"base64"`
		Size        int64   `json:"size"`
		DecodedSize int64   `json:"decoded_size"`
		Encoding    string  `json:"encoding"`
		ContentType string  `json:"content_type"`
		Cut         int64   `json:"cut"`
		Binary      bool    `json:"binary"`
		Error       string  `json:"error"`
	} `json:"body"`
}

// viaJSON is what a string becomes through encoding/json: invalid UTF-8
// turns into U+FFFD.
func viaJSON(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

func pairs(hs []message.Header) [][2]string {
	var out [][2]string
	for _, h := range hs {
		out = append(out, [2]string{viaJSON(h.Name), viaJSON(h.Value)})
	}
	return out
}

// TestRoundTrip decodes every line with encoding/json and checks each field
// against the message it came from.
func TestRoundTrip(t *testing.T) {
	f := jsonl.New(jsonl.Options{})
	for _, fx := range outputtest.Fixtures() {
		m := &fx.Msg
		line := f.Append(nil, m)
		if bytes.Count(line, []byte("\n")) != 1 || line[len(line)-1] != '\n' {
			t.Errorf("%s: not one line: %q", fx.Name, line)
		}
		if !json.Valid(line) {
			t.Fatalf("%s: invalid JSON: %s", fx.Name, line)
		}
		var r record
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%s: %v: %s", fx.Name, err, line)
		}
		check := func(field string, got, want any) {
			t.Helper()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s = %#v; want %#v", fx.Name, field, got, want)
			}
		}
		check("ts", r.TS, m.Start)
		check("end", r.End, m.End)
		c := m.Conn
		check("conn.pid", r.Conn.PID, c.PID)
		check("conn.fd", r.Conn.FD, c.FD)
		check("conn.comm", r.Conn.Comm, viaJSON(c.Comm))
		check("conn.lib", r.Conn.Lib, c.Lib)
		if c.Src.IsValid() {
			check("conn.src", r.Conn.Src, c.Src.String())
		} else {
			check("conn.src", r.Conn.Src, "")
		}
		if c.Dst.IsValid() {
			check("conn.dst", r.Conn.Dst, c.Dst.String())
		} else {
			check("conn.dst", r.Conn.Dst, "")
		}
		check("conn.id", r.Conn.ID, c.ID.Name)
		check("conn.serial", r.Conn.Serial, c.Serial)
		check("proto", r.Proto, m.Proto)
		check("type", r.Type, m.Type.String())
		check("dir", r.Dir, m.Dir.String())
		check("size", r.Size, m.Size)
		check("partial", r.Partial, m.Partial)
		check("truncated", r.Truncated, m.Truncated())
		check("http present", r.HTTP != nil, m.HTTP != nil)
		if h := m.HTTP; h != nil && r.HTTP != nil {
			check("http.method", r.HTTP.Method, h.Method)
			check("http.target", r.HTTP.Target, viaJSON(h.Target))
			check("http.version", r.HTTP.Version, h.Version)
			check("http.status", r.HTTP.Status, h.Status)
			check("http.reason", r.HTTP.Reason, viaJSON(h.Reason))
			check("http.stream", r.HTTP.Stream, h.Stream)
			check("http.headers", r.HTTP.Headers, pairs(h.Headers))
			check("http.trailers", r.HTTP.Trailers, pairs(h.Trailers))
		}
		check("request present", r.Request != nil, m.Request != nil)
		if q := m.Request; q != nil && r.Request != nil {
			check("request.method", r.Request.Method, q.Method)
			check("request.target", r.Request.Target, viaJSON(q.Target))
		}
		check("latency present", r.LatencyNS != nil && r.LatencyFirstNS != nil, m.Latency != nil)
		if l := m.Latency; l != nil && r.LatencyNS != nil && r.LatencyFirstNS != nil {
			check("latency_ns", *r.LatencyNS, l.Last)
			check("latency_first_ns", *r.LatencyFirstNS, l.First)
		}
		check("notes", len(r.Notes), len(m.Notes))
		for i := range min(len(r.Notes), len(m.Notes)) {
			check("notes.kind", r.Notes[i].Kind, m.Notes[i].Kind.String())
			check("notes.text", r.Notes[i].Text, m.Notes[i].Text)
		}
		check("body present", r.Body != nil, m.Body != nil)
		if b := m.Body; b != nil && r.Body != nil {
			var data []byte
			switch {
			case r.Body.Text != nil && r.Body.Base64 != nil:
				t.Errorf("%s: body has both text and base64", fx.Name)
			case r.Body.Text != nil:
				data = []byte(*r.Body.Text)
				check("body as text", b.Binary || !utf8.Valid(b.Data), false)
			case r.Body.Base64 != nil:
				var err error
				if data, err = base64.StdEncoding.DecodeString(*r.Body.Base64); err != nil {
					t.Errorf("%s: body.base64: %v", fx.Name, err)
				}
			}
			check("body data", string(data), string(b.Data))
			check("body.size", r.Body.Size, b.Size)
			check("body.decoded_size", r.Body.DecodedSize, b.DecodedSize)
			check("body.encoding", r.Body.Encoding, b.Encoding)
			check("body.content_type", r.Body.ContentType, b.ContentType)
			check("body.cut", r.Body.Cut, b.Cut)
			check("body.binary", r.Body.Binary, b.Binary)
			check("body.error", r.Body.Error, b.Err)
		}
	}
}

// TestPrettyStream checks that pretty output is a stream of the same
// objects as the compact output.
func TestPrettyStream(t *testing.T) {
	compact := render(jsonl.New(jsonl.Options{}))
	pretty := render(jsonl.New(jsonl.Options{Pretty: true}))
	sc := bufio.NewScanner(bytes.NewReader(compact))
	sc.Buffer(nil, 1<<20)
	dec := json.NewDecoder(bytes.NewReader(pretty))
	n := 0
	for sc.Scan() {
		var want, got any
		if err := json.Unmarshal(sc.Bytes(), &want); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("pretty object %d: %v", n+1, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("object %d: pretty %v; compact %v", n+1, got, want)
		}
		n++
	}
	var extra any
	if err := dec.Decode(&extra); err != io.EOF {
		t.Errorf("pretty output goes on after %d objects: %v, %v", n, extra, err)
	}
	if n != len(outputtest.Fixtures()) {
		t.Errorf("%d lines; want %d", n, len(outputtest.Fixtures()))
	}
}

func TestAppendKeepsDst(t *testing.T) {
	m := outputtest.Fixtures()[0].Msg
	got := jsonl.New(jsonl.Options{}).Append([]byte("prefix\n"), &m)
	if !bytes.HasPrefix(got, []byte("prefix\n{")) {
		t.Errorf("got %q; want the prefix kept", got)
	}
}
