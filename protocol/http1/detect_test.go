package http1

import (
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/protocol"
)

func TestDetect(t *testing.T) {
	const (
		yes  = protocol.Yes
		no   = protocol.No
		more = protocol.NeedMore
	)
	tests := []struct {
		out, in string
		first   event.Dir
		want    protocol.Verdict
	}{
		{"GET / HTTP/1.1\r\n", "", event.Out, yes},
		{"GET / HTTP/1.1\n", "", event.Out, yes},              // bare LF
		{"GET / HTTP/1.0\r\nHost: x\r\n", "", event.Out, yes}, // more than the line
		{"GET / HTTP/1.1\r", "", event.Out, more},
		{"GET / HTTP/1.1", "", event.Out, more},
		{"GET / HTTP/1.", "", event.Out, more},
		{"GET /", "", event.Out, more},
		{"GET ", "", event.Out, more},
		{"GE", "", event.Out, more},
		{"G", "", event.Out, more},
		{"PROPFIND /dav HTTP/1.1\r\n", "", event.Out, yes},
		{"MKCALENDAR /cal HTTP/1.1\r\n", "", event.Out, yes},
		{"VERSION-CONTROL /x HTTP/1.1\r\n", "", event.Out, yes},
		{"PATCH /p HTTP/1.1\r\n", "", event.Out, yes},
		{"PURGE /cache HTTP/1.1\r\n", "", event.Out, yes},
		{"QUERY /q HTTP/1.1\r\n", "", event.Out, yes},
		{"OPTIONS * HTTP/1.1\r\n", "", event.Out, yes},
		{"CONNECT host:443 HTTP/1.1\r\n", "", event.Out, yes},
		{"FROB / HTTP/1.1\r\n", "", event.Out, no}, // not registered
		{"get / HTTP/1.1\r\n", "", event.Out, no},  // methods are case-sensitive
		{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "", event.Out, no},
		{"PRI * HTTP/2.0", "", event.Out, no},
		{"PRI", "", event.Out, no},
		{"GET / HTTP/2.0\r\n", "", event.Out, no},
		{"GET / HTTP/1.1 extra\r\n", "", event.Out, no},
		{"GET  / HTTP/1.1\r\n", "", event.Out, no},
		{"GET /\x00 HTTP/1.1\r\n", "", event.Out, no},
		{"GET / FTP/1.1\r\n", "", event.Out, no},
		{"GET /\r\n", "", event.Out, no}, // HTTP/0.9
		{"\x16\x03\x01\x02\x00", "", event.Out, no},
		{"", "HTTP/1.1 200 OK\r\n", event.In, yes},
		{"", "HTTP/1.1 200\r\n", event.In, yes},
		{"", "HTTP/1.0 404 Not Found\n", event.In, yes},
		{"", "HTTP/1.1 200 OK", event.In, more},
		{"", "HTTP/1.1 2", event.In, more},
		{"", "HTT", event.In, more},
		{"", "HTTP/2 200\r\n", event.In, no},
		{"", "HTTP/1.1 20\r\n", event.In, no},
		{"", "HTTP/1.1 2000 OK\r\n", event.In, no},
		{"", "HTTP/1.1 200 O\x01K\r\n", event.In, no},
		{"", "", event.Out, no},
		// Either direction may decide; a server-side capture reads requests.
		{"HTTP/1.1 200 OK\r\n", "GET / HTTP/1.1\r\n", event.In, yes},
		{"\x00\x00junk", "HTTP/1.1 200 OK\r\n", event.Out, yes},
		{"GE", "\x00", event.Out, more},
		{"SSH-2.0-OpenSSH_9.6\r\n", "", event.Out, no},
		{"*1\r\n$4\r\nPING\r\n", "", event.Out, no},
		{"GET " + strings.Repeat("a", maxLine), "", event.Out, no},
	}
	for _, tt := range tests {
		s := protocol.Sample{Out: []byte(tt.out), In: []byte(tt.in), First: tt.first}
		if got := Detect(s); got != tt.want {
			t.Errorf("Detect(out %.30q, in %.30q) = %v; want %v", tt.out, tt.in, got, tt.want)
		}
	}
}

func TestMethodsTable(t *testing.T) {
	for _, m := range methods {
		if !isToken(m) || !registered([]byte(m)) || m == "PRI" {
			t.Errorf("method %q: token %v, registered %v", m, isToken(m), registered([]byte(m)))
		}
		for i := 1; i < len(m); i++ {
			if !methodPrefix([]byte(m[:i])) {
				t.Errorf("methodPrefix(%q) = false", m[:i])
			}
		}
	}
}

func TestLatency(t *testing.T) {
	ops := []op{
		{dir: event.Out, data: "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n", at: 100},
		{dir: event.Out, data: "ok", at: 150},
		{dir: event.In, data: "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab", at: 400},
		{dir: event.In, data: "cd", at: 1000},
		// Expect: 100-continue: the interim response comes before the
		// request's end.
		{dir: event.Out, data: "PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", at: 2000},
		{dir: event.In, data: "HTTP/1.1 100 Continue\r\n\r\n", at: 2100},
		{dir: event.Out, data: "x", at: 2200},
		{dir: event.In, data: "HTTP/1.1 204 No Content\r\n\r\n", at: 2500},
	}
	msgs := run(protocol.Config{}, ops, protocol.Closed)
	type lat struct {
		start, end, first, last uint64
	}
	var got []lat
	for _, m := range msgs {
		if m.Latency != nil {
			got = append(got, lat{m.Start, m.End, m.Latency.First, m.Latency.Last})
		}
	}
	want := []lat{{400, 1000, 250, 850}, {2100, 2100, 100, 100}, {2500, 2500, 300, 300}}
	if len(got) != len(want) {
		t.Fatalf("got %d responses with latency; want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("response %d: start, end, first, last = %v; want %v", i, got[i], want[i])
		}
	}
	if m := msgs[0]; m.Start != 100 || m.End != 150 || m.Size != 40 {
		t.Errorf("request: Start %d End %d Size %d; want 100 150 40", m.Start, m.End, m.Size)
	}
}
