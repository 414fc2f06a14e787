package workload

import (
	"net/netip"
	"strconv"
	"time"
)

// timeFormat is HTTP's date format (RFC 9110, IMF-fixdate).
const timeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// clientStyle is how one client program writes its requests.
type clientStyle uint8

const (
	styleCurl clientStyle = iota
	stylePython
	styleNginx
	styleGo
	styleNode
)

// httpProc is a process of the HTTP workloads with its style.
type httpProc struct {
	proc
	style clientStyle
	ua    string
}

// httpWorld builds the HTTP/1.1 exchanges of the keepalive and churn
// workloads.
type httpWorld struct {
	g     *generator
	t     text
	style map[*proc]*httpProc
	// Scratch buffers, reused by every exchange.
	path, reqBody, respBody []byte
	// headLen is the length of the last response's head.
	headLen int
}

var (
	hostV4     = netip.MustParseAddr("192.0.2.10")
	hostV6     = netip.MustParseAddr("2001:db8::a")
	loopbackV4 = netip.MustParseAddr("127.0.0.1")
)

func newHTTPWorld(g *generator) world {
	api := &server{host: "api.example.com", addr: netip.MustParseAddrPort("203.0.113.10:443"), name: "nginx/1.24.0"}
	shop := &server{host: "shop.example.net", addr: netip.MustParseAddrPort("198.51.100.23:443"), name: "envoy"}
	auth := &server{host: "auth.example.org", addr: netip.MustParseAddrPort("[2001:db8::25]:443"), name: "gunicorn"}
	backend := &server{host: "backend.internal", addr: netip.MustParseAddrPort("192.0.2.41:8443"), name: "uvicorn"}
	dev := &server{host: "localhost:8443", addr: netip.MustParseAddrPort("127.0.0.1:8443"), name: ""}

	hw := &httpWorld{g: g, t: text{g.rng}, style: map[*proc]*httpProc{}}
	procs := []*httpProc{
		{proc: proc{pid: 4242, comm: "curl", tids: []uint32{4242}, weight: 1, dsts: []*server{api, shop}},
			style: styleCurl, ua: "curl/8.5.0"},
		{proc: proc{pid: 31337, comm: "python3", tids: []uint32{31337, 31341, 31342, 31343, 31344}, weight: 3, dsts: []*server{api, auth, shop}},
			style: stylePython, ua: "python-requests/2.31.0"},
		{proc: proc{pid: 1187, comm: "nginx", tids: []uint32{1187}, weight: 3, dsts: []*server{backend}},
			style: styleNginx},
		{proc: proc{pid: 5120, comm: "api-client", tids: []uint32{5120, 5123, 5124, 5125, 5126, 5127}, weight: 2, dsts: []*server{api, auth}},
			style: styleGo, ua: "api-client/2.4.1 (linux; go1.22.5)"},
		{proc: proc{pid: 7001, comm: "node", tids: []uint32{7001}, weight: 1, src: loopbackV4, dsts: []*server{dev}},
			style: styleNode, ua: "axios/1.6.7"},
	}
	w := world{fill: hw.fill, piece: func(n int) int { return min(n, g.logUniform(1, 16<<10)) }}
	for i, p := range procs {
		if !p.src.IsValid() {
			p.src, p.src6 = hostV4, hostV6
		}
		// Each process has a few descriptors open before its sockets.
		p.fds.next = int32(3 + 2*i)
		hw.style[&p.proc] = p
		w.procs = append(w.procs, &p.proc)
	}
	return w
}

// request is what fill decided about one exchange.
type request struct {
	method string
	path   []byte
	// body is the request body and ctype its Content-Type.
	body  []byte
	ctype string
	// status and the response body's kind.
	status int
	// respJSON is the number of records in a JSON response body (0: one
	// record alone, -1: no JSON, -2: a short status object); respHTML is
	// the number of paragraphs of an HTML body (0: none).
	respJSON, respHTML int
	// etag: the request is conditional (If-None-Match); last: it is the
	// connection's last and asks for Connection: close.
	etag, last bool
}

func (hw *httpWorld) fill(c *conn, i int) {
	g, t := hw.g, hw.t
	hp := hw.style[c.p]
	r := request{last: i == c.n-1, respJSON: -1, path: hw.path[:0]}

	// The mix of requests, and what each is answered with.
	x := g.rng.IntN(100)
	id := 1 + g.rng.IntN(99999)
	switch {
	case x < 40:
		r.method = "GET"
		r.path = append(r.path, "/api/v1/users/"...)
		r.path = strconv.AppendInt(r.path, int64(id), 10)
		r.respJSON = 0
		if g.rng.IntN(8) == 0 {
			r.etag = true
		}
	case x < 52:
		r.method = "GET"
		per := []int{2, 5, 10, 14}[g.rng.IntN(4)]
		r.path = append(r.path, "/api/v1/orders?page="...)
		r.path = strconv.AppendInt(r.path, int64(1+g.rng.IntN(20)), 10)
		r.path = append(r.path, "&per_page="...)
		r.path = strconv.AppendInt(r.path, int64(per), 10)
		r.respJSON = per
	case x < 60:
		r.method = "GET"
		r.path = append(r.path, "/docs/"...)
		r.path = append(r.path, t.word()...)
		r.path = append(r.path, '-')
		r.path = append(r.path, t.word()...)
		r.respHTML = 1 + g.rng.IntN(7)
		if g.rng.IntN(20) == 0 {
			r.respHTML = 20 + g.rng.IntN(40)
		}
	case x < 64:
		r.method = "GET"
		r.path = append(r.path, "/api/v1/products/"...)
		r.path = t.appendToken(r.path, 8)
		r.status = 404
	case x < 68:
		r.method = "GET"
		r.path = append(r.path, "/healthz"...)
		r.respJSON = -2
	case x < 86:
		r.method = "POST"
		r.path = append(r.path, "/api/v1/orders"...)
		r.status = 201
		r.respJSON = 0
	case x < 92:
		r.method = "POST"
		r.path = append(r.path, "/api/v1/events"...)
		r.status = 202
		r.respJSON = -2
	case x < 96:
		r.method = "PUT"
		r.path = append(r.path, "/api/v1/users/"...)
		r.path = strconv.AppendInt(r.path, int64(id), 10)
		r.respJSON = 0
	default:
		r.method = "DELETE"
		r.path = append(r.path, "/api/v1/sessions/"...)
		r.path = t.appendToken(r.path, 22)
		r.status = 204
	}
	if r.status == 0 {
		r.status = 200
	}
	if r.etag && g.rng.IntN(2) == 0 {
		r.status = 304
	}

	// The request body.
	body := hw.reqBody[:0]
	switch r.method {
	case "POST":
		r.ctype = "application/json"
		if r.status == 202 {
			body = append(body, `{"events":[`...)
			for k := range 1 + g.rng.IntN(4) {
				if k > 0 {
					body = append(body, ',')
				}
				body = append(body, `{"type":`...)
				body = appendJSONString(body, t.word()+"."+t.word())
				body = append(body, `,"ts":`...)
				body = strconv.AppendUint(body, g.now/1e6, 10)
				body = append(body, `,"session":"`...)
				body = t.appendUUID(body)
				body = append(body, `"}`...)
			}
			body = append(body, "]}"...)
		} else {
			body = append(body, `{"customer_id":`...)
			body = strconv.AppendInt(body, int64(id), 10)
			body = append(body, `,"items":[`...)
			for k := range 1 + g.rng.IntN(3) {
				if k > 0 {
					body = append(body, ',')
				}
				body = append(body, `{"sku":"`...)
				body = t.appendToken(body, 8)
				body = append(body, `","qty":`...)
				body = strconv.AppendInt(body, int64(1+g.rng.IntN(5)), 10)
				body = append(body, '}')
			}
			body = append(body, `],"note":"`...)
			body = t.appendWords(body, g.rng.IntN(8))
			body = append(body, `"}`...)
		}
	case "PUT":
		r.ctype = "application/json"
		body = append(body, `{"display_name":"`...)
		body = append(body, firstNames[g.rng.IntN(len(firstNames))]...)
		body = append(body, `","settings":{"theme":"`...)
		body = append(body, []string{"dark", "light", "system"}[g.rng.IntN(3)]...)
		body = append(body, `","notifications":`...)
		body = strconv.AppendBool(body, g.rng.IntN(2) == 0)
		body = append(body, "}}"...)
	}
	if len(body) > 0 {
		r.body = body
	}

	hw.path, hw.reqBody = r.path, body
	c.out = hw.appendRequest(c.out[:0], c, hp, &r)

	// The response. Servers other than nginx and envoy write the head
	// and the body apart, so they arrive in separate TLS records and the
	// first read ends with the head.
	c.in = hw.appendResponse(c.in[:0], c, &r)
	c.mark = 0
	if c.srv.name != "nginx/1.24.0" && c.srv.name != "envoy" {
		c.mark = hw.headLen
	}
}

// appendRequest appends the request line and headers of r, then its body,
// in the habits of hp's client.
func (hw *httpWorld) appendRequest(b []byte, c *conn, hp *httpProc, r *request) []byte {
	t := hw.t
	b = append(b, r.method...)
	b = append(b, ' ')
	b = append(b, r.path...)
	b = append(b, " HTTP/1.1\r\n"...)
	host := c.srv.host
	switch hp.style {
	case styleCurl:
		b = appendHeader(b, "Host", host)
		b = appendHeader(b, "User-Agent", hp.ua)
		b = appendHeader(b, "Accept", "*/*")
		b = append(b, "Authorization: Bearer "...)
		b = t.appendToken(b, 40)
		b = append(b, "\r\n"...)
	case stylePython:
		b = appendHeader(b, "Host", host)
		b = appendHeader(b, "User-Agent", hp.ua)
		b = appendHeader(b, "Accept-Encoding", "gzip, deflate")
		b = appendHeader(b, "Accept", "*/*")
		if !r.last {
			b = appendHeader(b, "Connection", "keep-alive")
		}
		b = append(b, "Authorization: Bearer "...)
		b = t.appendToken(b, 36)
		b = append(b, '.')
		b = t.appendToken(b, 24)
		b = append(b, "\r\n"...)
	case styleNginx:
		b = appendHeader(b, "Host", host)
		ip := "203.0.113." + strconv.Itoa(2+hw.g.rng.IntN(250))
		b = appendHeader(b, "X-Real-IP", ip)
		b = appendHeader(b, "X-Forwarded-For", ip)
		b = appendHeader(b, "X-Forwarded-Proto", "https")
		if r.last {
			b = appendHeader(b, "Connection", "close")
		}
		if r.body != nil {
			b = appendHeader(b, "Content-Length", strconv.Itoa(len(r.body)))
		}
		b = appendHeader(b, "user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
		b = appendHeader(b, "accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		b = appendHeader(b, "accept-language", "en-US,en;q=0.5")
		b = append(b, "cookie: sid="...)
		b = t.appendToken(b, 32)
		b = append(b, "; _ga=GA1.1."...)
		b = strconv.AppendInt(b, int64(1e8+hw.g.rng.IntN(9e8)), 10)
		b = append(b, "\r\n"...)
		if r.body != nil {
			b = appendHeader(b, "content-type", r.ctype)
		}
	case styleGo:
		b = appendHeader(b, "Host", host)
		b = appendHeader(b, "User-Agent", hp.ua)
		if r.body != nil {
			b = appendHeader(b, "Content-Length", strconv.Itoa(len(r.body)))
		}
		b = appendHeader(b, "Accept", "application/json")
		b = append(b, "X-Request-Id: "...)
		b = t.appendUUID(b)
		b = append(b, "\r\n"...)
		if r.body != nil {
			b = appendHeader(b, "Content-Type", r.ctype)
		}
	case styleNode:
		b = appendHeader(b, "Accept", "application/json, text/plain, */*")
		if r.body != nil {
			b = appendHeader(b, "Content-Type", r.ctype)
		}
		b = appendHeader(b, "User-Agent", hp.ua)
		if r.body != nil {
			b = appendHeader(b, "Content-Length", strconv.Itoa(len(r.body)))
		}
		b = appendHeader(b, "Host", host)
		if r.last {
			b = appendHeader(b, "Connection", "close")
		} else {
			b = appendHeader(b, "Connection", "keep-alive")
		}
	}
	if r.etag {
		b = append(b, "If-None-Match: \""...)
		b = t.appendHex(b, 16)
		b = append(b, "\"\r\n"...)
	}
	if r.last && hp.style != styleNginx && hp.style != styleNode {
		b = appendHeader(b, "Connection", "close")
	}
	if r.body != nil && (hp.style == styleCurl || hp.style == stylePython) {
		b = appendHeader(b, "Content-Type", r.ctype)
		b = appendHeader(b, "Content-Length", strconv.Itoa(len(r.body)))
	}
	b = append(b, "\r\n"...)
	return append(b, r.body...)
}

// appendResponse appends the status line, headers and body of the answer
// to r, in the habits of c's server.
func (hw *httpWorld) appendResponse(b []byte, c *conn, r *request) []byte {
	g, t := hw.g, hw.t
	body := hw.respBody[:0]
	ctype := ""
	switch {
	case r.status == 204 || r.status == 304:
	case r.status == 404:
		ctype = "application/json"
		body = append(body, `{"error":"not_found","message":"no such product","request_id":"`...)
		body = t.appendUUID(body)
		body = append(body, `"}`...)
	case r.respJSON == -2:
		ctype = "application/json"
		body = append(body, `{"status":"ok"}`...)
		if r.status == 202 {
			body = append(body[:0], `{"accepted":true,"id":"`...)
			body = t.appendUUID(body)
			body = append(body, `"}`...)
		}
	case r.respHTML > 0:
		ctype = "text/html; charset=utf-8"
		body = t.appendHTML(body, r.respHTML)
	default:
		ctype = "application/json"
		body = t.appendJSONBody(body, r.respJSON)
	}
	hw.respBody = body

	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(r.status), 10)
	b = append(b, ' ')
	b = append(b, reason(r.status)...)
	b = append(b, "\r\n"...)
	date := time.Unix(0, int64(g.now)).UTC()
	switch c.srv.name {
	case "":
		// Express: no Server header, X-Powered-By first.
		b = appendHeader(b, "X-Powered-By", "Express")
		if ctype != "" {
			b = appendHeader(b, "Content-Type", ctype)
			b = appendHeader(b, "Content-Length", strconv.Itoa(len(body)))
		}
		b = append(b, "ETag: W/\""...)
		b = strconv.AppendInt(b, int64(len(body)), 16)
		b = append(b, '-')
		b = t.appendToken(b, 27)
		b = append(b, "\"\r\nDate: "...)
		b = date.AppendFormat(b, timeFormat)
		b = append(b, "\r\n"...)
		if r.last {
			b = appendHeader(b, "Connection", "close")
		} else {
			b = appendHeader(b, "Connection", "keep-alive")
			b = appendHeader(b, "Keep-Alive", "timeout=5")
		}
	default:
		b = appendHeader(b, "Server", c.srv.name)
		b = append(b, "Date: "...)
		b = date.AppendFormat(b, timeFormat)
		b = append(b, "\r\n"...)
		if ctype != "" {
			b = appendHeader(b, "Content-Type", ctype)
			b = appendHeader(b, "Content-Length", strconv.Itoa(len(body)))
		}
		if r.last {
			b = appendHeader(b, "Connection", "close")
		} else if c.srv.name != "envoy" {
			b = appendHeader(b, "Connection", "keep-alive")
		}
		if r.status == 200 || r.status == 304 {
			b = append(b, "ETag: \""...)
			b = t.appendHex(b, 16)
			b = append(b, "\"\r\n"...)
		}
		if c.srv.name == "envoy" {
			b = append(b, "x-envoy-upstream-service-time: "...)
			b = strconv.AppendInt(b, int64(1+g.rng.IntN(80)), 10)
			b = append(b, "\r\n"...)
		}
		b = append(b, "X-Request-Id: "...)
		b = t.appendUUID(b)
		b = append(b, "\r\n"...)
		if c.srv.name == "nginx/1.24.0" {
			b = appendHeader(b, "Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			b = appendHeader(b, "Cache-Control", "no-cache, private")
		}
	}
	if r.status == 201 {
		b = append(b, "Location: /api/v1/orders/"...)
		b = strconv.AppendInt(b, int64(1e6+g.rng.IntN(9e6)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	hw.headLen = len(b)
	return append(b, body...)
}

func appendHeader(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, "\r\n"...)
}

func reason(status int) string {
	switch status {
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 202:
		return "Accepted"
	case 204:
		return "No Content"
	case 304:
		return "Not Modified"
	case 404:
		return "Not Found"
	}
	return "Unknown"
}
