package websocket_test

import (
	"testing"

	"github.com/tapir-dev/tapir/internal/workload"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/websocket"
)

// TestWorkload decodes the websocket workload: every connection is
// handed over after its upgrade, every message decodes without a note,
// compressed ones inflated, fragmented ones reassembled.
func TestWorkload(t *testing.T) {
	evs, err := workload.Collect(workload.WebSocket, workload.Config{Conns: 30, Exchanges: 40})
	if err != nil {
		t.Fatal(err)
	}
	var ws, inflated, fragmented, closes, snapshots int
	for _, m := range process(t, evs, protocol.Limits{}, false) {
		if m.Proto != websocket.Name {
			if m.Proto != "http1" {
				t.Fatalf("a %s message", m.Proto)
			}
			continue
		}
		ws++
		if m.Partial || len(m.Notes) > 0 {
			t.Errorf("%s %s message: partial %v, notes %v", m.Dir, m.WS.Opcode, m.Partial, m.Notes)
		}
		if m.WS.Compressed && m.Body.Encoding == "permessage-deflate" {
			inflated++
		}
		if m.WS.Fragments > 1 {
			fragmented++
		}
		if m.WS.CloseCode == 1000 {
			closes++
		}
		if m.Body != nil && m.Body.DecodedSize > 64<<10 && m.Body.Binary == (m.WS.Opcode == "binary") {
			snapshots++
		}
		if m.WS.Opcode == "text" && (m.Body == nil || m.Body.Binary || len(m.Body.Data) == 0 || m.Body.Data[0] != '{') {
			t.Errorf("text message %v", m.Body)
		}
	}
	if ws == 0 || inflated == 0 || fragmented == 0 || closes != 60 {
		t.Errorf("%d messages, %d inflated, %d fragmented, %d closes", ws, inflated, fragmented, closes)
	}
	t.Logf("%d messages, %d inflated, %d fragmented, %d snapshots", ws, inflated, fragmented, snapshots)
}
