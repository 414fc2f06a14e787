package http1

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/protocol"
)

// The notes on responses paired while a gap leaves the pairing in doubt.
const (
	doubtReqs  = "paired first in, first out after a gap in the requests: the request may not be this response's"
	doubtResps = "paired first in, first out after a gap in the responses: the request may not be this response's"
	doubtBoth  = "paired first in, first out after a gap in the requests and the responses: the request may not be this response's"
)

// Wire bytes of the exchanges below.
const (
	getA = "GET /a HTTP/1.1\r\n\r\n"
	getB = "GET /b HTTP/1.1\r\n\r\n"
	getC = "GET /c HTTP/1.1\r\n\r\n"
	getD = "GET /d HTTP/1.1\r\n\r\n"
)

// ok returns a 200 response with body s.
func ok(s string) string {
	return "HTTP/1.1 200 OK\r\nContent-Length: " + itoa(len(s)) + "\r\n\r\n" + s
}

func TestPairingAfterGap(t *testing.T) {
	tests := []struct {
		name  string
		ops   []op
		want  []string
		stats Stats
	}{
		{
			name: "a gap inside a request body of known length loses no request",
			ops: []op{out("POST /u HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"), gapOut(4), out("xyz" + getB),
				in(ok("u") + ok("b"))},
			want: []string{`> POST /u HTTP/1.1 body="abc" size=10/10 partial [gap: 4 bytes not captured]`, `> GET /b HTTP/1.1`,
				`< 200 OK (POST /u) body="u"`, `< 200 OK (GET /b) body="b"`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 4, Partial: 1}, Gaps: 1},
		},
		{
			// The response to the lost request finds no request waiting;
			// GET /b's is in doubt, and once it came the doubt is over.
			name: "a request lost between messages, not pipelined",
			ops: []op{out(getA), in(ok("a")), gapOut(len(getA)), in(ok("lost")),
				out(getB), in(ok("b")), out(getC), in(ok("c"))},
			want: []string{`> GET /a HTTP/1.1`, `< 200 OK (GET /a) body="a"`, `< 200 OK body="lost"`,
				`> GET /b HTTP/1.1 [gap: 19 bytes not captured between messages]`, `< 200 OK (GET /b) body="b" [info: ` + doubtReqs + `]`,
				`> GET /c HTTP/1.1`, `< 200 OK (GET /c) body="c"`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 7}, Gaps: 1, Resyncs: 1, Unpaired: 1, Doubtful: 1},
		},
		{
			// FIFO pairs the lost request's response with GET /b: wrong,
			// but marked; GET /a's, sent before the gap, is sound.
			name: "a request lost between pipelined ones",
			ops: []op{out(getA), gapOut(len(getA)), out(getB),
				in(ok("a") + ok("lost") + ok("b")), out(getC), in(ok("c"))},
			want: []string{`> GET /a HTTP/1.1`, `> GET /b HTTP/1.1 [gap: 19 bytes not captured between messages]`,
				`< 200 OK (GET /a) body="a"`, `< 200 OK (GET /b) body="lost" [info: ` + doubtReqs + `]`, `< 200 OK body="b"`,
				`> GET /c HTTP/1.1`, `< 200 OK (GET /c) body="c"`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 7}, Gaps: 1, Resyncs: 1, Unpaired: 1, Doubtful: 1},
		},
		{
			// The start of GET /b's head is lost: the request is not seen,
			// and its response is paired with GET /c.
			name: "the start line of a request head cut by a gap",
			ops: []op{out(getA), in(ok("a")), out("GET /b HT"), gapOut(3), out("1.1\r\n\r\n" + getC),
				in(ok("b") + ok("c"))},
			want: []string{`> GET /a HTTP/1.1`, `< 200 OK (GET /a) body="a"`,
				`? out 16 bytes partial [gap: 3 bytes not captured] [info: 16 bytes skipped: no HTTP/1 message found in them]`,
				`> GET /c HTTP/1.1`, `< 200 OK (GET /c) body="b" [info: ` + doubtReqs + `]`, `< 200 OK body="c"`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 6, Partial: 1}, Gaps: 1, Resyncs: 1, Skipped: 16, Unpaired: 1, Doubtful: 1},
		},
		{
			// A lost response leaves GET /b waiting: every later response
			// is paired one request too early, and each says so.
			name: "a response lost between messages",
			ops: []op{out(getA), in(ok("a")), out(getB), gapIn(len(ok("b"))), out(getC), in(ok("c")),
				out(getD), in(ok("d"))},
			want: []string{`> GET /a HTTP/1.1`, `< 200 OK (GET /a) body="a"`, `> GET /b HTTP/1.1`, `> GET /c HTTP/1.1`,
				`< 200 OK (GET /b) body="c" [gap: 39 bytes not captured between messages] [info: ` + doubtResps + `]`,
				`> GET /d HTTP/1.1`, `< 200 OK (GET /c) body="d" [info: ` + doubtResps + `]`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 7}, Gaps: 1, Resyncs: 1, Doubtful: 2},
		},
		{
			name: "gaps in both directions",
			ops:  []op{out(getA), in(ok("a")), gapOut(5), gapIn(5), out(getB), in(ok("b"))},
			want: []string{`> GET /a HTTP/1.1`, `< 200 OK (GET /a) body="a"`,
				`> GET /b HTTP/1.1 [gap: 5 bytes not captured between messages]`,
				`< 200 OK (GET /b) body="b" [gap: 5 bytes not captured between messages] [info: ` + doubtBoth + `]`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 4}, Gaps: 2, Resyncs: 2, Doubtful: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, p := runParser(protocol.Config{}, tt.ops, protocol.Closed)
			if diff := cmp.Diff(tt.want, summaries(msgs)); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.stats, p.Stats()); diff != "" {
				t.Errorf("Stats (-want +got):\n%s", diff)
			}
		})
	}
}
