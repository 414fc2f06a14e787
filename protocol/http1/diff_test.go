package http1

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// head is what both parsers are compared on.
type parsed struct {
	Method, Target, Version string
	Status                  int
	Reason                  string
	Header                  map[string][]string
	BodyLen                 int64
}

// ours parses one message with this package: a request sent by the
// client, or a response to a request with method.
func ours(t *testing.T, raw string, resp bool, method string) (*parsed, *message.Message) {
	t.Helper()
	ops := []op{out(raw)}
	if resp {
		ops = []op{out(method + " / HTTP/1.1\r\n\r\n"), in(raw)}
	}
	var m *message.Message
	for _, x := range run(protocol.Config{}, ops, protocol.Closed) {
		if (x.Type == message.Response) == resp && x.Type != message.Data {
			m = x
			break
		}
	}
	if m == nil || m.Partial {
		return nil, m
	}
	p := &parsed{Method: m.HTTP.Method, Target: m.HTTP.Target, Version: m.HTTP.Version,
		Status: m.HTTP.Status, Reason: m.HTTP.Reason, Header: map[string][]string{}}
	for _, h := range m.HTTP.Headers {
		k := textproto.CanonicalMIMEHeaderKey(h.Name)
		p.Header[k] = append(p.Header[k], h.Value)
	}
	if m.Body != nil {
		p.BodyLen = m.Body.Size
	}
	return p, m
}

// theirs parses one message with net/http.
func theirs(raw string, resp bool, method string) (*parsed, error) {
	br := bufio.NewReader(strings.NewReader(raw))
	if !resp {
		req, err := http.ReadRequest(br)
		if err != nil {
			return nil, err
		}
		n, err := io.Copy(io.Discard, req.Body)
		if err != nil {
			return nil, err
		}
		h := map[string][]string(req.Header.Clone())
		if req.Host != "" {
			h["Host"] = []string{req.Host}
		}
		return &parsed{Method: req.Method, Target: req.RequestURI, Version: req.Proto, Header: h, BodyLen: n}, nil
	}
	res, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(io.Discard, res.Body)
	if err != nil {
		return nil, err
	}
	_, reason, _ := strings.Cut(res.Status, " ")
	if reason == strconv.Itoa(res.StatusCode) {
		reason = ""
	}
	return &parsed{Version: res.Proto, Status: res.StatusCode, Reason: reason,
		Header: map[string][]string(res.Header.Clone()), BodyLen: n}, nil
}

// TestDifferential compares the heads and body lengths this package finds
// with those of net/http. Where net/http refuses a message, theirErr says
// so and we says what this package does instead: a passive observer shows
// what crossed the wire, with a note, where a server must refuse it.
func TestDifferential(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		resp     bool
		method   string // of the request a response answers
		theirErr bool   // net/http refuses it
		weRefuse bool   // we find no HTTP/1 message in it
		we       string // what we do with it, when net/http refuses it or differs
		want     string // our message's summary, when net/http refuses it
		// fix, when set, undoes an intended difference (described by we)
		// in our result before the comparison.
		fix func(*parsed)
	}{
		// Requests both accept.
		{name: "get", raw: "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"},
		{name: "repeated fields", raw: "GET /x?a=1&b=2 HTTP/1.1\r\nHost: h\r\nAccept: a\r\nCookie: a=1\r\naccept: b\r\nCookie: b=2\r\n\r\n"},
		{name: "post", raw: "POST /api HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"ok\": true }"},
		{name: "chunked request", raw: "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer-A: x\r\n\r\n"},
		{name: "absolute form", raw: "GET http://example.com/a/b?c HTTP/1.1\r\nHost: example.com\r\n\r\n"},
		{name: "authority form", raw: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"},
		{name: "asterisk form", raw: "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"},
		{name: "http/1.0", raw: "GET /old HTTP/1.0\r\nUser-Agent: w\r\n\r\n"},
		{name: "empty value", raw: "GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Spaces:    \r\n\r\n"},
		{name: "whitespace in values", raw: "GET / HTTP/1.1\r\nHost: h\r\nX-A: \t a  b \t\r\nX-B:c\r\n\r\n"},
		{name: "lower-case names", raw: "GET / HTTP/1.1\r\nhost: h\r\ncontent-length: 2\r\n\r\nab"},
		{name: "extension method", raw: "FROB /x HTTP/1.1\r\nHost: h\r\n\r\n"},
		{name: "webdav", raw: "PROPFIND /dav/ HTTP/1.1\r\nHost: h\r\nDepth: 1\r\nContent-Length: 3\r\n\r\n<a/>"[:61] + "\r\n\r\n<a/"},
		{name: "lower-case method", raw: "get / HTTP/1.1\r\nHost: h\r\n\r\n"},
		{name: "HTTP/1.2", raw: "GET / HTTP/1.2\r\nHost: h\r\n\r\n"},
		{name: "same content-length twice", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
			we:  "keeps both fields as they were on the wire; net/http keeps one",
			fix: func(p *parsed) { p.Header["Content-Length"] = p.Header["Content-Length"][:1] }},
		{name: "expect", raw: "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx"},
		{name: "upper-case chunk size", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1A\r\n" + strings.Repeat("z", 26) + "\r\n0\r\n\r\n"},
		{name: "chunked and content-length", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n",
			we: "framed as chunked, Content-Length ignored with a note; net/http removes Content-Length"},
		{name: "bare LF", raw: "GET / HTTP/1.1\nHost: h\nX-A: 1\n\n"},
		{name: "obs-fold", raw: "GET / HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n b\r\n\r\n"},
		{name: "many headers", raw: "GET / HTTP/1.1\r\nHost: h\r\n" + strings.Repeat("X-Many: v\r\n", 100) + "\r\n"},

		// Requests net/http refuses.
		{name: "space before colon", raw: "GET / HTTP/1.1\r\nHost : h\r\n\r\n",
			we: `trims the name, with a note; net/http keeps the name "Host " (and so no Host)`,
			fix: func(p *parsed) {
				p.Header["Host "] = p.Header["Host"]
				delete(p.Header, "Host")
			}},
		{name: "bad field name", raw: "GET / HTTP/1.1\r\nHost: h\r\nBad[Name]: x\r\n\r\n", theirErr: true,
			want: `> GET / HTTP/1.1 [error: invalid field name "Bad[Name]"]`,
			we:   "keeps the field, with an error note"},
		{name: "line without colon", raw: "GET / HTTP/1.1\r\nHost: h\r\nnonsense\r\n\r\n", theirErr: true,
			want: `> GET / HTTP/1.1 [error: 1 malformed field lines dropped, the first "nonsense"]`,
			we:   "drops the line, with an error note"},
		{name: "control character in a value", raw: "GET / HTTP/1.1\r\nHost: h\r\nX-Bin: a\x01b\r\n\r\n", theirErr: true,
			want: `> GET / HTTP/1.1`,
			we:   "keeps the value as it was"},
		{name: "space in target", raw: "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", theirErr: true,
			want: `> GET /a b HTTP/1.1 [info: space in request target]`,
			we:   "takes everything between the first and the last space as the target, with a note"},
		{name: "invalid content-length", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12a\r\n\r\n", theirErr: true,
			want: `> POST / HTTP/1.1 partial [error: invalid Content-Length]`,
			we:   "a partial message with an error note, then resynchronises"},
		{name: "conflicting content-lengths", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", theirErr: true,
			want: `> POST / HTTP/1.1 partial [error: invalid Content-Length]`,
			we:   "a partial message with an error note, then resynchronises"},
		{name: "transfer coding without chunked", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", theirErr: true,
			want: `> POST / HTTP/1.1 partial [error: request body length unknown: Transfer-Encoding "gzip" does not end in chunked]`,
			we:   "a partial message with an error note: the body length is unknown"},
		{name: "gzip then chunked", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", theirErr: true,
			want: `> POST / HTTP/1.1`,
			we:   "de-chunks and then decodes the gzip transfer coding"},
		{name: "HTTP/2.0 request line", raw: "GET / HTTP/2.0\r\nHost: h\r\n\r\n", weRefuse: true,
			we: "not an HTTP/1 request line: skipped; net/http takes any HTTP/x.y"},

		// Responses both accept.
		{name: "200", raw: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", resp: true, method: "GET"},
		{name: "chunked response", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n", resp: true, method: "GET",
			we: "keeps the Trailer field among the headers; net/http moves it to Response.Trailer", fix: func(p *parsed) { delete(p.Header, "Trailer") }},
		{name: "204", raw: "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n", resp: true, method: "DELETE"},
		{name: "304 with content-length", raw: "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nETag: \"e\"\r\n\r\n", resp: true, method: "GET"},
		{name: "head response", raw: "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", resp: true, method: "HEAD"},
		{name: "close-delimited", raw: "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>to the end</html>", resp: true, method: "GET"},
		{name: "http/1.0 close-delimited", raw: "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nbody until close", resp: true, method: "GET"},
		{name: "no reason", raw: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", resp: true, method: "GET"},
		{name: "long reason", raw: "HTTP/1.1 404 Not Found Here Either\r\nContent-Length: 0\r\n\r\n", resp: true, method: "GET"},
		{name: "100 continue", raw: "HTTP/1.1 100 Continue\r\n\r\n", resp: true, method: "PUT"},
		{name: "101", raw: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", resp: true, method: "GET"},
		{name: "unusual status", raw: "HTTP/1.1 599 Network Timeout\r\nContent-Length: 2\r\n\r\nno", resp: true, method: "GET"},
		{name: "set-cookie", raw: "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2; Path=/\r\nContent-Length: 0\r\n\r\n", resp: true, method: "GET"},
		{name: "connect established", raw: "HTTP/1.1 200 Connection established\r\n\r\n", resp: true, method: "CONNECT"},
		{name: "transfer coding without chunked response", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw", resp: true, method: "GET", theirErr: true,
			want: `< 200 OK (GET /) body="raw" enc="gzip" size=3/0 err="decoding gzip: unexpected EOF" [info: body delimited by the connection's close]`,
			we:   "reads the body to the close, as RFC 9112 6.3 says"},

		// Responses net/http refuses.
		{name: "bad status", raw: "HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n", resp: true, method: "GET", theirErr: true,
			want: ``,
			we:   "not a status line: skipped"},
		{name: "response obs-fold", raw: "HTTP/1.1 200 OK\r\nX-F: a\r\n\tb\r\nContent-Length: 0\r\n\r\n", resp: true, method: "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, theirErr := theirs(tt.raw, tt.resp, tt.method)
			got, m := ours(t, tt.raw, tt.resp, tt.method)
			if (theirErr != nil) != tt.theirErr {
				t.Fatalf("net/http error = %v; the table says %v", theirErr, tt.theirErr)
			}
			if theirErr != nil {
				// Our behaviour on what net/http refuses is pinned down here.
				// Our behaviour on what net/http refuses is pinned down here.
				s := ""
				if m != nil && m.Type != message.Data {
					s = summary(m)
				}
				if s != tt.want {
					t.Errorf("net/http: %v; we: %s\ngot  %s\nwant %s", theirErr, tt.we, s, tt.want)
				}
				return
			}
			if (got == nil) != tt.weRefuse {
				t.Fatalf("we found a complete message: %v; the table says %v", got != nil, !tt.weRefuse)
			}
			if got == nil {
				t.Logf("net/http: %+v; we: %s", want, tt.we)
				return
			}
			if tt.fix != nil {
				tt.fix(got)
			}
			// net/http keeps framing fields to itself.
			if tt.resp || strings.Contains(strings.ToLower(tt.raw), "transfer-encoding") {
				delete(got.Header, "Transfer-Encoding")
				if slices.Contains(got.Header["Transfer-Encoding"], "chunked") || strings.Contains(tt.raw, "chunked") {
					delete(got.Header, "Content-Length")
					delete(want.Header, "Content-Length")
				}
			}
			delete(got.Header, "Transfer-Encoding")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("net/http (-) and ours (+) differ:\n%s", diff)
			}
		})
	}
}

// TestDifferentialRecordings compares every request and response of the
// recorded sessions with what net/http reads from the same bytes.
func TestDifferentialRecordings(t *testing.T) {
	for _, f := range httpRecordings(t) {
		for i, c := range loadRecording(t, f) {
			t.Run(fmt.Sprintf("%s/conn%d", filepath.Base(f), i+1), func(t *testing.T) {
				var client, server []byte
				for _, e := range c.events {
					if e.dir == event.Out {
						client = append(client, e.data...)
					} else {
						server = append(server, e.data...)
					}
				}
				var theirs []*parsed
				var reqs []*http.Request
				br := bufio.NewReader(bytes.NewReader(client))
				for {
					req, err := http.ReadRequest(br)
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, req.Body)
					h := map[string][]string(req.Header.Clone())
					h["Host"] = []string{req.Host}
					theirs = append(theirs, &parsed{Method: req.Method, Target: req.RequestURI, Version: req.Proto, Header: h, BodyLen: n})
					reqs = append(reqs, req)
				}
				br = bufio.NewReader(bytes.NewReader(server))
				for k := 0; k < len(reqs); {
					res, err := http.ReadResponse(br, reqs[k])
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, res.Body)
					_, reason, _ := strings.Cut(res.Status, " ")
					h := map[string][]string(res.Header.Clone())
					theirs = append(theirs, &parsed{Version: res.Proto, Status: res.StatusCode, Reason: reason, Header: h, BodyLen: n})
					if res.StatusCode >= 200 {
						k++
					}
				}
				var ours []*parsed
				for _, m := range parseConn(c) {
					if m.Type != message.Request {
						continue
					}
					ours = append(ours, toParsed(m))
				}
				for _, m := range parseConn(c) {
					if m.Type == message.Response {
						p := toParsed(m)
						// net/http moves these out of Header (into
						// TransferEncoding and Close).
						delete(p.Header, "Transfer-Encoding")
						if c := p.Header["Connection"]; len(c) == 1 && strings.EqualFold(c[0], "close") {
							delete(p.Header, "Connection")
						}
						if hasChunked(m) {
							delete(p.Header, "Content-Length")
						}
						ours = append(ours, p)
					}
				}
				if diff := cmp.Diff(theirs, ours); diff != "" {
					t.Errorf("net/http (-) and ours (+) differ:\n%s", diff)
				}
			})
		}
	}
}

func hasChunked(m *message.Message) bool {
	for _, h := range m.HTTP.Headers {
		if strings.EqualFold(h.Name, "Transfer-Encoding") {
			return true
		}
	}
	return false
}

func toParsed(m *message.Message) *parsed {
	p := &parsed{Method: m.HTTP.Method, Target: m.HTTP.Target, Version: m.HTTP.Version,
		Status: m.HTTP.Status, Reason: m.HTTP.Reason, Header: map[string][]string{}}
	for _, h := range m.HTTP.Headers {
		k := textproto.CanonicalMIMEHeaderKey(h.Name)
		p.Header[k] = append(p.Header[k], h.Value)
	}
	if m.Body != nil {
		p.BodyLen = m.Body.Size
	}
	return p
}
