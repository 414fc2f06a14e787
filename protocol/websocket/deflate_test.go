package websocket

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// TestDeflate checks permessage-deflate: context takeover across
// messages, *_no_context_takeover, compressed messages in fragments with
// uncompressed ones between them, and the limits.
func TestDeflate(t *testing.T) {
	doc := strings.Repeat(`{"user":"ada","status":"online","rooms":["general","random"]},`, 20)
	ctx := newDeflater(false)
	first, second := ctx.compress(doc), ctx.compress(doc+"!")
	noctx := newDeflater(true)
	own1, own2 := noctx.compress(doc), noctx.compress(doc+"!")
	compressed := func(p string, o frameOpts) string {
		o.rsv |= bitRSV1
		return frame(opText, p, o)
	}
	bomb := newDeflater(true).compress(strings.Repeat("\x00", 1<<20))
	tests := []struct {
		name  string
		ext   string
		lim   protocol.Limits
		steps []step
		want  []string
	}{
		{
			name:  "context takeover: the second message refers to the first",
			ext:   "permessage-deflate",
			steps: []step{in(compressed(first, frameOpts{})), in(compressed(second, frameOpts{}))},
			want: []string{
				`in data text deflate 74B "{\"user\":\"ada\",\"status\":\""...`,
				`in data text deflate 16B "{\"user\":\"ada\",\"status\":\""...`,
			},
		},
		{
			name: "fragmented, masked, with an uncompressed message and a ping between",
			ext:  "permessage-deflate; client_max_window_bits",
			steps: []step{
				out(compressed(first[:10], frameOpts{mask: true, more: true})),
				out(cf(opPing, "")),
				out(frame(opContinuation, first[10:], frameOpts{mask: true})),
				out(cf(opText, "plain")),
				out(compressed(second, frameOpts{mask: true})),
			},
			want: []string{
				`out data ping 6B`,
				`out data text x2 deflate 84B "{\"user\":\"ada\",\"status\":\""...`,
				`out data text 11B "plain"`,
				`out data text deflate 20B "{\"user\":\"ada\",\"status\":\""...`,
			},
		},
		{
			name:  "no context takeover",
			ext:   "permessage-deflate; server_no_context_takeover",
			steps: []step{in(compressed(own1, frameOpts{})), in(compressed(own2, frameOpts{}))},
			want: []string{
				`in data text deflate 74B "{\"user\":\"ada\",\"status\":\""...`,
				`in data text deflate 75B "{\"user\":\"ada\",\"status\":\""...`,
			},
		},
		{
			name: "display limit: the whole message is inflated, its start kept",
			ext:  "permessage-deflate",
			lim:  protocol.Limits{Display: 10},
			steps: []step{
				in(compressed(first, frameOpts{})),
				in(compressed(second, frameOpts{})),
			},
			want: []string{
				`in data text deflate 74B "{\"user\":\"a" cut=1230`,
				`in data text deflate 16B "{\"user\":\"a" cut=1231`,
			},
		},
		{
			name: "decompressed-size limit: cut and counted; the history after it is not known",
			ext:  "permessage-deflate",
			lim:  protocol.Limits{MaxBody: 1000},
			steps: []step{
				in(compressed(first, frameOpts{})),
				in(compressed(second, frameOpts{})),
			},
			want: []string{
				`in data text deflate 74B "{\"user\":\"ada\",\"status\":\""... [limit: inflated size over the 1000-byte limit: the rest was not inflated]`,
				`in data text deflate 16B "\x1a\xd5=\xaa{T\xf7\xa8\xee\xe1\xa6[\x11\x00" [gap: not inflated: it refers to earlier messages' data, which is not known (an earlier message went past the decompressed-size limit): flate: corrupt input before offset 3]`,
			},
		},
		{
			name:  "inflation bomb",
			ext:   "permessage-deflate",
			lim:   protocol.Limits{MaxBody: 64 << 10, Display: 8},
			steps: []step{in(compressed(bomb, frameOpts{}))},
			want: []string{
				`in data text deflate 1037B "\x00\x00\x00\x00\x00\x00\x00\x00" cut=65528 [limit: inflated size over the 65536-byte limit: the rest was not inflated]`,
			},
		},
		{
			name:  "compressed message longer than the buffer limit",
			ext:   "permessage-deflate",
			lim:   protocol.Limits{MaxBuffer: 64},
			steps: []step{in(compressed(first, frameOpts{}))},
			want: []string{
				`in data text deflate 74B "" cut=72 [limit: not inflated: compressed message longer than the 64-byte buffer limit]`,
			},
		},
		{
			name:  "corrupt data, the history being known",
			ext:   "permessage-deflate",
			steps: []step{in(compressed("\xff\xff\xff", frameOpts{}))},
			want: []string{
				`in data text deflate 5B "\xff\xff\xff" [error: not inflated: flate: corrupt input before offset 1]`,
			},
		},
		{
			name:  "RSV1 without negotiation: reported, inflated all the same",
			steps: []step{in(compressed(own1, frameOpts{}))},
			want: []string{
				`in data text deflate 74B "{\"user\":\"ada\",\"status\":\""... [error: RSV1 set but permessage-deflate was not negotiated]`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summaries(parse(handshake(protocol.Config{Limits: tt.lim}, tt.ext), tt.steps...))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages differ (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDeflateContent checks that what is inflated is the message, across
// many messages with context takeover, past the 32 KiB window.
func TestDeflateContent(t *testing.T) {
	d := newDeflater(false)
	p := handshake(protocol.Config{}, "permessage-deflate")
	var want, got []string
	emit := func(m *message.Message) {
		if len(m.Notes) > 0 {
			t.Errorf("notes: %v", m.Notes)
		}
		got = append(got, string(m.Body.Data))
	}
	for i := range 300 {
		msg := strings.Repeat(string(rune('a'+i%26)), i) + `{"seq":` + strings.Repeat("7", i%13) + `,"text":"the quick brown fox"}`
		want = append(want, msg)
		f := frame(opText, d.compress(msg), frameOpts{rsv: bitRSV1})
		p.Feed(1, []byte(f), uint64(i), emit)
	}
	p.Flush(protocol.Closed, emit)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestNegotiate reads Sec-WebSocket-Extensions and Sec-WebSocket-Protocol.
func TestNegotiate(t *testing.T) {
	tests := []struct {
		ext  []string
		want Negotiation
	}{
		{nil, Negotiation{Known: true}},
		{[]string{"permessage-deflate"}, Negotiation{Known: true, Deflate: true}},
		{
			[]string{`x-webkit-deflate-frame, permessage-deflate; client_no_context_takeover; server_max_window_bits="10"; client_max_window_bits=9`},
			Negotiation{Known: true, Deflate: true, ClientNoContext: true, ServerWindowBits: 10, ClientWindowBits: 9},
		},
		{
			[]string{"permessage-deflate;server_no_context_takeover;client_max_window_bits=99", "permessage-deflate"},
			Negotiation{Known: true, Deflate: true, ServerNoContext: true},
		},
	}
	for _, tt := range tests {
		resp := &message.HTTP{Headers: []message.Header{{Name: "sec-websocket-protocol", Value: " chat.v1 "}}}
		for _, e := range tt.ext {
			resp.Headers = append(resp.Headers, message.Header{Name: "Sec-WebSocket-Extensions", Value: e})
		}
		tt.want.Protocol = "chat.v1"
		if got := Negotiate(resp); got != tt.want {
			t.Errorf("%q: got %+v; want %+v", tt.ext, got, tt.want)
		}
	}
	n := Negotiation{Known: true, Deflate: true, ServerWindowBits: 10}
	p := NewWith(protocol.Config{}, Options{Server: 1, Negotiation: n})
	if w := p.half[1].infl.wsize; w != 1<<10 {
		t.Errorf("server window %d; want 1024", w)
	}
	if w := p.half[0].infl.wsize; w != 1<<15 {
		t.Errorf("client window %d; want 32768", w)
	}
}
