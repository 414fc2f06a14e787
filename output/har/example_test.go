package har_test

import (
	"encoding/json"
	"fmt"
	"net/netip"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output/har"
)

// A request and its response become one entry; Finish closes the
// document.
func Example() {
	c := &message.Conn{PID: 4242, FD: 5, Comm: "curl", Serial: 1,
		Src: netip.MustParseAddrPort("127.0.0.1:50514"), Dst: netip.MustParseAddrPort("127.0.0.1:8443")}
	t0 := uint64(1732350000_000000000)
	f := har.New(har.Options{Version: "example"})
	var doc []byte
	doc = f.Append(doc, &message.Message{Conn: c, Proto: "http1", Type: message.Request, Dir: event.Out, Start: t0, End: t0 + 1e6,
		HTTP: &message.HTTP{Method: "GET", Target: "/api?id=1", Version: "HTTP/1.1", Headers: []message.Header{{Name: "Host", Value: "example.com"}}}})
	doc = f.Append(doc, &message.Message{Conn: c, Proto: "http1", Type: message.Response, Dir: event.In, Start: t0 + 5e6, End: t0 + 6e6,
		HTTP:    &message.HTTP{Version: "HTTP/1.1", Status: 200, Reason: "OK", Headers: []message.Header{{Name: "Content-Type", Value: "application/json"}}},
		Body:    &message.Body{Data: []byte(`{"id":1}`), Size: 8, DecodedSize: 8, ContentType: "application/json"},
		Request: &message.RequestRef{Method: "GET", Target: "/api?id=1"},
		Latency: &message.Latency{First: 4e6, Last: 5e6}})
	doc = f.Finish(doc)

	var h struct {
		Log struct {
			Entries []struct {
				StartedDateTime string
				Time            float64
				Request         struct{ URL string }
				Response        struct{ Content struct{ Text string } }
				Timings         struct{ Send, Wait, Receive float64 }
			}
		}
	}
	if err := json.Unmarshal(doc, &h); err != nil {
		fmt.Println(err)
		return
	}
	e := h.Log.Entries[0]
	fmt.Println(e.StartedDateTime, e.Request.URL, e.Response.Content.Text)
	fmt.Printf("%+v = %v ms\n", e.Timings, e.Time)
	// Output:
	// 2024-11-23T08:20:00.000000Z https://example.com/api?id=1 {"id":1}
	// {Send:1 Wait:4 Receive:1} = 6 ms
}
