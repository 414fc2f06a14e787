package sink_test

import (
	"context"
	"fmt"

	"github.com/coder/websocket"

	"github.com/tapir-dev/tapir/output/sink"
)

// A WebSocket server sends each record to the clients that present its
// token.
func ExampleNewWebSocket() {
	connected := make(chan struct{}, 1)
	s, err := sink.NewWebSocket("ws://127.0.0.1:0/feed", &sink.Options{
		Token: "s3cret",
		Logf: func(format string, args ...any) {
			if format == "websocket: client %s connected" {
				connected <- struct{}{}
			}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, s.URL()+"?token=s3cret", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.CloseNow()
	<-connected

	s.WriteRecord([]byte(`{"proto":"http1","type":"request"}`))
	_, msg, err := c.Read(ctx)
	fmt.Println(string(msg), err)
	// Output:
	// {"proto":"http1","type":"request"} <nil>
}
