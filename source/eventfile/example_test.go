package eventfile_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/tapir-dev/tapir/source/eventfile"
)

func ExampleNewReader() {
	const file = `{"kind":"data","ts":1,"pid":4242,"tid":4243,"comm":"curl","fd":5,"dir":"out","dst":"127.0.0.1:8443","data":"R0VUIC8gSFRUUC8xLjENCg0K"}
not an event
{"kind":"close","ts":2,"pid":4242,"tid":4243,"fd":5}
`
	r := eventfile.NewReader(strings.NewReader(file), "events.jsonl", &eventfile.Options{
		OnError: func(err error) { fmt.Println("skipped:", err) },
	})
	defer r.Close()
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("line %d: %s %v %q\n", r.Lines(), e.Kind, e.ID(), e.Data)
	}
	fmt.Printf("%d lines, %d bad\n", r.Lines(), r.Bad())
	// Output:
	// line 1: data pid=4242 fd=5 "GET / HTTP/1.1\r\n\r\n"
	// skipped: events.jsonl:2: invalid JSON: unexpected "n" at column 1
	// line 3: close pid=4242 fd=5 ""
	// 3 lines, 1 bad
}
