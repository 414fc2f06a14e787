package http1

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// fieldsHead is a request head with n fields "X-F-i: v" and then extra
// (whole field lines, CRLFs included).
func fieldsHead(n int, extra string) string {
	var b strings.Builder
	b.WriteString("POST /f HTTP/1.1\r\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "X-F-%d: v\r\n", i)
	}
	b.WriteString(extra)
	b.WriteString("\r\n")
	return b.String()
}

// sizedHead is a request head of exactly n bytes (n > 40), padded with
// one X-Pad field.
func sizedHead(n int) string {
	const start, end = "GET /big HTTP/1.1\r\nX-Pad: ", "\r\n\r\n"
	return start + strings.Repeat("p", n-len(start)-len(end)) + end
}

// TestDefaultHeadLimits checks the limits a zero protocol.Limits gets:
// 256 header fields and 64 KiB of head, and the notes at each.
func TestDefaultHeadLimits(t *testing.T) {
	if d := protocol.DefaultLimits; d.MaxHeaders != 256 || d.MaxHeaderBytes != 64<<10 {
		t.Fatalf("DefaultLimits: %d fields, %d bytes of head; want 256 and 65536", d.MaxHeaders, d.MaxHeaderBytes)
	}
	tests := []struct {
		name    string
		head    string
		body    string
		piece   int    // the head is fed in pieces of this size; 0: whole
		fields  int    // header fields kept
		last    string // name of the last one kept
		partial bool
		notes   []string
	}{
		{name: "256 fields kept", head: fieldsHead(255, "Content-Length: 2\r\n"), body: "hi",
			fields: 256, last: "Content-Length"},
		{
			// The 257th is not kept for display, but still frames the body.
			name: "the 257th field dropped", head: fieldsHead(256, "Content-Length: 2\r\n"), body: "hi",
			fields: 256, last: "X-F-256",
			notes: []string{"limit: more than 256 header fields: 1 not kept"},
		},
		{name: "a head of 64 KiB", head: sizedHead(64 << 10), fields: 1, last: "X-Pad"},
		{name: "a head of 64 KiB in pieces", head: sizedHead(64 << 10), piece: 1000, fields: 1, last: "X-Pad"},
		{name: "a head 1 byte over 64 KiB", head: sizedHead(64<<10 + 1), fields: 1, last: "X-Pad", partial: true,
			notes: []string{"limit: head longer than the 65536-byte limit"}},
		{name: "a head 1 byte over 64 KiB in pieces", head: sizedHead(64<<10 + 1), piece: 1000, fields: 1, last: "X-Pad", partial: true,
			notes: []string{"limit: head longer than the 65536-byte limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ops []op
			for s := tt.head; s != ""; {
				k := len(s)
				if tt.piece > 0 {
					k = min(k, tt.piece)
				}
				ops = append(ops, out(s[:k]))
				s = s[k:]
			}
			if tt.body != "" {
				ops = append(ops, out(tt.body))
			}
			msgs, p := runParser(protocol.Config{}, ops, protocol.Closed)
			if len(msgs) == 0 || msgs[0].Type != message.Request {
				t.Fatalf("no request: %q", summaries(msgs))
			}
			m := msgs[0]
			if got := len(m.HTTP.Headers); got != tt.fields {
				t.Errorf("%d header fields kept; want %d", got, tt.fields)
			}
			if tt.last != "" && len(m.HTTP.Headers) > 0 {
				if got := m.HTTP.Headers[len(m.HTTP.Headers)-1].Name; got != tt.last {
					t.Errorf("last field kept %q; want %q", got, tt.last)
				}
			}
			if m.Partial != tt.partial {
				t.Errorf("partial = %v; want %v", m.Partial, tt.partial)
			}
			if tt.body != "" && (m.Body == nil || string(m.Body.Data) != tt.body) {
				t.Errorf("body %v; want %q", m.Body, tt.body)
			}
			if diff := cmp.Diff(tt.notes, noteTexts(m)); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
			if limits := uint64(len(tt.notes)); p.Stats().Limits != limits {
				t.Errorf("Stats().Limits = %d; want %d", p.Stats().Limits, limits)
			}
		})
	}
}

// TestBufferLowersHeadLimit checks that a connection buffer smaller than
// the head limit lowers it, and that the Limit notes say so.
func TestBufferLowersHeadLimit(t *testing.T) {
	const lowered = "the 4096-byte limit (the connection buffer limit, below the 65536-byte head limit)"
	tests := []struct {
		name string
		lim  protocol.Limits
		ops  []op
		want []string // notes of the first message
	}{
		{
			name: "head under the lowered limit",
			lim:  protocol.Limits{MaxBuffer: 4096},
			ops:  []op{out(sizedHead(4096))},
		},
		{
			name: "head over the lowered limit",
			lim:  protocol.Limits{MaxBuffer: 4096},
			ops:  []op{out(sizedHead(4097))},
			want: []string{"limit: head longer than " + lowered},
		},
		{
			name: "head over the lowered limit, in pieces",
			lim:  protocol.Limits{MaxBuffer: 4096},
			ops:  []op{out(sizedHead(5000)[:3000]), out(sizedHead(5000)[3000:])},
			want: []string{"limit: head longer than " + lowered},
		},
		{
			name: "chunk-size line over the lowered limit",
			lim:  protocol.Limits{MaxBuffer: 4096},
			ops:  []op{out("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1" + strings.Repeat(" ", 5000))},
			want: []string{"limit: chunk-size line longer than " + lowered},
		},
		{
			name: "trailer section over the lowered limit",
			lim:  protocol.Limits{MaxBuffer: 4096},
			ops:  []op{out("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: " + strings.Repeat("t", 5000))},
			want: []string{"limit: trailer section longer than " + lowered},
		},
		{
			// A head limit below the buffer's is the head limit, as asked.
			name: "head limit below the buffer's",
			lim:  protocol.Limits{MaxBuffer: 4096, MaxHeaderBytes: 1000},
			ops:  []op{out(sizedHead(1001))},
			want: []string{"limit: head longer than the 1000-byte limit"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := run(protocol.Config{Limits: tt.lim}, tt.ops, protocol.Closed)
			if len(msgs) == 0 || msgs[0].Type != message.Request {
				t.Fatalf("no request: %q", summaries(msgs))
			}
			if diff := cmp.Diff(tt.want, noteTexts(msgs[0])); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
			if got, want := msgs[0].Partial, tt.want != nil; got != want {
				t.Errorf("partial = %v; want %v", got, want)
			}
		})
	}
}

// noteTexts returns m's notes as "kind: text".
func noteTexts(m *message.Message) []string {
	var s []string
	for _, n := range m.Notes {
		s = append(s, n.Kind.String()+": "+n.Text)
	}
	return s
}
