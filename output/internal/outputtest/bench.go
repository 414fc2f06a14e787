package outputtest

import (
	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
)

// BenchMessages returns the messages the formatters' benchmarks append: a
// small raw turn ("raw") and a small HTTP response ("http"), each named for
// its sub-benchmark.
func BenchMessages() []Fixture {
	ping := []byte("PING\r\n")
	body := []byte(`{"id":1,"name":"tapir"}`)
	return []Fixture{
		{"raw", message.Message{
			Conn: Curl, Proto: "raw", Type: message.Data, Dir: event.Out,
			Start: 1732350000123456789, End: 1732350000123456789, Size: int64(len(ping)),
			Raw: ping, Body: &message.Body{Data: ping, Size: int64(len(ping)), DecodedSize: int64(len(ping))},
		}},
		{"http", message.Message{
			Conn: Curl, Proto: "http1", Type: message.Response, Dir: event.In,
			Start: 1732350000123456789, End: 1732350000124456789, Size: 120,
			HTTP:    &message.HTTP{Version: "HTTP/1.1", Status: 200, Reason: "OK", Headers: Fields("Content-Type", "application/json", "Content-Length", "23", "Date", "Sat, 23 Nov 2024 08:19:12 GMT")},
			Body:    &message.Body{Data: body, Size: int64(len(body)), DecodedSize: int64(len(body)), ContentType: "application/json"},
			Request: &message.RequestRef{Method: "GET", Target: "/api/items/1"},
			Latency: &message.Latency{First: 900_000, Last: 1_000_000},
		}},
	}
}
