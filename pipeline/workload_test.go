package pipeline_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/eventtest"
	"github.com/tapir-dev/tapir/internal/workload"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol/builtin"
)

// TestHTTP1Workload runs (smaller) chunked-gzip and pipelined workloads
// through the default pipeline and checks every message against what
// net/http and compress/gzip make of the same bytes: each request and
// response comes out as http1, whole, in order, each response paired with
// the request it answers and its body decoded to the bytes that were sent.
func TestHTTP1Workload(t *testing.T) {
	tests := []struct {
		kind workload.Kind
		cfg  workload.Config
		// gzip: every response body is gzip-encoded JSON.
		gzip bool
		// pipelined: writes carry several requests, so there are more
		// requests than writes.
		pipelined bool
	}{
		// The default body size (256 KiB), for bodies of many chunks
		// read in many pieces; fewer connections and downloads.
		{kind: workload.ChunkedGzip, cfg: workload.Config{Conns: 6, Exchanges: 4, Open: 3}, gzip: true},
		{kind: workload.Pipelined, cfg: workload.Config{Conns: 20, Exchanges: 10, Open: 8}, pipelined: true},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			evs := load(t, tt.kind, tt.cfg).events()
			want := expectHTTP1(t, evs)
			msgs, st := eventtest.Run(t, pipeline.Options{Protocols: builtin.Default}, evs)

			writes, reqs := 0, 0
			for i := range evs {
				if evs[i].Kind == event.Data && evs[i].Dir == event.Out {
					writes++
				}
			}
			for _, c := range want {
				reqs += len(c.reqs)
			}
			switch {
			case writes != tt.cfg.Conns*tt.cfg.Exchanges:
				t.Fatalf("%d writes; want %d connections x %d exchanges", writes, tt.cfg.Conns, tt.cfg.Exchanges)
			case tt.pipelined && reqs <= writes:
				t.Fatalf("%d requests in %d writes; want pipelining (several requests in some writes)", reqs, writes)
			case !tt.pipelined && reqs != writes:
				t.Fatalf("%d requests in %d writes; want one each", reqs, writes)
			}

			t.Logf("%d events, %d connections, %d requests in %d writes", len(evs), len(want), reqs, writes)
			got := byConn(msgs)
			if len(got) != len(want) {
				t.Fatalf("messages on %d connections; want %d", len(got), len(want))
			}
			checked := 0
			for k, w := range want {
				checked += checkConn(t, k, w, got[k], tt.gzip)
			}
			if checked != 2*reqs {
				t.Fatalf("checked %d messages; want %d", checked, 2*reqs)
			}
			n := uint64(reqs)
			if st.TotalMessages() != 2*n || st.Messages["http1/request"] != n || st.Messages["http1/response"] != n || st.Lossy() {
				t.Errorf("want %d requests and %d responses, nothing lost; stats:\n%s", n, n, st.String())
			}
		})
	}
}

// connKey names one connection of a workload: its id and how many
// connections with that id closed before it (file descriptors are reused).
type connKey struct {
	id  event.ConnID
	gen int
}

// wantConn is what one connection carried, as net/http parses it.
type wantConn struct {
	reqs  []wantMsg
	resps []wantMsg
}

// wantMsg is one request or response. For a response, method and target
// are those of the request it answers.
type wantMsg struct {
	method, target string
	status         int
	encoding       string // Content-Encoding
	wire           []byte // the body after de-chunking
	body           []byte // the body decoded
}

// expectHTTP1 gathers each connection's bytes from evs and parses them
// with net/http, independently of tapir's parser.
func expectHTTP1(t *testing.T, evs []event.Event) map[connKey]*wantConn {
	t.Helper()
	type stream struct{ out, in []byte }
	gens := map[event.ConnID]int{}
	streams := map[connKey]*stream{}
	var order []connKey
	for i := range evs {
		e := &evs[i]
		k := connKey{e.ID(), gens[e.ID()]}
		if e.Kind == event.Close {
			gens[e.ID()]++
			continue
		}
		s := streams[k]
		if s == nil {
			s = &stream{}
			streams[k] = s
			order = append(order, k)
		}
		if e.Lost() > 0 {
			t.Fatalf("event %d: %d bytes not captured; the workloads lose nothing", i, e.Lost())
		}
		if e.Dir == event.Out {
			s.out = append(s.out, e.Data...)
		} else {
			s.in = append(s.in, e.Data...)
		}
	}
	want := make(map[connKey]*wantConn, len(streams))
	for _, k := range order {
		s := streams[k]
		w := &wantConn{}
		reqs := bufio.NewReader(bytes.NewReader(s.out))
		resps := bufio.NewReader(bytes.NewReader(s.in))
		for i := 0; ; i++ {
			if _, err := reqs.Peek(1); errors.Is(err, io.EOF) {
				break
			}
			req, err := http.ReadRequest(reqs)
			if err != nil {
				t.Fatalf("%v: request %d: %v", k.id, i, err)
			}
			wire, err := io.ReadAll(req.Body)
			if err != nil {
				t.Fatalf("%v: request %d body: %v", k.id, i, err)
			}
			rq := wantMsg{method: req.Method, target: req.RequestURI, wire: wire, body: wire}
			resp, err := http.ReadResponse(resps, req)
			if err != nil {
				t.Fatalf("%v: response %d: %v", k.id, i, err)
			}
			rs := wantMsg{method: req.Method, target: req.RequestURI, status: resp.StatusCode,
				encoding: resp.Header.Get("Content-Encoding")}
			if rs.wire, err = io.ReadAll(resp.Body); err != nil {
				t.Fatalf("%v: response %d body: %v", k.id, i, err)
			}
			rs.body = rs.wire
			if rs.encoding == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(rs.wire))
				if err != nil {
					t.Fatalf("%v: response %d: %v", k.id, i, err)
				}
				if rs.body, err = io.ReadAll(zr); err != nil {
					t.Fatalf("%v: response %d: gunzip: %v", k.id, i, err)
				}
			}
			w.reqs = append(w.reqs, rq)
			w.resps = append(w.resps, rs)
		}
		if resps.Buffered() > 0 {
			t.Fatalf("%v: %d bytes after the last response", k.id, resps.Buffered())
		}
		want[k] = w
	}
	return want
}

// byConn groups msgs by connection, in order, keyed as expectHTTP1 keys
// them: the connections that shared an id, told apart by their serials,
// numbered in the order they opened.
func byConn(msgs []*message.Message) map[connKey][]*message.Message {
	serials := map[event.ConnID][]uint64{}
	bySerial := map[uint64][]*message.Message{}
	for _, m := range msgs {
		c := m.Connection()
		if _, ok := bySerial[c.Serial]; !ok {
			serials[c.ID] = append(serials[c.ID], c.Serial)
		}
		bySerial[c.Serial] = append(bySerial[c.Serial], m)
	}
	got := map[connKey][]*message.Message{}
	for id, ss := range serials {
		slices.Sort(ss)
		for gen, s := range ss {
			got[connKey{id, gen}] = bySerial[s]
		}
	}
	return got
}

// checkConn compares the messages of one connection with what it carried
// and returns how many it checked.
func checkConn(t *testing.T, k connKey, w *wantConn, msgs []*message.Message, gzipped bool) int {
	t.Helper()
	var reqs, resps []*message.Message
	for i, m := range msgs {
		lossy := slices.ContainsFunc(m.Notes, func(n message.Note) bool { return n.Kind != message.Info })
		if m.Proto != "http1" || m.Partial || m.HTTP == nil || lossy {
			t.Fatalf("%v: message %d: %s %s partial=%v notes=%v; want whole http1 messages, nothing noted lost, cut or in error",
				k.id, i, m.Proto, m.Type, m.Partial, m.Notes)
		}
		switch {
		case m.Type == message.Request && m.Dir == event.Out:
			reqs = append(reqs, m)
		case m.Type == message.Response && m.Dir == event.In:
			resps = append(resps, m)
		default:
			t.Fatalf("%v: message %d: %s %s; want requests out, responses in", k.id, i, m.Type, m.Dir)
		}
	}
	if len(reqs) != len(w.reqs) || len(resps) != len(w.resps) {
		t.Fatalf("%v: %d requests, %d responses; want %d, %d", k.id, len(reqs), len(resps), len(w.reqs), len(w.resps))
	}
	for i, m := range reqs {
		wr := w.reqs[i]
		if m.HTTP.Method != wr.method || m.HTTP.Target != wr.target {
			t.Fatalf("%v: request %d is %s %s; want %s %s", k.id, i, m.HTTP.Method, m.HTTP.Target, wr.method, wr.target)
		}
		checkBody(t, k, "request", i, m.Body, wr)
	}
	for i, m := range resps {
		wr := w.resps[i]
		if m.HTTP.Status != wr.status {
			t.Fatalf("%v: response %d: status %d; want %d", k.id, i, m.HTTP.Status, wr.status)
		}
		if m.Request == nil || m.Latency == nil {
			t.Fatalf("%v: response %d (to %s %s) not paired", k.id, i, wr.method, wr.target)
		}
		if m.Request.Method != wr.method || m.Request.Target != wr.target {
			t.Fatalf("%v: response %d answers %s %s; want %s %s", k.id, i, m.Request.Method, m.Request.Target, wr.method, wr.target)
		}
		if gzipped {
			if wr.encoding != "gzip" || !json.Valid(wr.body) {
				t.Fatalf("%v: response %d: Content-Encoding %q, valid JSON %v; the workload sends gzipped JSON",
					k.id, i, wr.encoding, json.Valid(wr.body))
			}
			if m.Body == nil || m.Body.DecodedSize <= m.Body.Size {
				t.Fatalf("%v: response %d: body %+v; want one that grew when decoded", k.id, i, m.Body)
			}
		}
		checkBody(t, k, "response", i, m.Body, wr)
	}
	return len(reqs) + len(resps)
}

// checkBody compares a message's body with the one net/http read.
func checkBody(t *testing.T, k connKey, what string, i int, b *message.Body, w wantMsg) {
	t.Helper()
	if len(w.wire) == 0 {
		if b != nil && (b.Size != 0 || len(b.Data) != 0) {
			t.Fatalf("%v: %s %d: body of %d bytes; want none", k.id, what, i, b.Size)
		}
		return
	}
	switch {
	case b == nil:
		t.Fatalf("%v: %s %d: no body; want %d bytes", k.id, what, i, len(w.body))
	case b.Encoding != w.encoding || b.Err != "":
		t.Fatalf("%v: %s %d: body encoding %q, error %q; want %q, none", k.id, what, i, b.Encoding, b.Err, w.encoding)
	case b.Size != int64(len(w.wire)) || b.DecodedSize != int64(len(w.body)):
		t.Fatalf("%v: %s %d: body of %d bytes, %d decoded; want %d, %d", k.id, what, i, b.Size, b.DecodedSize, len(w.wire), len(w.body))
	case b.Cut != 0 || !bytes.Equal(b.Data, w.body):
		t.Fatalf("%v: %s %d: decoded body differs (%d bytes kept, %d cut; want all %d)", k.id, what, i, len(b.Data), b.Cut, len(w.body))
	}
}
