package redis_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/redis"
)

// pipelined returns n SET and GET commands as one write, and their
// replies as another, as a pipelining client and its server make them.
func pipelined(n int) (cmds, replies []byte) {
	var c, r bytes.Buffer
	for i := range n {
		key := fmt.Sprintf("user:%06d", i)
		val := fmt.Sprintf(`{"id":%d,"name":"user %d","plan":"pro"}`, i, i)
		fmt.Fprintf(&c, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(key), key, len(val), val)
		fmt.Fprintf(&c, "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", len(key), key)
		fmt.Fprintf(&r, "+OK\r\n$%d\r\n%s\r\n", len(val), val)
	}
	return c.Bytes(), r.Bytes()
}

// BenchmarkParsePipelined feeds 1000 pipelined SET and GET commands and
// their replies in 16 KiB reads.
func BenchmarkParsePipelined(b *testing.B) {
	cmds, replies := pipelined(1000)
	b.SetBytes(int64(len(cmds) + len(replies)))
	b.ReportAllocs()
	n := 0
	emit := func(*message.Message) { n++ }
	for b.Loop() {
		p := redis.New(protocol.Limits{})
		for _, s := range []struct {
			dir  event.Dir
			data []byte
		}{{event.Out, cmds}, {event.In, replies}} {
			for i := 0; i < len(s.data); i += 16 << 10 {
				p.Feed(s.dir, s.data[i:min(i+16<<10, len(s.data))], 1, emit)
			}
		}
		p.Flush(protocol.Closed, emit)
	}
	if n != b.N*4000 {
		b.Fatalf("%d messages; want %d", n, b.N*4000)
	}
}

// BenchmarkParseRecording parses the redis-cli recording, event by event.
func BenchmarkParseRecording(b *testing.B) {
	c := connections(b, "redis-cli")[0]
	size := 0
	for _, e := range c.events {
		size += len(e.Data)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	emit := func(*message.Message) {}
	for b.Loop() {
		p := redis.New(protocol.Limits{})
		for _, e := range c.events {
			p.Feed(e.Dir, e.Data, e.Time, emit)
		}
		p.Flush(protocol.Closed, emit)
	}
}
