package http1

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

func TestGapAndResync(t *testing.T) {
	tests := []struct {
		name  string
		ops   []op
		want  []string
		stats Stats
	}{
		{
			name: "inside a body of known length",
			ops: []op{out("POST /u HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"), gapOut(4), out("xyzGET /n HTTP/1.1\r\n\r\n"),
				in("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")},
			want: []string{`> POST /u HTTP/1.1 body="abc" size=10/10 partial [gap: 4 bytes not captured]`, `> GET /n HTTP/1.1`,
				`< 200 OK (POST /u)`, `< 200 OK (GET /n)`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 4, Partial: 1}, Gaps: 1},
		},
		{
			name:  "at the very end of a body",
			ops:   []op{in("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc"), gapIn(3), in("HTTP/1.1 204 No Content\r\n\r\n")},
			want:  []string{`< 200 OK body="abc" size=6/6 partial [gap: 3 bytes not captured]`, `< 204 No Content`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 2, Partial: 1}, Gaps: 1, Unpaired: 2},
		},
		{
			name: "past the end of a body",
			ops: []op{in("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc"), gapIn(10), in("ing the next head\r\nServer: x\r\n\r\n"),
				in("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")},
			want: []string{`< 200 OK body="abc" size=6/6 partial [gap: 3 bytes not captured] [gap: 7 more bytes not captured past the end of the body]`,
				`? in 32 bytes partial [info: 32 bytes skipped: no HTTP/1 message found in them]`,
				`< 404 Not Found`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 3, Partial: 2}, Gaps: 1, Resyncs: 1, Skipped: 32, Unpaired: 2},
		},
		{
			name: "in a head",
			ops: []op{out("GET /a HTTP/1.1\r\nHost: x\r\nUser-Ag"), gapOut(100), out("ent: curl\r\n\r\nGET /b HTTP/1.1\r\n\r\n"),
				in("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")},
			want: []string{`> GET /a HTTP/1.1 partial [gap: 100 bytes not captured in the head]`,
				`? out 13 bytes partial [info: 13 bytes skipped: no HTTP/1 message found in them]`,
				// The 100 bytes lost may have held whole requests: GET /b's
				// pairing is in doubt (see doubt); GET /a's, older, is not.
				`> GET /b HTTP/1.1`, `< 200 OK (GET /a)`, `< 200 OK (GET /b) [info: ` + doubtReqs + `]`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 5, Partial: 2}, Gaps: 1, Resyncs: 1, Skipped: 13, Doubtful: 1},
		},
		{
			name:  "between messages",
			ops:   []op{out("GET /a HTTP/1.1\r\n\r\n"), gapOut(20), out("GET /b HTTP/1.1\r\n\r\n")},
			want:  []string{`> GET /a HTTP/1.1`, `> GET /b HTTP/1.1 [gap: 20 bytes not captured between messages]`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 2}, Gaps: 1, Resyncs: 1},
		},
		{
			name: "in chunked framing",
			ops: []op{in("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"), gapIn(3), in("\r\n3"), gapIn(50),
				in("\r\nzzz\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")},
			want: []string{`< 200 OK body="ab" size=5/5 partial [gap: 3 bytes not captured] [gap: 50 bytes not captured in the chunked framing]`,
				`? in 12 bytes partial [info: 12 bytes skipped: no HTTP/1 message found in them]`, `< 200 OK`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 3, Partial: 2}, Gaps: 2, Resyncs: 1, Skipped: 12, Unpaired: 2},
		},
		{
			name:  "in a close-delimited body",
			ops:   []op{in("HTTP/1.0 200 OK\r\n\r\nabc"), gapIn(5), in("def")},
			want:  []string{`< 200 OK body="abc" size=11/11 partial [gap: 5 bytes not captured] [info: the connection was shutdown before the end of the message]`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 1, Partial: 1}, Gaps: 1, Unpaired: 1},
		},
		{
			name: "in a gzip body",
			ops: []op{in("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + itoa(len(gz(longText))) + "\r\n\r\n" + gz(longText)[:60]),
				gapIn(len(gz(longText)) - 60)},
			// What decoded before the gap is shown.
			want:  []string{`< 200 OK body="It was the best of tim" enc="gzip" size=` + itoa(len(gz(longText))) + `/22 partial [gap: ` + itoa(len(gz(longText))-60) + ` bytes not captured]`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 1, Partial: 1}, Gaps: 1, Unpaired: 1},
		},
		{
			name: "skipping junk then a status line",
			ops:  []op{in("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), gapIn(7), in("junk\x00\x01\nmore junk\nHTTP/1.1 200 OK\r\n\r\n")},
			want: []string{`< 200 OK body="ok"`, `? in 17 bytes partial [gap: 7 bytes not captured between messages] [info: 17 bytes skipped: no HTTP/1 message found in them]`,
				`< 200 OK partial [info: the connection was shutdown before the end of the message]`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 3, Partial: 2}, Gaps: 1, Resyncs: 1, Skipped: 17, Unpaired: 2},
		},
		{
			name: "resync looks only for requests in the client direction",
			ops:  []op{out("GET /a HTTP/1.1\r\n\r\n"), gapOut(5), out("x\nHTTP/1.1 200 OK\r\n\r\nGET /b HTTP/1.1\r\n\r\n")},
			want: []string{`> GET /a HTTP/1.1`,
				`? out 21 bytes partial [gap: 5 bytes not captured between messages] [info: 21 bytes skipped: no HTTP/1 message found in them]`,
				`> GET /b HTTP/1.1`},
			stats: Stats{Emitted: protocol.Emitted{Messages: 3, Partial: 1}, Gaps: 1, Resyncs: 1, Skipped: 21},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(protocol.Config{})
			var msgs []*message.Message
			emit := func(m *message.Message) { msgs = append(msgs, m) }
			for i, o := range tt.ops {
				if o.gap > 0 {
					p.Gap(o.dir, o.gap, uint64(i), emit)
				} else {
					p.Feed(o.dir, []byte(o.data), uint64(i), emit)
				}
			}
			p.Flush(protocol.Shutdown, emit)
			if diff := cmp.Diff(tt.want, summaries(msgs)); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.stats, p.Stats()); diff != "" {
				t.Errorf("Stats (-want +got):\n%s", diff)
			}
		})
	}
}

const longText = "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, " +
	"it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of Darkness."

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
