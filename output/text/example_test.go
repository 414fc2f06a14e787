package text_test

import (
	"net/netip"
	"os"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output"
	"github.com/tapir-dev/tapir/output/text"
)

func Example() {
	w := output.NewWriter(os.Stdout, text.New(text.Options{Pretty: true}))
	defer w.Close()
	w.Write(&message.Message{
		Conn: &message.Conn{
			PID: 4242, Comm: "curl",
			Src: netip.MustParseAddrPort("10.0.0.7:50514"), Dst: netip.MustParseAddrPort("93.184.216.34:443"),
		},
		Proto: "http1", Type: message.Response, Dir: event.In,
		Start: 1732350000123456789, End: 1732350000124456789, Size: 74,
		HTTP: &message.HTTP{Version: "HTTP/1.1", Status: 200, Reason: "OK",
			Headers: []message.Header{{Name: "Content-Type", Value: "application/json"}}},
		Body:    &message.Body{Data: []byte(`{"id":1}`), Size: 8, ContentType: "application/json"},
		Request: &message.RequestRef{Method: "GET", Target: "/items/1"},
		Latency: &message.Latency{First: 1_100_000, Last: 1_200_000},
	})
	// Output:
	// 08:20:00.124456 curl[4242] 10.0.0.7:50514 ← 93.184.216.34:443 http1 response in 74B ← GET /items/1 1.2ms (first byte 1.1ms)
	// HTTP/1.1 200 OK
	// Content-Type: application/json
	//
	// {
	//   "id": 1
	// }
}
