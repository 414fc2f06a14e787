package http1

import (
	"bytes"
	"compress/gzip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// fakeSpec is a stand-in for a protocol an upgrade hands over to: it
// emits one Data message per Feed, naming the bytes.
func fakeSpec(name string) protocol.Spec {
	return protocol.Spec{
		Name:   name,
		Detect: func(protocol.Sample) protocol.Verdict { return protocol.No },
		New:    func(protocol.Config) protocol.Parser { return &fakeParser{name: name} },
	}
}

type fakeParser struct{ name string }

func (f *fakeParser) Feed(dir event.Dir, p []byte, at uint64, emit protocol.Emit) error {
	emit(&message.Message{Proto: f.name, Dir: dir, Raw: bytes.Clone(p)})
	return nil
}
func (f *fakeParser) Gap(event.Dir, int, uint64, protocol.Emit) {}
func (f *fakeParser) Flush(protocol.End, protocol.Emit)         {}

func lookup(names ...string) func(string) (protocol.Spec, bool) {
	return func(n string) (protocol.Spec, bool) {
		for _, x := range names {
			if x == n {
				return fakeSpec(n), true
			}
		}
		return protocol.Spec{}, false
	}
}

func TestFraming(t *testing.T) {
	tests := []struct {
		name string
		cfg  protocol.Config
		ops  []op
		why  protocol.End
		want []string
	}{
		{
			name: "get without body",
			ops:  []op{out("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"), in("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")},
			want: []string{`> GET /a HTTP/1.1`, `< 200 OK (GET /a) body="hi"`},
		},
		{
			name: "content-length split everywhere",
			ops: []op{out("PO"), out("ST /p HTTP/1.1\r"), out("\nContent-Le"), out("ngth: 5\r\n"), out("\r"), out("\nhel"), out("lo"),
				in("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")},
			want: []string{`> POST /p HTTP/1.1 body="hello"`, `< 201 Created (POST /p)`},
		},
		{
			name: "chunked with extensions and trailers",
			ops: []op{out("GET /c HTTP/1.1\r\n\r\n"),
				in("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n" +
					"4;name=value;q=\"x\"\r\nWiki\r\n5 ; ext\r\npedia\r\n0\r\nX-Sum: 42\r\nX-More:  a b \r\n\r\n")},
			want: []string{`> GET /c HTTP/1.1`, `< 200 OK (GET /c) body="Wikipedia" trailers=[{X-Sum 42} {X-More a b}]`},
		},
		{
			name: "chunked in pieces with bare LF",
			ops: []op{out("GET /c HTTP/1.1\n\n"), in("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3"), in("\nabc"),
				in("\n"), in("0\n"), in("\n")},
			want: []string{`> GET /c HTTP/1.1 [info: bare LF line ending]`, `< 200 OK (GET /c) body="abc" [info: bare LF line ending]`},
		},
		{
			name: "close-delimited complete at close",
			ops:  []op{out("GET / HTTP/1.1\r\n\r\n"), in("HTTP/1.1 200 OK\r\n\r\nall"), in(" of it")},
			why:  protocol.Closed,
			want: []string{`> GET / HTTP/1.1`, `< 200 OK (GET /) body="all of it" [info: body delimited by the connection's close]`},
		},
		{
			name: "close-delimited partial at idle",
			ops:  []op{out("GET / HTTP/1.0\r\n\r\n"), in("HTTP/1.0 200 OK\r\nServer: old\r\n\r\nsome")},
			why:  protocol.Idle,
			want: []string{`> GET / HTTP/1.0`, `< 200 OK (GET /) body="some" partial [info: the connection was idle before the end of the message]`},
		},
		{
			name: "head response has no body",
			ops: []op{out("HEAD /f HTTP/1.1\r\n\r\nGET /f HTTP/1.1\r\n\r\n"),
				in("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfffff")},
			want: []string{`> HEAD /f HTTP/1.1`, `> GET /f HTTP/1.1`, `< 200 OK (HEAD /f)`, `< 200 OK (GET /f) body="fffff"`},
		},
		{
			name: "204 and 304 have no body",
			ops: []op{out("DELETE /d HTTP/1.1\r\n\r\nGET /e HTTP/1.1\r\nIf-None-Match: \"x\"\r\n\r\nGET /g HTTP/1.1\r\n\r\n"),
				in("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ng")},
			want: []string{`> DELETE /d HTTP/1.1`, `> GET /e HTTP/1.1`, `> GET /g HTTP/1.1`,
				`< 204 No Content (DELETE /d)`, `< 304 Not Modified (GET /e)`, `< 200 OK (GET /g) body="g"`},
		},
		{
			name: "1xx before the final response",
			ops: []op{out("GET /h HTTP/1.1\r\n\r\n"),
				in("HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")},
			want: []string{`> GET /h HTTP/1.1`, `< 103 Early Hints (GET /h)`, `< 102 Processing (GET /h)`, `< 200 OK (GET /h) body="ok"`},
		},
		{
			name: "expect 100-continue",
			ops: []op{out("PUT /u HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"),
				in("HTTP/1.1 100 Continue\r\n\r\n"), out("data"), in("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")},
			want: []string{`< 100 Continue (PUT /u)`, `> PUT /u HTTP/1.1 body="data"`, `< 200 OK (PUT /u)`},
		},
		{
			name: "expect 100-continue refused, body never sent",
			ops: []op{out("PUT /u HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"),
				in("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n"), out("GET /next HTTP/1.1\r\n\r\n"),
				in("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")},
			want: []string{`< 417 Expectation Failed (PUT /u)`,
				`> PUT /u HTTP/1.1 [info: no body sent: the server answered Expect: 100-continue with 417]`,
				`> GET /next HTTP/1.1`, `< 200 OK (GET /next)`},
		},
		{
			name: "pipelined requests, FIFO pairing",
			ops: []op{out("GET /1 HTTP/1.1\r\n\r\nHEAD /2 HTTP/1.1\r\n\r\nPOST /3 HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"),
				in("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n3")},
			want: []string{`> GET /1 HTTP/1.1`, `> HEAD /2 HTTP/1.1`, `> POST /3 HTTP/1.1 body="x"`,
				`< 200 OK (GET /1) body="1"`, `< 200 OK (HEAD /2)`, `< 200 OK (POST /3) body="3"`},
		},
		{
			name: "server side: requests come in",
			ops: []op{in("GET /s HTTP/1.1\r\n\r\n"), out("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ns"),
				in("GET /t HTTP/1.1\r\n\r\n"), out("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")},
			want: []string{`> GET /s HTTP/1.1 dir=in`, `< 200 OK (GET /s) dir=out body="s"`, `> GET /t HTTP/1.1 dir=in`, `< 404 Not Found (GET /t) dir=out`},
		},
		{
			name: "connection close then more",
			ops: []op{out("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"), in("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
				in("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")},
			want: []string{`> GET / HTTP/1.1`, `< 200 OK (GET /)`, `< 200 OK [info: message after Connection: close]`},
		},
		{
			name: "connect tunnel",
			ops: []op{out("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01"),
				in("HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x03"), out("more")},
			want: []string{`> CONNECT example.com:443 HTTP/1.1`,
				`< 200 Connection Established (CONNECT example.com:443) [info: tunnel: shown raw]`,
				`raw out data "\x16\x03\x01"`, `raw in data "\x16\x03\x03"`, `raw out data "more"`},
			why: protocol.Closed,
		},
		{
			name: "connect refused",
			ops: []op{out("CONNECT example.com:443 HTTP/1.1\r\n\r\n"), out("GET / HTTP/1.1\r\n\r\n"),
				in("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")},
			want: []string{`> CONNECT example.com:443 HTTP/1.1`, `< 407 Proxy Authentication Required (CONNECT example.com:443)`,
				`> GET / HTTP/1.1`, `< 200 OK (GET /)`},
		},
		{
			name: "websocket upgrade, no websocket parser",
			ops: []op{out("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"), out("\x81\x05early"),
				in("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi")},
			want: []string{`> GET /ws HTTP/1.1`, `< 101 Switching Protocols (GET /ws) [info: upgrade to websocket: no websocket parser, shown raw]`,
				`raw out data "\x81\x05early"`, `raw in data "\x81\x02hi"`},
		},
		{
			name: "websocket upgrade with a websocket parser",
			cfg:  protocol.Config{Lookup: lookup("websocket")},
			ops: []op{out("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
				in("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi"), out("\x81\x00")},
			want: []string{`> GET /ws HTTP/1.1`, `< 101 Switching Protocols (GET /ws) [info: upgrade to websocket: handed to the websocket parser]`,
				`websocket in data "\x81\x02hi"`, `websocket out data "\x81\x00"`},
		},
		{
			name: "h2c upgrade",
			cfg:  protocol.Config{Lookup: lookup("http2", "raw")},
			ops: []op{out("GET / HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n"),
				in("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"), out("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")},
			want: []string{`> GET / HTTP/1.1`, `< 101 Switching Protocols (GET /) [info: upgrade to h2c: handed to the http2 parser]`,
				`http2 out data "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"`},
		},
		{
			name: "upgrade declined",
			ops: []op{out("GET / HTTP/1.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"), out("GET /2 HTTP/1.1\r\n\r\n"),
				in("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2")},
			want: []string{`> GET / HTTP/1.1`, `< 200 OK (GET /) body="1"`, `> GET /2 HTTP/1.1`, `< 200 OK (GET /2) body="2"`},
		},
		{
			name: "obs-fold",
			ops:  []op{out("GET / HTTP/1.1\r\nX-Long: a\r\n  b\r\n\tc\r\nContent-Length: 1\r\n\r\nz")},
			want: []string{`> GET / HTTP/1.1 body="z" [info: obs-fold: 2 field lines continued on the next line]`},
		},
		{
			name: "too many headers",
			cfg:  protocol.Config{Limits: protocol.Limits{MaxHeaders: 2}},
			ops:  []op{out("POST / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nContent-Length: 2\r\n\r\nok")},
			want: []string{`> POST / HTTP/1.1 body="ok" [limit: more than 2 header fields: 2 not kept]`},
		},
		{
			name: "head too long",
			cfg:  protocol.Config{Limits: protocol.Limits{MaxHeaderBytes: 40}},
			ops:  []op{out("GET / HTTP/1.1\r\nA: 1\r\nB: 2222222222222222222222222222\r\n\r\nGET /next HTTP/1.1\r\n\r\n")},
			want: []string{`> GET / HTTP/1.1 partial [limit: head longer than the 40-byte limit]`,
				`? out 17 bytes partial [info: 17 bytes skipped: no HTTP/1 message found in them]`,
				`> GET /next HTTP/1.1`},
		},
		{
			name: "start line too long",
			cfg:  protocol.Config{Limits: protocol.Limits{MaxHeaderBytes: 20}},
			ops:  []op{out("GET /a-rather-long-target HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n")},
			want: []string{`? out 38 bytes partial [limit: head longer than the 20-byte limit] [info: 38 bytes skipped: no HTTP/1 message found in them]`,
				`> GET / HTTP/1.1`},
		},
		{
			name: "transfer-encoding beats content-length",
			ops:  []op{out("POST / HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n")},
			want: []string{`> POST / HTTP/1.1 body="ab" [info: Transfer-Encoding and Content-Length both present: Content-Length ignored]`},
		},
		{
			name: "invalid content-length",
			ops:  []op{out("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\nxyz\r\nGET /ok HTTP/1.1\r\n\r\n")},
			want: []string{`> POST / HTTP/1.1 partial [error: invalid Content-Length]`,
				`? out 5 bytes partial [info: 5 bytes skipped: no HTTP/1 message found in them]`, `> GET /ok HTTP/1.1`},
		},
		{
			name: "conflicting content-lengths",
			ops:  []op{out("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")},
			want: []string{`> POST / HTTP/1.1 partial [error: invalid Content-Length]`},
		},
		{
			name: "same content-length twice",
			ops:  []op{out("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n!")},
			want: []string{`> POST / HTTP/1.1 body="!"`},
		},
		{
			name: "request with a transfer coding but not chunked",
			ops:  []op{out("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n")},
			want: []string{`> POST / HTTP/1.1 partial [error: request body length unknown: Transfer-Encoding "gzip" does not end in chunked]`},
		},
		{
			name: "malformed start line",
			ops:  []op{out("HELLO THERE\r\nGET / HTTP/1.1\r\n\r\n")},
			want: []string{`? out 13 bytes partial [error: not a request or status line: "HELLO THERE\r\n"] [info: 13 bytes skipped: no HTTP/1 message found in them]`,
				`> GET / HTTP/1.1`},
		},
		{
			name: "bad chunk size",
			ops: []op{out("GET / HTTP/1.1\r\n\r\n"), in("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\nzz\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
				out("GET /2 HTTP/1.1\r\n\r\n")},
			want: []string{`> GET / HTTP/1.1`, `< 200 OK (GET /) body="ab" partial [error: malformed chunk-size line "zz\r\n"]`,
				`< 200 OK`, `> GET /2 HTTP/1.1`},
		},
		{
			name: "missing crlf after chunk",
			ops:  []op{out("GET / HTTP/1.1\r\n\r\n"), in("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n")},
			want: []string{`> GET / HTTP/1.1`, `< 200 OK (GET /) body="ab" partial [error: chunk data not followed by CRLF]`,
				`? in 3 bytes partial [info: 3 bytes skipped: no HTTP/1 message found in them]`},
		},
		{
			name: "gzip in chunks",
			ops: []op{out("GET /z HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\n"),
				in("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"),
				in(chunks(gz(`{"a":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}`), 7) + "0\r\n\r\n")},
			want: []string{`> GET /z HTTP/1.1`, `< 200 OK (GET /z) body="{\"a\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}" enc="gzip" size=35/58`},
		},
		{
			name: "transfer coding gzip",
			ops: []op{out("GET /z HTTP/1.1\r\n\r\n"),
				in("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + chunks(gz("hello hello hello"), 100) + "0\r\n\r\n")},
			want: []string{`> GET /z HTTP/1.1`, `< 200 OK (GET /z) body="hello hello hello" enc="gzip" size=32/17`},
		},
		{
			name: "response transfer coding without chunked is close-delimited",
			ops:  []op{out("GET /z HTTP/1.1\r\n\r\n"), in("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n" + gz("zipped"))},
			why:  protocol.Closed,
			want: []string{`> GET /z HTTP/1.1`, `< 200 OK (GET /z) body="zipped" enc="gzip" size=30/6 [info: body delimited by the connection's close]`},
		},
		{
			name: "empty lines between messages",
			ops:  []op{out("POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\n1\r\n\r\nGET / HTTP/1.1\r\n\r\n")},
			want: []string{`> POST / HTTP/1.1 body="1"`, `> GET / HTTP/1.1`},
		},
		{
			name: "response without request",
			ops:  []op{in("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")},
			want: []string{`< 200 OK`},
		},
		{
			name: "status line without reason, extension method",
			ops:  []op{out("GET / HTTP/1.1\r\n\r\nFROB /x HTTP/1.1\r\n\r\n"), in("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\nHTTP/1.1 501\r\n\r\n")},
			why:  protocol.Closed,
			want: []string{`> GET / HTTP/1.1`, `> FROB /x HTTP/1.1`, `< 200  (GET /)`, `< 501  (FROB /x) [info: body delimited by the connection's close]`},
		},
		{
			name: "unfinished head at shutdown",
			ops:  []op{out("GET /slow HTTP/1.1\r\nHost: x\r\nAcc")},
			why:  protocol.Shutdown,
			want: []string{`> GET /slow HTTP/1.1 partial [info: the connection was shutdown before the end of the message]`},
		},
		{
			name: "unfinished start line at shutdown",
			ops:  []op{out("GET /sl")},
			why:  protocol.Shutdown,
			want: []string{`? out 7 bytes partial [info: 7 bytes skipped: no HTTP/1 message found in them]`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summaries(run(tt.cfg, tt.ops, tt.why))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			// Where the bytes are cut changes nothing; the stand-in
			// parsers of upgrades do not promise that.
			if tt.cfg.Lookup == nil {
				var ts []turn
				for _, o := range tt.ops {
					if n := len(ts); n > 0 && ts[n-1].dir == o.dir {
						ts[n-1].data = append(ts[n-1].data, o.data...)
						continue
					}
					ts = append(ts, turn{dir: o.dir, data: []byte(o.data)})
				}
				checkSplits(t, tt.cfg, ts, tt.why)
			}
		})
	}
}

// chunks frames s in chunks of n bytes, without the last chunk.
func chunks(s string, n int) string {
	var b bytes.Buffer
	for len(s) > 0 {
		k := min(n, len(s))
		b.WriteString(hex(k) + "\r\n" + s[:k] + "\r\n")
		s = s[k:]
	}
	return b.String()
}

func hex(n int) string {
	const digits = "0123456789abcdef"
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n >>= 4 {
		b = append([]byte{digits[n&15]}, b...)
	}
	return string(b)
}
