package http1

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// within reports whether s's bytes lie in b's backing array.
func within(s string, b []byte) bool {
	if s == "" || cap(b) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= lo && p < lo+uintptr(cap(b))
}

// TestHeadStringsLiveInRaw checks where a message's strings are kept: its
// head's in its Raw (one copy of the head), but not those of the queue of
// requests awaiting responses when the request has a body, which the
// queue would otherwise keep alive.
func TestHeadStringsLiveInRaw(t *testing.T) {
	for _, tt := range []struct {
		name, req  string
		queueInRaw bool
	}{
		{"no body", "GET /items HTTP/1.1\r\nHost: a\r\n\r\n", true},
		{"body", "POST /items HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := New(protocol.Config{})
			var got *message.Message
			p.Feed(event.Out, []byte(tt.req), 1, func(m *message.Message) { got = m })
			if got == nil {
				t.Fatal("no message")
			}
			h := got.HTTP
			for _, s := range []string{h.Method, h.Target, h.Headers[0].Name, h.Headers[0].Value} {
				if !within(s, got.Raw) {
					t.Errorf("%q is not in the message's Raw", s)
				}
			}
			e := p.q[event.Out].front()
			if e == nil {
				t.Fatal("no request queued")
			}
			if in := within(e.target, got.Raw); in != tt.queueInRaw {
				t.Errorf("queued target in Raw: %v; want %v", in, tt.queueInRaw)
			}
			if strings.HasPrefix(tt.req, "POST") && within(e.method, got.Raw) {
				t.Errorf("queued method %q is in Raw", e.method)
			}
		})
	}
}
