package http1

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/golden"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/source/eventfile"
)

const recordings = "../../testdata/recordings"

// recEvent is one event of a recorded connection.
type recEvent struct {
	dir  event.Dir
	data []byte
	at   uint64
	lost int
}

// recConn is one connection of a recording, from its first event to its
// close (or the end of the file).
type recConn struct {
	id     event.ConnID
	events []recEvent
	closed bool
}

// loadRecording reads an event file and splits it into connections, in
// the order they were first seen.
func loadRecording(t testing.TB, path string) []*recConn {
	t.Helper()
	r, err := eventfile.Open(path, &eventfile.Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var conns []*recConn
	open := map[event.ConnID]*recConn{}
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		id := e.ID()
		c := open[id]
		if c == nil {
			c = &recConn{id: id}
			open[id] = c
			conns = append(conns, c)
		}
		if e.Kind == event.Close {
			c.closed = true
			delete(open, id)
			continue
		}
		c.events = append(c.events, recEvent{dir: e.Dir, data: bytes.Clone(e.Data), at: e.Time, lost: e.Lost()})
	}
	return conns
}

// httpRecordings returns the recordings whose connections are HTTP/1.
func httpRecordings(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(recordings, "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skip("no recordings in " + recordings)
	}
	var http []string
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "ws-") {
			continue // WebSocket sessions: protocol/websocket tests them, hand-over included
		}
		if strings.HasPrefix(filepath.Base(f), "h2-") {
			continue // HTTP/2 sessions (h2c upgrade included): protocol/http2 tests them
		}
		conns := loadRecording(t, f)
		if len(conns) > 0 && len(conns[0].events) > 0 {
			e := conns[0].events[0]
			s := protocol.Sample{First: e.dir}
			if e.dir == event.Out {
				s.Out = e.data
			} else {
				s.In = e.data
			}
			if Detect(s) == protocol.Yes {
				http = append(http, f)
			}
		}
	}
	return http
}

// parseConn feeds a recorded connection to a new parser as it was
// recorded.
func parseConn(c *recConn) []*message.Message {
	p := New(protocol.Config{})
	var msgs []*message.Message
	emit := func(m *message.Message) { msgs = append(msgs, m) }
	for _, e := range c.events {
		p.Feed(e.dir, e.data, e.at, emit)
		if e.lost > 0 {
			p.Gap(e.dir, e.lost, e.at, emit)
		}
	}
	why := protocol.Shutdown
	if c.closed {
		why = protocol.Closed
	}
	p.Flush(why, emit)
	return msgs
}

// goldenMessage is how a message is written in a golden file.
type goldenMessage struct {
	Conn    int                 `json:"conn"`
	Type    string              `json:"type"`
	Dir     string              `json:"dir"`
	Start   uint64              `json:"start"`
	End     uint64              `json:"end"`
	Size    int64               `json:"size"`
	RawCut  int64               `json:"raw_cut,omitempty"`
	HTTP    *message.HTTP       `json:"http,omitempty"`
	Body    *goldenBody         `json:"body,omitempty"`
	Request *message.RequestRef `json:"request,omitempty"`
	Latency *message.Latency    `json:"latency,omitempty"`
	Partial bool                `json:"partial,omitempty"`
	Notes   []string            `json:"notes,omitempty"`
}

type goldenBody struct {
	Text        *string `json:"text,omitempty"`
	Base64      []byte  `json:"base64,omitempty"`
	Cut         int64   `json:"cut,omitempty"`
	Size        int64   `json:"size"`
	DecodedSize int64   `json:"decoded_size"`
	Encoding    string  `json:"encoding,omitempty"`
	ContentType string  `json:"content_type,omitempty"`
	Binary      bool    `json:"binary,omitempty"`
	Err         string  `json:"err,omitempty"`
}

func goldenOf(conn int, m *message.Message) goldenMessage {
	g := goldenMessage{
		Conn: conn, Type: m.Type.String(), Dir: m.Dir.String(), Start: m.Start, End: m.End,
		Size: m.Size, RawCut: m.RawCut, HTTP: m.HTTP, Request: m.Request, Latency: m.Latency, Partial: m.Partial,
	}
	if b := m.Body; b != nil {
		g.Body = &goldenBody{Cut: b.Cut, Size: b.Size, DecodedSize: b.DecodedSize, Encoding: b.Encoding,
			ContentType: b.ContentType, Binary: b.Binary, Err: b.Err}
		if b.Binary {
			g.Body.Base64 = b.Data
		} else {
			s := string(b.Data)
			g.Body.Text = &s
		}
	}
	for _, n := range m.Notes {
		g.Notes = append(g.Notes, n.Kind.String()+": "+n.Text)
	}
	return g
}

// TestRecordings parses every recorded HTTP/1 session and compares the
// messages with testdata/golden/NAME.json (go test -update rewrites them).
func TestRecordings(t *testing.T) {
	for _, f := range httpRecordings(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".jsonl")
		t.Run(name, func(t *testing.T) {
			var all []goldenMessage
			for i, c := range loadRecording(t, f) {
				for _, m := range parseConn(c) {
					if m.Partial || m.Type == message.Data {
						t.Errorf("conn %d: %s", i+1, summary(m))
					}
					all = append(all, goldenOf(i+1, m))
				}
			}
			got, err := json.MarshalIndent(all, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden.Check(t, filepath.Join("testdata", "golden", name+".json"), got)
		})
	}
}

// turn is the bytes one direction sent before the other spoke.
type turn struct {
	dir  event.Dir
	data []byte
}

// turns merges the consecutive events of a direction.
func turns(c *recConn) []turn {
	var ts []turn
	for _, e := range c.events {
		if n := len(ts); n > 0 && ts[n-1].dir == e.dir {
			ts[n-1].data = append(ts[n-1].data, e.data...)
			continue
		}
		ts = append(ts, turn{dir: e.dir, data: bytes.Clone(e.data)})
	}
	return ts
}

// feedTurns feeds ts, turn i at time i+1, each turn in pieces: cut says
// where, as offsets into the whole stream (sorted), or every byte apart
// when bytewise is set.
func feedTurns(cfg protocol.Config, ts []turn, cuts []int, bytewise bool, why protocol.End) []*message.Message {
	p := New(cfg)
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
			p.Feed(t.dir, b[:n], at, emit)
			b, off = b[n:], off+n
		}
	}
	p.Flush(why, emit)
	return msgs
}

var messageOpts = cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateComparable(netip.AddrPort{})}

// checkSplits feeds ts whole, cut at every offset, and byte by byte, and
// reports any difference in the messages.
func checkSplits(t *testing.T, cfg protocol.Config, ts []turn, why protocol.End) {
	t.Helper()
	want := feedTurns(cfg, ts, nil, false, why)
	wantKey := fingerprint(t, want)
	total := 0
	for _, tr := range ts {
		total += len(tr.data)
	}
	check := func(got []*message.Message, what string) {
		t.Helper()
		// go-cmp is slow: it only explains a difference already found.
		if bytes.Equal(fingerprint(t, got), wantKey) {
			return
		}
		if diff := cmp.Diff(want, got, messageOpts); diff != "" {
			t.Fatalf("%s (-whole +cut):\n%s", what, diff)
		}
	}
	for k := 1; k < total; k++ {
		check(feedTurns(cfg, ts, []int{k}, false, why), fmt.Sprintf("cut at byte %d of %d", k, total))
	}
	check(feedTurns(cfg, ts, nil, true, why), "byte by byte")
}

// fingerprint encodes messages for a quick comparison.
func fingerprint(t *testing.T, ms []*message.Message) []byte {
	b, err := json.Marshal(ms)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEverySplit checks that where the bytes of each recorded connection
// are cut does not change the messages, with the default limits and with
// limits small enough to cut heads, fields and bodies.
func TestEverySplit(t *testing.T) {
	small := protocol.Config{Limits: protocol.Limits{MaxHeaderBytes: 150, MaxHeaders: 3, Display: 40, MaxBody: 100}}
	for _, f := range httpRecordings(t) {
		for i, c := range loadRecording(t, f) {
			t.Run(fmt.Sprintf("%s/conn%d", filepath.Base(f), i+1), func(t *testing.T) {
				checkSplits(t, protocol.Config{}, turns(c), protocol.Closed)
				checkSplits(t, small, turns(c), protocol.Closed)
			})
		}
	}
}
