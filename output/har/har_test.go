package har_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tapir-dev/tapir/internal/golden"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output/har"
)

// render formats msgs as one document.
func render(f *har.Formatter, msgs []*message.Message) []byte {
	var out []byte
	for _, m := range msgs {
		out = f.Append(out, m)
	}
	return f.Finish(out)
}

// validate checks doc against the HAR 1.2 schema in testdata.
func validate(t *testing.T, doc []byte) {
	t.Helper()
	schemaFile, err := os.Open(filepath.Join("testdata", "har-1.2.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer schemaFile.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("har.schema.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("har.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("not HAR 1.2: %v", err)
	}
}

// doc is the part of a HAR document the tests look into.
type doc struct {
	Log struct {
		Creator struct{ Name, Version string }
		Entries []struct {
			StartedDateTime string
			Time            float64
			Request         struct {
				Method, URL, HTTPVersion string
				Cookies                  []struct{ Name, Value string }
				QueryString              []struct{ Name, Value string }
				PostData                 *struct{ MimeType, Text string }
			}
			Response struct {
				Status      int
				RedirectURL string
				Cookies     []struct {
					Name, Value, Expires string
					HTTPOnly             bool
				}
				Content struct {
					Size, Compression        int64
					MimeType, Text, Encoding string
					Comment                  string
				}
			}
			Timings           struct{ Send, Wait, Receive float64 }
			ServerIPAddress   string
			Comment           string
			WebSocketMessages []struct {
				Type   string
				Opcode int
				Data   string
			} `json:"_webSocketMessages"`
		}
	}
}

func TestSession(t *testing.T) {
	out := render(har.New(har.Options{Version: "test"}), session())
	validate(t, out)

	golden.Check(t, filepath.Join("testdata", "session.har.golden"), out)

	var d doc
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	type summary struct {
		method, url string
		status      int
	}
	var got []summary
	for _, e := range d.Log.Entries {
		got = append(got, summary{e.Request.Method, e.Request.URL, e.Response.Status})
	}
	wantSummary := []summary{
		{"POST", "https://example.com/api/items?id=7&tag=a%20b&flag", 201},
		{"POST", "https://example.com/form", 200},
		{"GET", "https://example.com/logo.png", 200},
		{"GET", "https://h2.example/three", 204},
		{"GET", "https://h2.example/h2?q=%E2%9C%93", 200},
		{"GET", "https://93.184.216.34:443/cached", 304}, // request not captured
		{"GET", "https://93.184.216.34:443/slow", 200},   // the same, partial
		{"GET", "https://chat.example/chat", 101},        // by Finish, in the order they began:
		{"GET", "wss://93.184.216.34:443/", 101},         // WebSocket connections,
		{"DELETE", "https://example.com/items/8", 0},     // a request never answered
	}
	if diff := cmp.Diff(wantSummary, got, cmp.AllowUnexported(summary{})); diff != "" {
		t.Fatalf("entries (-want +got):\n%s", diff)
	}
	e := d.Log.Entries
	if r := e[0].Request; len(r.Cookies) != 2 || r.Cookies[1].Value != "dark" || len(r.QueryString) != 3 || r.QueryString[1].Value != "a b" || r.PostData == nil || r.PostData.Text != `{"name":"tapir"}` {
		t.Errorf("first request: %+v", r)
	}
	if r := e[0].Response; r.RedirectURL != "/api/items/8" || len(r.Cookies) != 1 || !r.Cookies[0].HTTPOnly || r.Cookies[0].Expires != "2026-10-21T07:28:00Z" {
		t.Errorf("first response: %+v", r)
	}
	if tm := e[0].Timings; tm.Send != 0.5 || tm.Wait != 1.5 || tm.Receive != 1 || e[0].Time != 3 {
		t.Errorf("timings %+v, time %v; want 0.5+1.5+1 = 3 ms", tm, e[0].Time)
	}
	if c := e[1].Response.Content; c.Size != 120 || c.Compression != 80 || c.Text != strings.Repeat("hello, gzip\n", 10) {
		t.Errorf("gzip content %+v", c)
	}
	if c := e[2].Response.Content; c.Encoding != "base64" || c.Size != 1000 || !strings.Contains(c.Comment, "990") {
		t.Errorf("binary content %+v", c)
	}
	if len(e[7].WebSocketMessages) != 3 {
		t.Fatalf("websocket entry: %+v", e[7])
	}
	wm := e[7].WebSocketMessages
	if wm[0].Type != "send" || wm[0].Data != "hello" || wm[1].Type != "receive" || wm[1].Opcode != 2 || wm[1].Data != "AAEC" || wm[2].Opcode != 8 {
		t.Errorf("websocket messages %+v", wm)
	}
	if len(e[8].WebSocketMessages) != 1 || e[8].Comment == "" {
		t.Errorf("websocket without handshake: %+v", e[8])
	}
	if e[9].Comment != "no response captured" {
		t.Errorf("unanswered request: %+v", e[9])
	}
	if !strings.Contains(e[6].Comment, "partial") || !strings.Contains(e[6].Comment, "gap: 94 bytes") {
		t.Errorf("partial response's comment %q", e[6].Comment)
	}
}

func TestEmpty(t *testing.T) {
	out := har.New(har.Options{}).Finish(nil)
	validate(t, out)
	if !bytes.Contains(out, []byte(`"entries":[`)) {
		t.Errorf("empty document %s", out)
	}
}

// TestBounds checks that pending requests and WebSocket messages are
// bounded, and what is past the bound is written or counted.
func TestBounds(t *testing.T) {
	f := har.New(har.Options{MaxPending: 2, MaxWSMessages: 1})
	c := conn(5, 1)
	var out []byte
	for i, target := range []string{"/a", "/b", "/c"} {
		out = f.Append(out, req(c, t0+uint64(i), t0+uint64(i), "GET", target, nil, nil))
	}
	if !bytes.Contains(out, []byte(`"url":"https://93.184.216.34:443/a"`)) || !bytes.Contains(out, []byte("no response captured")) {
		t.Errorf("the oldest request was not written when a third came:\n%s", out)
	}
	w := conn(7, 3)
	out = f.Append(out, ws(w, t0, 0, "text", []byte("one")))
	out = f.Append(out, ws(w, t0, 0, "text", []byte("two")))
	out = f.Finish(out)
	validate(t, out)
	if !bytes.Contains(out, []byte(`"ws_dropped":1`)) || bytes.Contains(out, []byte(`"two"`)) {
		t.Errorf("the second WebSocket message was not counted as dropped:\n%s", out)
	}
}

// TestReset checks that a Formatter starts a whole new document after
// Finish.
func TestReset(t *testing.T) {
	f := har.New(har.Options{})
	c := conn(5, 1)
	first := render(f, []*message.Message{req(c, t0, t0, "GET", "/", nil, nil)})
	second := render(f, nil)
	validate(t, first)
	validate(t, second)
	if bytes.Contains(second, []byte(`"GET"`)) {
		t.Errorf("second document holds the first's request:\n%s", second)
	}
}
