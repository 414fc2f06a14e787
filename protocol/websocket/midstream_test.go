package websocket_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/eventtest"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/websocket"
)

// wsKey identifies a decoded WebSocket message across runs.
type wsKey struct {
	conn   event.ConnID
	dir    event.Dir
	end    uint64
	opcode string
	body   string
}

func keyOf(m *message.Message) wsKey {
	k := wsKey{conn: m.Connection().ID, dir: m.Dir, end: m.End}
	if m.WS != nil {
		k.opcode = m.WS.Opcode
	}
	if m.Body != nil {
		k.body = string(m.Body.Data)
	}
	return k
}

// TestMidstream drops the first n events of each recording, for every n,
// as a capture that starts late would: the connection is then detected
// from its frames, and every message that starts after the first event
// kept is decoded as in the whole recording, or, when it is compressed
// and refers to history that was not captured, marked with a gap note
// that says so. Nothing is decoded differently, and no error is reported.
func TestMidstream(t *testing.T) {
	for _, f := range wsRecordings(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			evs := eventtest.Load(t, f)
			full := process(t, evs, protocol.Limits{}, false)
			ref := map[wsKey]int{}
			for _, m := range full {
				if m.Proto == websocket.Name {
					ref[keyOf(m)]++
				}
			}
			for n := 1; n < len(evs); n++ {
				kept := evs[n:]
				first := map[event.ConnID]uint64{}
				for _, e := range kept {
					if _, ok := first[e.ID()]; !ok {
						first[e.ID()] = e.Time
					}
				}
				got := map[wsKey]int{}
				missing := map[wsKey]bool{} // messages marked not inflated
				for _, m := range process(t, kept, protocol.Limits{}, false) {
					if m.Proto != websocket.Name {
						continue
					}
					for _, no := range m.Notes {
						if no.Kind == message.Error {
							t.Errorf("drop %d: %s %s: error note %q", n, m.Dir, m.WS.Opcode, no.Text)
						}
					}
					if m.WS == nil {
						continue // bytes skipped while looking for a frame
					}
					k := keyOf(m)
					if len(m.Notes) > 0 {
						if strings.Contains(m.Notes[0].Text, "not inflated") {
							k.body = ""
							missing[k] = true
						}
						continue
					}
					if ref[k] == 0 {
						t.Errorf("drop %d: %s %s message at %d not in the whole decoding: %.40q", n, m.Dir, k.opcode, k.end, k.body)
					}
					got[k]++
				}
				for _, m := range full {
					t0, ok := first[m.Connection().ID]
					if m.Proto != websocket.Name || !ok || m.Start <= t0 {
						continue
					}
					k := keyOf(m)
					if got[k] > 0 {
						got[k]--
						continue
					}
					k.body = ""
					if !missing[k] {
						t.Errorf("drop %d: %s %s message at %d (%.40q) not decoded", n, m.Dir, k.opcode, m.End, k.body)
					}
				}
			}
		})
	}
}

// TestMidstreamGolden shows, for the recording with context takeover,
// the first start that loses the compression history: which messages
// could not be inflated, and why.
func TestMidstreamGolden(t *testing.T) {
	evs := eventtest.Load(t, filepath.Join(recordings, "ws-deflate.jsonl"))
	for n := 1; n < len(evs); n++ {
		msgs := process(t, evs[n:], protocol.Limits{}, false)
		lost := false
		for _, m := range msgs {
			if m.Body != nil && m.Body.Binary && m.WS != nil && m.WS.Opcode == "text" {
				lost = true
			}
		}
		if !lost {
			continue
		}
		txt, js := render(msgs)
		head := fmt.Sprintf("# ws-deflate.jsonl without its first %d events\n\n", n)
		checkGolden(t, "ws-deflate.midstream.text", append([]byte(head), txt...))
		checkGolden(t, "ws-deflate.midstream.json", js)
		return
	}
	t.Fatal("no start loses the compression history")
}
