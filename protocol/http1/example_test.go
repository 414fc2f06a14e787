package http1_test

import (
	"fmt"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/http1"
)

// A client's two requests on one keep-alive connection, and the responses
// it read, the second in two pieces.
func ExampleParser() {
	p := http1.New(protocol.Config{})
	show := func(m *message.Message) {
		switch m.Type {
		case message.Request:
			fmt.Printf("%s %s\n", m.HTTP.Method, m.HTTP.Target)
		case message.Response:
			fmt.Printf("%d %s for %s %s after %dns: %q\n", m.HTTP.Status, m.HTTP.Reason,
				m.Request.Method, m.Request.Target, m.Latency.First, m.Body.Data)
		}
	}
	p.Feed(event.Out, []byte("GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n"), 1000, show)
	p.Feed(event.In, []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"), 1500, show)
	p.Feed(event.Out, []byte("GET /b HTTP/1.1\r\nHost: example.com\r\n\r\n"), 2000, show)
	p.Feed(event.In, []byte("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnope"), 2100, show)
	p.Feed(event.In, []byte("\r\n0\r\n\r\n"), 2200, show)
	p.Flush(protocol.Closed, show)
	// Output:
	// GET /a
	// 200 OK for GET /a after 500ns: "hi"
	// GET /b
	// 404 Not Found for GET /b after 100ns: "nope"
}

func ExampleDetect() {
	for _, s := range []string{"GET / HTTP/1.1\r\n", "GET / HTT", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HTTP/1.1 200 OK\r\n"} {
		fmt.Println(http1.Detect(protocol.Sample{Out: []byte(s)}))
	}
	// Output:
	// yes
	// need-more
	// no
	// yes
}
