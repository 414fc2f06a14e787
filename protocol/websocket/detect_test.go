package websocket

import (
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/workload"
	"github.com/tapir-dev/tapir/protocol"
)

// TestDetect checks detection of a connection first seen after its
// handshake.
func TestDetect(t *testing.T) {
	deflated := frame(opText, "\xf2\x48\xcd\xc9\xc9\x07\x00", frameOpts{rsv: bitRSV1})
	tests := []struct {
		name    string
		out, in string
		want    protocol.Verdict
	}{
		{"two client frames", cf(opText, "hello") + cf(opPing, ""), "", protocol.Yes},
		{"two server frames", "", sf(opText, "hello") + sf(opBinary, "\x00\x01"), protocol.Yes},
		{"a frame each way, each ending the bytes", cf(opText, "hi"), sf(opText, "hi"), protocol.Yes},
		{"compressed server frames", "", deflated + deflated, protocol.Yes},
		{"fragments with a ping between", frame(opText, "a", frameOpts{mask: true, more: true}) + cf(opPing, "") +
			frame(opContinuation, "b", frameOpts{mask: true}), "", protocol.Yes},
		{"the other direction starts mid-frame", cf(opText, "one") + cf(opText, "two"), "\x13\x99garbage", protocol.Yes},
		{"one client frame: wait for more", cf(opText, "hi"), "", protocol.NeedMore},
		{"a header cut short", "", "\x81", protocol.NeedMore},
		{"a frame cut short", "", sf(opText, "hello world")[:6], protocol.NeedMore},
		{"both directions masked", cf(opText, "hi"), cf(opText, "hi"), protocol.No},
		{"masking changes within a direction", cf(opText, "hi") + sf(opText, "hi"), "", protocol.No},
		{"text that is not UTF-8", "", sf(opText, "\xff\xfe\xfd") + sf(opText, "x"), protocol.No},
		{"continuation after a final frame", "", sf(opText, "a") + sf(opContinuation, "b"), protocol.No},
		{"new message inside a fragmented one", "", frame(opText, "a", frameOpts{more: true}) + sf(opText, "b"), protocol.No},
		{"reserved opcode", "", sf(0x3, "a") + sf(opText, "b"), protocol.No},
		{"RSV2", "", frame(opText, "a", frameOpts{rsv: bitRSV2}) + sf(opText, "b"), protocol.No},
		{"long control frame", "", sf(opPing, strings.Repeat("x", 126)) + sf(opText, "b"), protocol.No},
		{"bad close code", "", sf(opClose, closePayload(999, "")) + sf(opText, "b"), protocol.No},
		{"HTTP request", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "", protocol.No},
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "", protocol.No},
		{"TLS record", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "", protocol.No},
		{"line protocol", "HELLO tapir\r\n", "+OK welcome\r\n", protocol.No},
		{"nothing", "", "", protocol.No},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := protocol.Sample{Out: []byte(tt.out), In: []byte(tt.in)}
			if got := Detect(s); got != tt.want {
				t.Errorf("Detect = %v; want %v", got, tt.want)
			}
		})
	}
}

// TestDetectWorkloads checks that nothing of the other generated
// workloads (HTTP/1 text, random binary payloads) is taken for
// WebSocket.
func TestDetectWorkloads(t *testing.T) {
	for _, kind := range []workload.Kind{workload.Binary, workload.KeepAlive} {
		type key struct {
			pid uint32
			fd  int32
		}
		heads := map[key]*protocol.Sample{}
		done := map[key]bool{}
		yes := 0
		err := workload.Generate(kind, workload.Config{Conns: 300, Exchanges: 3}, func(e *event.Event) error {
			k := key{e.PID, e.FD}
			if e.Kind == event.Close {
				if s := heads[k]; s != nil && !done[k] && Detect(*s) == protocol.Yes {
					yes++
				}
				delete(heads, k)
				delete(done, k)
				return nil
			}
			s := heads[k]
			if s == nil {
				s = &protocol.Sample{First: e.Dir}
				heads[k] = s
			}
			if done[k] || len(s.Out)+len(s.In) > 64<<10 {
				return nil
			}
			if e.Dir == event.Out {
				s.Out = append(s.Out, e.Data...)
			} else {
				s.In = append(s.In, e.Data...)
			}
			switch Detect(*s) {
			case protocol.Yes:
				yes++
				done[k] = true
			case protocol.No:
				done[k] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if yes > 0 {
			t.Errorf("%s: %d connections detected as WebSocket", kind, yes)
		}
	}
}
