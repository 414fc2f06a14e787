package text_test

import (
	"net/netip"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output/text"
)

// benchMessages are a small raw turn and a small HTTP response, as in
// output/jsonl's benchmarks.
func benchMessages() []struct {
	name string
	msg  message.Message
} {
	conn := message.Conn{
		ID: event.ConnID{PID: 4242, FD: 5}, PID: 4242, FD: 5, Comm: "curl", Lib: "openssl",
		Src: netip.MustParseAddrPort("10.0.0.7:50514"), Dst: netip.MustParseAddrPort("93.184.216.34:443"), Serial: 1,
	}
	ping := []byte("PING\r\n")
	body := []byte(`{"id":1,"name":"tapir"}`)
	return []struct {
		name string
		msg  message.Message
	}{
		{"raw", message.Message{
			Conn: conn, Proto: "raw", Type: message.Data, Dir: event.Out,
			Start: 1732350000123456789, End: 1732350000123456789, Size: int64(len(ping)),
			Raw: ping, Body: &message.Body{Data: ping, Size: int64(len(ping)), DecodedSize: int64(len(ping))},
		}},
		{"http", message.Message{
			Conn: conn, Proto: "http1", Type: message.Response, Dir: event.In,
			Start: 1732350000123456789, End: 1732350000124456789, Size: 120,
			HTTP:    &message.HTTP{Version: "HTTP/1.1", Status: 200, Reason: "OK", Headers: fields("Content-Type", "application/json", "Content-Length", "23", "Date", "Sat, 23 Nov 2024 08:19:12 GMT")},
			Body:    &message.Body{Data: body, Size: int64(len(body)), DecodedSize: int64(len(body)), ContentType: "application/json"},
			Request: &message.RequestRef{Method: "GET", Target: "/api/items/1"},
			Latency: &message.Latency{First: 900_000, Last: 1_000_000},
		}},
	}
}

func BenchmarkText(b *testing.B) {
	for _, bm := range benchMessages() {
		b.Run(bm.name, func(b *testing.B) {
			f := text.New(text.Options{})
			buf := f.Append(nil, &bm.msg)
			b.SetBytes(bm.msg.Size)
			b.ReportAllocs()
			for b.Loop() {
				buf = f.Append(buf[:0], &bm.msg)
			}
		})
	}
}
