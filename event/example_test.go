package event_test

import (
	"fmt"

	"github.com/tapir-dev/tapir/event"
)

func ExampleEvent_ID() {
	// Two threads of one process, writing to one socket: one connection.
	a := event.Event{Kind: event.Data, PID: 4242, TID: 4243, FD: 5, Dir: event.Out, Data: []byte("GET / HTTP/1.1\r\n")}
	b := event.Event{Kind: event.Data, PID: 4242, TID: 4250, FD: 5, Dir: event.In, Data: []byte("HTTP/1.1 200 OK\r\n")}
	fmt.Println(a.ID(), a.ID() == b.ID())

	// A source that knows connections by a name of its own sets Conn.
	c := event.Event{Kind: event.Close, Conn: "proxy-17"}
	fmt.Println(c.ID())
	// Output:
	// pid=4242 fd=5 true
	// conn=proxy-17
}

func ExampleEvent_Lost() {
	// The process wrote 10000 bytes; the source kept the first 4096.
	e := event.Event{Kind: event.Data, Data: make([]byte, 4096), OrigLen: 10000}
	fmt.Println(e.Lost())
	// Output: 5904
}

func ExampleDir_Other() {
	d := event.Out
	fmt.Println(d, d.Other(), event.Close, event.Data)
	// Output: out in close data
}
