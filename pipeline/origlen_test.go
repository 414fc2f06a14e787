package pipeline_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/eventtest"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol/builtin"
)

// TestOrigLenMarksResponseAndResyncs feeds an HTTP/1.1 keep-alive
// connection through the default pipeline where capture kept only the
// first bytes of one event of the first response's body (orig_len larger
// than data): that response must come out marked, the lost bytes counted,
// and the next exchange on the connection parsed and paired as if nothing
// had happened.
func TestOrigLenMarksResponseAndResyncs(t *testing.T) {
	const (
		reqA = "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n"
		reqB = "GET /b HTTP/1.1\r\nHost: example.com\r\n\r\n"
		// The second response, whole.
		respB = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
	)
	gz := gzipped(strings.Repeat(`{"row":1},`, 2000))
	tests := []struct {
		name string
		// in are the reads of the first response; the one with lost > 0
		// kept only its first len(data) of len(data)+lost bytes.
		in []read
		// wantA is the first response, summarised (see summary).
		wantA string
		// skipped are the messages of bytes skipped before the second
		// response was found.
		skipped []string
	}{
		{
			name: "inside a body of known length",
			in: []read{
				{data: "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n"},
				{data: "01234", lost: 10},
				{data: "uvwxy"},
			},
			wantA: `< 200 (GET /a) size=20 body="01234" partial gap`,
		},
		{
			name: "to the end of a body of known length",
			in: []read{
				{data: "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123"},
				{data: "456789", lost: 10},
			},
			wantA: `< 200 (GET /a) size=20 body="0123456789" partial gap`,
		},
		{
			name: "head and body start in one read",
			in: []read{
				{data: "HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\nabc", lost: 3997},
			},
			wantA: `< 200 (GET /a) size=4000 body="abc" partial gap`,
		},
		{
			// The chunk sizes after the loss are gone: the parser can only
			// find the next response by its status line.
			name: "in a chunked body",
			in: []read{
				{data: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"},
				{data: "a\r\n0123456789\r\n10\r\nabcd", lost: 30},
				{data: "ef\r\n0\r\n\r\n"},
			},
			// Size counts the chunk the loss began in, whole.
			wantA:   `< 200 (GET /a) size=26 body="0123456789abcd" partial gap`,
			skipped: []string{`? data in size=9 body="ef\r\n0\r\n\r\n" partial`},
		},
		{
			name: "in a gzip body",
			in: []read{
				{data: "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + strconv.Itoa(len(gz)) + "\r\n\r\n"},
				{data: gz[:len(gz)/2], lost: len(gz) - len(gz)/2},
			},
			wantA: `< 200 (GET /a) size=` + strconv.Itoa(len(gz)) + ` enc=gzip partial gap`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := uint64(1000)
			next := func() uint64 { ts += 10; return ts }
			evs := []event.Event{data(1, 5, next(), event.Out, reqA)}
			lost := 0
			for _, r := range tt.in {
				e := data(1, 5, next(), event.In, r.data)
				if r.lost > 0 {
					e.OrigLen = uint32(len(r.data) + r.lost)
					lost += r.lost
				}
				evs = append(evs, e)
			}
			evs = append(evs,
				data(1, 5, next(), event.Out, reqB),
				data(1, 5, next(), event.In, respB),
				closeEv(1, 5, next()))

			msgs, st := eventtest.Run(t, pipeline.Options{Protocols: builtin.Default}, evs)
			got := make([]string, len(msgs))
			for i, m := range msgs {
				got[i] = summary(m)
			}
			want := append([]string{"> GET /a", tt.wantA, "> GET /b"}, tt.skipped...)
			want = append(want, `< 200 (GET /b) size=5 body="hello"`)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("messages differ (-want +got):\n%s", diff)
			}
			if st.LostBytes != uint64(lost) {
				t.Errorf("Stats.LostBytes = %d; want %d", st.LostBytes, lost)
			}
			if st.Gaps == 0 || !st.Lossy() {
				t.Errorf("Stats.Gaps = %d, Lossy %v; want the loss marked", st.Gaps, st.Lossy())
			}
			if st.Messages["http1/request"] != 2 || st.Messages["http1/response"] != 2 {
				t.Errorf("Stats.Messages = %v; want 2 http1 requests and 2 responses", st.Messages)
			}
		})
	}
}

// read is one event of the first response: its data and how many bytes
// after them capture did not keep.
type read struct {
	data string
	lost int
}

// summary is one line about m: direction, start line or status and the
// request it answers, the body's wire size, its bytes when text (else its
// encoding), and the marks: partial and the kinds of its notes of loss
// (gap, limit, error). Info notes, which lose nothing (bytes skipped, a
// pairing in doubt after a loss), are left out.
func summary(m *message.Message) string {
	var b strings.Builder
	switch {
	case m.Proto != "http1":
		fmt.Fprintf(&b, "%s %s %s", m.Proto, m.Type, m.Dir)
	case m.Type == message.Request:
		fmt.Fprintf(&b, "> %s %s", m.HTTP.Method, m.HTTP.Target)
	case m.Type == message.Response:
		fmt.Fprintf(&b, "< %d", m.HTTP.Status)
		if m.Request != nil {
			fmt.Fprintf(&b, " (%s %s)", m.Request.Method, m.Request.Target)
		}
	default:
		fmt.Fprintf(&b, "? %s %s", m.Type, m.Dir)
	}
	if bd := m.Body; bd != nil && bd.Size > 0 {
		fmt.Fprintf(&b, " size=%d", bd.Size)
		if bd.Encoding != "" {
			fmt.Fprintf(&b, " enc=%s", bd.Encoding)
		} else {
			fmt.Fprintf(&b, " body=%q", bd.Data)
		}
	}
	if m.Partial {
		b.WriteString(" partial")
	}
	seen := map[message.NoteKind]bool{}
	for _, n := range m.Notes {
		if n.Kind != message.Info && !seen[n.Kind] {
			seen[n.Kind] = true
			fmt.Fprintf(&b, " %s", n.Kind)
		}
	}
	return b.String()
}

// gzipped returns s gzip-compressed.
func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.String()
}
