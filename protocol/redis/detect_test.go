package redis_test

import (
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/redis"
)

func TestDetect(t *testing.T) {
	const (
		yes  = protocol.Yes
		no   = protocol.No
		more = protocol.NeedMore
	)
	tests := []struct {
		name    string
		out, in string
		first   event.Dir
		want    protocol.Verdict
	}{
		{"array command", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", "", event.Out, yes},
		{"array, name complete", "*1\r\n$4\r\nPING\r\n", "", event.Out, yes},
		{"module command", "*2\r\n$8\r\nJSON.GET\r\n", "", event.Out, yes},
		{"prefix *", "*", "", event.Out, more},
		{"prefix *3", "*3", "", event.Out, more},
		{"prefix *3\\r", "*3\r", "", event.Out, more},
		{"prefix to $", "*3\r\n$", "", event.Out, more},
		{"prefix in name", "*3\r\n$3\r\nSE", "", event.Out, more},
		{"name without CRLF", "*3\r\n$3\r\nSETX", "", event.Out, no},
		{"zero count", "*0\r\n", "", event.Out, no},
		{"not a bulk", "*1\r\n:1\r\n", "", event.Out, no},
		{"name not a word", "*1\r\n$3\r\n{x}\r\n", "", event.Out, no},
		{"name too long", "*1\r\n$99\r\n", "", event.Out, no},
		{"count too long", "*123456789\r\n", "", event.Out, no},
		{"IMAP untagged", "* OK IMAP4rev1 ready\r\n", "", event.Out, no},
		{"server traced", "+PONG\r\n", "*1\r\n$4\r\nPING\r\n", event.In, yes},
		{"inline answered", "PING\r\n", "+PONG\r\n", event.Out, yes},
		{"inline lower case", "get key\n", "$-1\r\n", event.Out, yes},
		{"inline, no answer yet", "PING\r\n", "", event.Out, more},
		{"inline, line not ended", "SET k v", "", event.Out, more},
		{"inline, word growing", "PI", "", event.Out, more},
		{"inline, unknown word", "FROB x\r\n", "+OK\r\n", event.Out, no},
		{"inline, not answered in RESP", "HELLO client=echo_client.py\n", "WELCOME client=echo_client.py\n", event.Out, no},
		{"HTTP", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK\r\n", event.Out, no},
		{"HTTP, no answer yet", "GET / HTTP/1.1\r\n", "", event.Out, more},
		{"TLS", "\x16\x03\x01\x02\x00", "", event.Out, no},
		{"empty", "", "", event.Out, no},
		{"reply only", "", "+OK\r\n", event.In, no},
	}
	for _, tt := range tests {
		s := protocol.Sample{Out: []byte(tt.out), In: []byte(tt.in), First: tt.first}
		if got := redis.Detect(s); got != tt.want {
			t.Errorf("%s: Detect(out %q, in %q) = %v; want %v", tt.name, tt.out, tt.in, got, tt.want)
		}
	}
}

// TestDetectEveryPrefix checks that no proper prefix of a command says
// No: detection waits instead.
func TestDetectEveryPrefix(t *testing.T) {
	for _, cmd := range []string{"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", "*12\r\n$10\r\nSUBSCRIBE2\r\n"} {
		for i := 1; i < len(cmd); i++ {
			s := protocol.Sample{Out: []byte(cmd[:i])}
			if v := redis.Detect(s); v == protocol.No {
				t.Errorf("Detect(%q) = no", cmd[:i])
			}
		}
	}
}
