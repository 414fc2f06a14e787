package redis_test

import (
	"fmt"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/redis"
)

func ExampleParser() {
	p := redis.New(protocol.Limits{})
	emit := func(m *message.Message) {
		fmt.Printf("%s %s", m.Type, m.Dir)
		if m.Request != nil {
			fmt.Printf(" (answers %s %s after %dµs)", m.Request.Method, m.Request.Target, m.Latency.Last/1000)
		}
		fmt.Printf(":\n%s\n", m.Body.Data)
	}
	// Two pipelined commands, then their replies, split anywhere.
	p.Feed(event.Out, []byte("*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$11\r\nhello world\r\n*2\r\n$6\r\nLRANGE"), 1000, emit)
	p.Feed(event.Out, []byte("\r\n$4\r\nlist\r\n"), 2000, emit)
	p.Feed(event.In, []byte("+OK\r\n*2\r\n$1\r\na\r\n:7\r"), 5000, emit)
	p.Feed(event.In, []byte("\n"), 6000, emit)
	p.Flush(protocol.Closed, emit)
	// Output:
	// request out:
	// SET greeting "hello world"
	// request out:
	// LRANGE list
	// response in (answers SET greeting after 4µs):
	// +OK
	// response in (answers LRANGE list after 4µs):
	// 1) "a"
	// 2) :7
}

func ExampleDetect() {
	for _, s := range []struct{ out, in string }{
		{"*1\r\n$4\r\nPI", ""},                        // an array command, cut short
		{"*1\r\n$4\r\nPING\r\n", ""},                  // what client libraries send
		{"PING\r\n", ""},                              // inline: is the answer RESP?
		{"PING\r\n", "+PONG\r\n"},                     // it is
		{"GET / HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n"}, // it is not
	} {
		v := redis.Detect(protocol.Sample{Out: []byte(s.out), In: []byte(s.in), First: event.Out})
		fmt.Printf("%q %q: %v\n", s.out, s.in, v)
	}
	// Output:
	// "*1\r\n$4\r\nPI" "": need-more
	// "*1\r\n$4\r\nPING\r\n" "": yes
	// "PING\r\n" "": need-more
	// "PING\r\n" "+PONG\r\n": yes
	// "GET / HTTP/1.1\r\n" "HTTP/1.1 200 OK\r\n": no
}
