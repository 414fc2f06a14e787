package websocket_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/eventtest"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/builtin"
	"github.com/tapir-dev/tapir/protocol/http1"
)

// turn is the bytes one direction sent before the other spoke.
type turn struct {
	dir  event.Dir
	data []byte
}

// connTurns returns each connection of evs as turns, in the order the
// connections were first seen.
func connTurns(evs []event.Event) [][]turn {
	idx := map[event.ConnID]int{}
	var conns [][]turn
	for _, e := range evs {
		if e.Kind != event.Data {
			continue
		}
		i, ok := idx[e.ID()]
		if !ok {
			i = len(conns)
			idx[e.ID()] = i
			conns = append(conns, nil)
		}
		ts := conns[i]
		if n := len(ts); n > 0 && ts[n-1].dir == e.Dir {
			ts[n-1].data = append(ts[n-1].data, e.Data...)
		} else {
			ts = append(ts, turn{dir: e.Dir, data: bytes.Clone(e.Data)})
		}
		conns[i] = ts
	}
	return conns
}

// feedTurns feeds ts to an HTTP/1 parser that hands the connection to the
// WebSocket parser after the upgrade, turn i at time i+1, each turn cut
// at the offsets cuts (into the whole stream, sorted), or byte by byte.
func feedTurns(cfg protocol.Config, ts []turn, cuts []int, bytewise bool) []*message.Message {
	cfg.Lookup = builtin.Default.Lookup
	p := http1.New(cfg)
	var msgs []*message.Message
	emit := func(m *message.Message) { msgs = append(msgs, m) }
	off := 0
	for i, t := range ts {
		at := uint64(i + 1)
		b := t.data
		for len(b) > 0 {
			n := len(b)
			if bytewise {
				n = 1
			}
			for len(cuts) > 0 && cuts[0] <= off {
				cuts = cuts[1:]
			}
			if len(cuts) > 0 && cuts[0] < off+n {
				n = cuts[0] - off
			}
			if err := p.Feed(t.dir, b[:n], at, emit); err != nil {
				msgs = append(msgs, &message.Message{Proto: "error: " + err.Error()})
			}
			b, off = b[n:], off+n
		}
	}
	p.Flush(protocol.Closed, emit)
	return msgs
}

// TestEverySplit checks that where the bytes of each recorded connection
// are cut, the HTTP/1 handshake included, does not change the messages:
// cut once at every offset, and byte by byte; with the default limits and
// with --frames and small ones (a 40-byte display limit, a 200-byte
// decompressed-size limit). With -short or the race detector, one offset
// in 61.
func TestEverySplit(t *testing.T) {
	small := protocol.Config{Frames: true, Limits: protocol.Limits{Display: 40, MaxBody: 200}}
	for _, f := range wsRecordings(t) {
		for i, ts := range connTurns(eventtest.Load(t, f)) {
			t.Run(fmt.Sprintf("%s/conn%d", filepath.Base(f), i+1), func(t *testing.T) {
				checkSplits(t, protocol.Config{}, ts)
				checkSplits(t, small, ts)
			})
		}
	}
}

func checkSplits(t *testing.T, cfg protocol.Config, ts []turn) {
	t.Helper()
	want := feedTurns(cfg, ts, nil, false)
	wantKey := fingerprint(t, want)
	ws := 0
	for _, m := range want {
		if m.Proto == "websocket" {
			ws++
		}
	}
	if ws < 10 {
		t.Fatalf("%d WebSocket messages; want the whole session", ws)
	}
	total := 0
	for _, tr := range ts {
		total += len(tr.data)
	}
	check := func(got []*message.Message, what string) {
		t.Helper()
		if bytes.Equal(fingerprint(t, got), wantKey) {
			return
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(message.Message{})); diff != "" {
			t.Fatalf("%s (-whole +cut):\n%s", what, diff)
		}
	}
	step := 1
	if raceEnabled || testing.Short() {
		step = 61 // a sample: every offset takes minutes under the race detector
	}
	for k := 1; k < total; k += step {
		check(feedTurns(cfg, ts, []int{k}, false), fmt.Sprintf("cut at byte %d of %d", k, total))
	}
	check(feedTurns(cfg, ts, nil, true), "byte by byte")
}

// fingerprint encodes messages for a quick comparison.
func fingerprint(t *testing.T, ms []*message.Message) []byte {
	t.Helper()
	b, err := json.Marshal(ms)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
