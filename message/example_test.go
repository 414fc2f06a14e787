package message_test

import (
	"fmt"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
)

// A parser fills in what the protocol says; the pipeline fills in Conn.
func ExampleMessage() {
	m := &message.Message{
		Proto: "redis",
		Type:  message.Response,
		Dir:   event.In,
		Start: 1_000_500, End: 1_000_900, // ns, on the events' clock
		Size:    11,
		Body:    &message.Body{Data: []byte(`"hello"`), Size: 11},
		Request: &message.RequestRef{Method: "GET", Target: "greeting"},
		Latency: &message.Latency{First: 500, Last: 900},
	}
	fmt.Printf("%s %s %s, answers %s %s after %dns: %s\n",
		m.Proto, m.Type, m.Dir, m.Request.Method, m.Request.Target, m.Latency.Last, m.Body.Data)
	// Output: redis response in, answers GET greeting after 900ns: "hello"
}

func ExampleMessage_AddNote() {
	m := &message.Message{Proto: "http1", Type: message.Response,
		Body: &message.Body{Data: []byte("first 1 KiB..."), Cut: 1 << 20}}
	m.AddNote(message.Gap, "%d bytes not captured", 512)
	fmt.Println(m.Truncated())
	for _, n := range m.Notes {
		fmt.Printf("%s: %s\n", n.Kind, n.Text)
	}
	// Output:
	// true
	// gap: 512 bytes not captured
}
