package pb_test

import (
	"bytes"
	"fmt"
	"net/netip"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output/pb"
)

// A stream of records written by the Formatter and read back by a Reader.
func Example() {
	m := &message.Message{
		Conn: &message.Conn{PID: 4242, FD: 5, Comm: "curl", Serial: 1,
			Src: netip.MustParseAddrPort("127.0.0.1:50514"), Dst: netip.MustParseAddrPort("127.0.0.1:8443")},
		Proto: "http1", Type: message.Request, Dir: event.Out,
		HTTP: &message.HTTP{Method: "GET", Target: "/", Version: "HTTP/1.1", Headers: []message.Header{{Name: "Host", Value: "example.com"}}},
	}
	var stream []byte
	f := pb.New(pb.Options{})
	stream = f.Append(stream, m)

	r := pb.NewReader(bytes.NewReader(stream))
	e, err := r.Next()
	if err != nil {
		fmt.Println(err)
		return
	}
	ev := e.GetEventPayload()
	fmt.Printf("%s type=%d %s:%d → %s:%d\n%q\n", ev.GetUuid(), ev.GetType(), ev.GetSrcIp(), ev.GetSrcPort(), ev.GetDstIp(), ev.GetDstPort(), ev.GetPayload())
	back := pb.ToMessage(ev)
	fmt.Println(back.HTTP.Method, back.HTTP.Target, back.Connection().Comm)
	// Output:
	// 4242_5_1 type=1 127.0.0.1:50514 → 127.0.0.1:8443
	// "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
	// GET / curl
}
