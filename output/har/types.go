package har

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
)

// The HAR 1.2 objects tapir writes (http://www.softwareishard.com/blog/har-12-spec/).
// Fields of tapir's own start with "_", as the spec asks.

type creator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type entry struct {
	Started    string          `json:"startedDateTime"`
	Time       float64         `json:"time"`
	Request    json.RawMessage `json:"request"`
	Response   response        `json:"response"`
	Cache      struct{}        `json:"cache"`
	Timings    timings         `json:"timings"`
	ServerIP   string          `json:"serverIPAddress,omitempty"`
	Connection string          `json:"connection,omitempty"`
	Comment    string          `json:"comment,omitempty"`
	WS         []wsMessage     `json:"_webSocketMessages,omitempty"`
	Tapir      tapirExt        `json:"_tapir"`
}

type tapirExt struct {
	PID       uint32 `json:"pid,omitempty"`
	Comm      string `json:"comm,omitempty"`
	Proto     string `json:"proto,omitempty"`
	Stream    uint32 `json:"stream,omitempty"`
	WSDropped int    `json:"ws_dropped,omitempty"`
}

type request struct {
	Method      string    `json:"method"`
	URL         string    `json:"url"`
	HTTPVersion string    `json:"httpVersion"`
	Cookies     []cookie  `json:"cookies"`
	Headers     []nameVal `json:"headers"`
	QueryString []nameVal `json:"queryString"`
	PostData    *postData `json:"postData,omitempty"`
	HeadersSize int64     `json:"headersSize"`
	BodySize    int64     `json:"bodySize"`
	Comment     string    `json:"comment,omitempty"`
	Trailers    []nameVal `json:"_trailers,omitempty"`
	Tapir       *reqExt   `json:"_tapir,omitempty"`
}

// reqExt is tapir's remark on a request.
type reqExt struct {
	Partial bool `json:"partial,omitempty"`
}

type response struct {
	Status      int       `json:"status"`
	StatusText  string    `json:"statusText"`
	HTTPVersion string    `json:"httpVersion"`
	Cookies     []cookie  `json:"cookies"`
	Headers     []nameVal `json:"headers"`
	Content     content   `json:"content"`
	RedirectURL string    `json:"redirectURL"`
	HeadersSize int64     `json:"headersSize"`
	BodySize    int64     `json:"bodySize"`
	Comment     string    `json:"comment,omitempty"`
	Trailers    []nameVal `json:"_trailers,omitempty"`
}

type nameVal struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type cookie struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Path     string `json:"path,omitempty"`
	Domain   string `json:"domain,omitempty"`
	Expires  string `json:"expires,omitempty"`
	HTTPOnly bool   `json:"httpOnly,omitempty"`
	Secure   bool   `json:"secure,omitempty"`
}

type postData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	// Encoding is "base64" when Text holds a binary body in base64
	// (HAR 1.2 has it for content only).
	Encoding string `json:"_encoding,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

type content struct {
	Size        int64  `json:"size"`
	Compression int64  `json:"compression,omitempty"`
	MimeType    string `json:"mimeType"`
	Text        string `json:"text,omitempty"`
	Encoding    string `json:"encoding,omitempty"`
	Comment     string `json:"comment,omitempty"`
}

type timings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// wsMessage is one element of Chrome's _webSocketMessages.
type wsMessage struct {
	Type   string  `json:"type"` // "send" (by the client) or "receive"
	Time   float64 `json:"time"` // seconds since the epoch
	Opcode int     `json:"opcode"`
	Data   string  `json:"data"`
}

// fields converts header fields; nil becomes an empty array, which HAR
// requires.
func fields(hs []message.Header) []nameVal {
	out := make([]nameVal, len(hs))
	for i, h := range hs {
		out[i] = nameVal{h.Name, h.Value}
	}
	return out
}

func header(hs []message.Header, name string) (string, bool) {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

// buildRequest renders a request message.
func buildRequest(m *message.Message) *request {
	h := m.HTTP
	r := &request{
		Method:      h.Method,
		URL:         requestURL(m, h.Method, h.Target),
		HTTPVersion: version(h.Version),
		Cookies:     requestCookies(h.Headers),
		Headers:     fields(h.Headers),
		QueryString: query(h.Target),
		HeadersSize: -1,
		BodySize:    0,
		Comment:     comment(m),
	}
	if len(h.Trailers) > 0 {
		r.Trailers = fields(h.Trailers)
	}
	if m.Partial {
		r.Tapir = &reqExt{Partial: true}
	}
	if b := m.Body; b != nil {
		r.BodySize = b.Size
		if len(b.Data) > 0 || b.Size > 0 {
			pd := &postData{MimeType: b.ContentType}
			if pd.MimeType == "" {
				pd.MimeType, _ = header(h.Headers, "content-type")
			}
			if !b.Binary && utf8.Valid(b.Data) {
				pd.Text = string(b.Data)
			} else {
				pd.Text = base64.StdEncoding.EncodeToString(b.Data)
				pd.Encoding = "base64"
			}
			pd.Comment = cutComment(b)
			r.PostData = pd
		}
	}
	return r
}

// requestFromRef makes a request from what a response says of it.
func requestFromRef(m *message.Message) *request {
	method, target := "", ""
	if r := m.Request; r != nil {
		method, target = r.Method, r.Target
	}
	return &request{
		Method:      method,
		URL:         requestURL(m, method, target),
		HTTPVersion: version(m.HTTP.Version),
		Cookies:     []cookie{},
		Headers:     []nameVal{},
		QueryString: query(target),
		HeadersSize: -1,
		BodySize:    -1,
		Comment:     "request not captured",
	}
}

// wsRequest makes a handshake request for a WebSocket connection whose
// handshake was not captured.
func wsRequest(m *message.Message) *request {
	return &request{
		Method:      "GET",
		URL:         "wss://" + addrHost(serverAddr(m, event.Out)) + "/",
		HTTPVersion: "HTTP/1.1",
		Cookies:     []cookie{},
		Headers:     []nameVal{},
		QueryString: []nameVal{},
		HeadersSize: -1,
		BodySize:    0,
		Comment:     "handshake not captured",
	}
}

func wsResponse() response {
	return response{
		Status: 101, StatusText: "Switching Protocols", HTTPVersion: "HTTP/1.1",
		Cookies: []cookie{}, Headers: []nameVal{},
		Content:     content{MimeType: "x-unknown"},
		HeadersSize: -1, BodySize: 0,
	}
}

// noResponse is the response of a request never answered.
func noResponse() response {
	return response{
		Cookies: []cookie{}, Headers: []nameVal{},
		Content:     content{MimeType: "x-unknown"},
		HeadersSize: -1, BodySize: -1,
	}
}

// buildResponse renders a response message.
func buildResponse(m *message.Message) response {
	h := m.HTTP
	r := response{
		Status:      h.Status,
		StatusText:  h.Reason,
		HTTPVersion: version(h.Version),
		Cookies:     responseCookies(h.Headers),
		Headers:     fields(h.Headers),
		HeadersSize: -1,
	}
	if len(h.Trailers) > 0 {
		r.Trailers = fields(h.Trailers)
	}
	r.RedirectURL, _ = header(h.Headers, "location")
	r.Content.MimeType, _ = header(h.Headers, "content-type")
	if b := m.Body; b != nil {
		if b.ContentType != "" {
			r.Content.MimeType = b.ContentType
		}
		r.BodySize = b.Size
		r.Content.Size = b.DecodedSize
		if r.Content.Size == 0 {
			r.Content.Size = int64(len(b.Data)) + b.Cut
		}
		if c := r.Content.Size - b.Size; c > 0 && b.Encoding != "" {
			r.Content.Compression = c
		}
		if len(b.Data) > 0 {
			if !b.Binary && utf8.Valid(b.Data) {
				r.Content.Text = string(b.Data)
			} else {
				r.Content.Text = base64.StdEncoding.EncodeToString(b.Data)
				r.Content.Encoding = "base64"
			}
		}
		r.Content.Comment = cutComment(b)
		if b.Err != "" {
			r.Comment = "body not decoded: " + b.Err
		}
	}
	if r.Content.MimeType == "" {
		r.Content.MimeType = "x-unknown"
	}
	return r
}

// cutComment says how much of a body was not kept.
func cutComment(b *message.Body) string {
	if b.Cut <= 0 {
		return ""
	}
	return "truncated: " + itoa(b.Cut) + " of " + itoa(int64(len(b.Data))+b.Cut) + " bytes not kept"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// version spells an HTTP version the way HAR tools expect
// ("HTTP/1.1", "HTTP/2.0").
func version(v string) string {
	if v == "HTTP/2" {
		return "HTTP/2.0"
	}
	return v
}

// serverAddr is the server's end of m's connection, given the direction
// requests travel in.
func serverAddr(m *message.Message, reqDir event.Dir) netip.AddrPort {
	if reqDir == event.In {
		return m.Connection().Src
	}
	return m.Connection().Dst
}

// requestURL makes the absolute URL HAR wants from a request-target.
func requestURL(m *message.Message, method, target string) string {
	if strings.Contains(target, "://") {
		return target // absolute-form, to a proxy
	}
	scheme := "https"
	if m.Connection().Lib == "pcap" {
		scheme = "http" // plaintext seen on the wire
	}
	var host string
	if m.HTTP != nil {
		if v, ok := header(m.HTTP.Headers, ":scheme"); ok && v != "" {
			scheme = v
		}
		if v, ok := header(m.HTTP.Headers, ":authority"); ok && v != "" {
			host = v
		} else if v, ok := header(m.HTTP.Headers, "host"); ok && v != "" {
			host = v
		}
	}
	reqDir := m.Dir
	if m.Type == message.Response {
		reqDir = m.Dir.Other()
	}
	if host == "" {
		host = addrHost(serverAddr(m, reqDir))
	}
	switch {
	case method == "CONNECT" && !strings.HasPrefix(target, "/"):
		return scheme + "://" + target // authority-form
	case target == "*" || target == "":
		return scheme + "://" + host + "/"
	}
	if !strings.HasPrefix(target, "/") {
		target = "/" + target
	}
	return scheme + "://" + host + target
}

// query splits a target's query into its parameters, unescaped where
// they are validly escaped.
func query(target string) []nameVal {
	out := []nameVal{}
	_, q, ok := strings.Cut(target, "?")
	if !ok {
		return out
	}
	q, _, _ = strings.Cut(q, "#")
	for part := range strings.SplitSeq(q, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		out = append(out, nameVal{unescape(k), unescape(v)})
	}
	return out
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// requestCookies parses Cookie headers.
func requestCookies(hs []message.Header) []cookie {
	out := []cookie{}
	for _, h := range hs {
		if !strings.EqualFold(h.Name, "cookie") {
			continue
		}
		for part := range strings.SplitSeq(h.Value, ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			k, v, _ := strings.Cut(part, "=")
			out = append(out, cookie{Name: k, Value: v})
		}
	}
	return out
}

// responseCookies parses Set-Cookie headers.
func responseCookies(hs []message.Header) []cookie {
	out := []cookie{}
	for _, h := range hs {
		if !strings.EqualFold(h.Name, "set-cookie") {
			continue
		}
		parts := strings.Split(h.Value, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(parts[0]), "=")
		c := cookie{Name: k, Value: v}
		for _, a := range parts[1:] {
			an, av, _ := strings.Cut(strings.TrimSpace(a), "=")
			switch strings.ToLower(an) {
			case "path":
				c.Path = av
			case "domain":
				c.Domain = av
			case "expires":
				if t, err := http.ParseTime(av); err == nil {
					c.Expires = t.UTC().Format(time.RFC3339)
				}
			case "httponly":
				c.HTTPOnly = true
			case "secure":
				c.Secure = true
			}
		}
		out = append(out, c)
	}
	return out
}
