package http1

import (
	"bytes"
	"strings"
	"unsafe"

	"github.com/tapir-dev/tapir/message"
)

// scanHead looks for the end of a head (or trailer section) in b. line is
// the start of the first line not yet complete, pos where the search for
// its '\n' resumes (bytes before pos were searched). It appends the offset
// of each line's '\n' to ends. It returns the length of the head, blank
// line included, or -1 and the start of the unfinished line.
func scanHead(b []byte, line, pos int, ends []int32) (n, next int, _ []int32) {
	i := pos
	for {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1, line, ends
		}
		e := i + j
		ends = append(ends, int32(e))
		if e == line || e == line+1 && b[line] == '\r' {
			return e + 1, e + 1, ends
		}
		line = e + 1
		i = line
	}
}

// framing is what a head says about the body after it.
type framing struct {
	length    int64 // Content-Length; -1 when absent
	lengthErr bool  // Content-Length invalid or conflicting
	te        bool  // Transfer-Encoding present
	chunked   bool  // chunked is the last transfer coding
	// codings are the transfer codings other than chunked, which apply
	// on top of the content codings.
	codings   string
	close     bool // Connection: close
	keepAlive bool // Connection: keep-alive
	upgrade   string
	connUp    bool // Connection: upgrade
	expect    bool // Expect: 100-continue
	encoding  string
	ctype     string
}

// head is a parsed head: the message it starts and what framing needs.
type head struct {
	m  *msg
	f  framing
	rq bool // a request; else a response
}

// parseHead parses the head in b, whose lines end at the offsets in ends
// (the last one the blank line when complete is set, else the last
// complete line). The start line has been checked. The strings of the
// head returned point into b, which belongs to the caller: begin moves
// them into the message's own copy (see own) before b is reused.
func (h *half) parseHead(b []byte, ends []int32, complete bool) head {
	nl := len(ends) - 1 // header lines (and the blank one, if complete)
	if complete {
		nl--
	}
	// The start line, checked, is a request's unless it is a status line.
	rq := !bytes.HasPrefix(b, []byte("HTTP/"))
	// Responses, and requests whose method usually has a body (POST,
	// PUT, PATCH), get their extra part in the same allocation.
	x := !rq || b[0] == 'P'
	return h.parseInto(newMsg(min(nl, h.p.lim.MaxHeaders), x), b, ends, rq)
}

// parseInto is parseHead into mm, a new message whose Headers may have
// room for the fields; rq says whether the head is a request's.
func (h *half) parseInto(mm *msg, b []byte, ends []int32, rq bool) head {
	lim := &h.p.lim
	mm.m.Proto = Name
	mm.m.Dir = h.dir
	mm.m.HTTP = &mm.http
	// The strings point into b until own moves them: copying the head
	// once, into the message's Raw, is half the cost of a copy of its own
	// and another in Raw.
	s := unsafe.String(unsafe.SliceData(b), len(b))
	hd := head{m: mm, f: framing{length: -1}, rq: rq}

	start := int(ends[0])
	line := s[:start]
	bare := false
	if strings.HasSuffix(line, "\r") {
		line = line[:len(line)-1]
	} else {
		bare = true
	}
	if hd.rq {
		mm.m.Type = message.Request
		sp := strings.IndexByte(line, ' ')
		lsp := strings.LastIndexByte(line, ' ')
		mm.http.Method = line[:sp]
		mm.http.Target = line[sp+1 : lsp]
		mm.http.Version = version(line[lsp+1:])
		if strings.IndexByte(mm.http.Target, ' ') >= 0 {
			mm.m.AddNote(message.Info, "space in request target")
		}
	} else {
		mm.m.Type = message.Response
		mm.http.Version = version(line[:8])
		mm.http.Status = int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
		if len(line) > 13 {
			mm.http.Reason = line[13:]
		}
	}

	// pend is the stored field whose framing meaning waits for the end of
	// its obs-fold continuation lines.
	pend := -1
	// odd gathers what the rare paths note. A struct of this size stays
	// in memory, which leaves the registers to the loop's common path.
	var odd struct {
		dropped, folds, malformed  int
		firstBad, wsColon, badName string
	}
	for k := 1; k < len(ends); k++ {
		a, e := start+1, int(ends[k])
		start = e
		if e > a && s[e-1] == '\r' {
			e--
		} else {
			bare = true
		}
		line := s[a:e]
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			// obs-fold: the line continues the previous field's value.
			if pend >= 0 {
				last := &mm.http.Headers[pend]
				if v := trimOWS(line); v == "" {
				} else if last.Value == "" {
					last.Value = v
				} else {
					last.Value = last.Value + " " + v
				}
				odd.folds++
				continue
			}
			if odd.malformed == 0 {
				odd.firstBad = line
			}
			odd.malformed++
			continue
		}
		if pend >= 0 {
			hd.f.field(mm.http.Headers[pend].Name, mm.http.Headers[pend].Value)
			pend = -1
		}
		// The name is a token up to the colon.
		colon := tokenLen(line)
		valid := colon < len(line) && line[colon] == ':' && colon > 0
		if !valid {
			colon = strings.IndexByte(line, ':')
			if colon <= 0 {
				if odd.malformed == 0 {
					odd.firstBad = line
				}
				odd.malformed++
				continue
			}
		}
		name, value := line[:colon], trimOWS(line[colon+1:])
		if !valid {
			if t := strings.TrimRight(name, " \t"); isToken(t) {
				if odd.wsColon == "" {
					odd.wsColon = t
				}
				name = t
			} else if odd.badName == "" {
				odd.badName = name
			}
		}
		if len(mm.http.Headers) >= lim.MaxHeaders {
			odd.dropped++
			hd.f.field(name, value)
			continue
		}
		pend = len(mm.http.Headers)
		mm.http.Headers = append(mm.http.Headers, message.Header{Name: name, Value: value})
	}
	if pend >= 0 {
		hd.f.field(mm.http.Headers[pend].Name, mm.http.Headers[pend].Value)
	}
	if odd.folds > 0 {
		mm.m.AddNote(message.Info, "obs-fold: %d field lines continued on the next line", odd.folds)
	}
	if odd.wsColon != "" {
		mm.m.AddNote(message.Info, "whitespace before colon in field %q", odd.wsColon)
	}
	if odd.malformed > 0 {
		mm.m.AddNote(message.Error, "%d malformed field lines dropped, the first %.40q", odd.malformed, odd.firstBad)
	}
	if odd.badName != "" {
		mm.m.AddNote(message.Error, "invalid field name %.40q", odd.badName)
	}
	if bare {
		mm.m.AddNote(message.Info, "bare LF line ending")
	}
	if odd.dropped > 0 {
		mm.m.AddNote(message.Limit, "more than %d header fields: %d not kept", lim.MaxHeaders, odd.dropped)
	}
	return hd
}

// tokenLen returns the length of the token at the start of s. It is kept
// out of parseInto, whose many live values would keep its index on the
// stack.
//
//go:noinline
func tokenLen(s string) int {
	i := 0
	for i < len(s) && tchar[s[i]] {
		i++
	}
	return i
}

// own gives the strings of hd, which point into b (see parseHead), a home
// of their own: home, a copy of b. Strings that do not point into b (a
// constant, an obs-fold joined value) are left as they are.
func own(hd *head, b, home []byte) {
	mm, f := hd.m, &hd.f
	at := unsafe.SliceData(home)
	mv := func(s *string) {
		*s = moved(*s, b, at)
	}
	mv(&mm.http.Method)
	mv(&mm.http.Target)
	mv(&mm.http.Version)
	mv(&mm.http.Reason)
	for i := range mm.http.Headers {
		mv(&mm.http.Headers[i].Name)
		mv(&mm.http.Headers[i].Value)
	}
	mv(&f.codings)
	mv(&f.upgrade)
	mv(&f.encoding)
	mv(&f.ctype)
}

// moved returns s, if it lies within b, as the same bytes of the copy of b
// that starts at home; otherwise s itself. The offset is taken in one
// expression, so nothing can move b between the two pointers' readings.
func moved(s string, b []byte, home *byte) string {
	if s == "" {
		return s
	}
	off := uintptr(unsafe.Pointer(unsafe.StringData(s))) - uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if off >= uintptr(len(b)) {
		return s
	}
	return unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(home), off)), len(s))
}

// Messages are allocated with room for their header fields, in a few
// sizes, so that a message and its fields are one allocation; a message
// that will likely need its extra part has it in there too. The sizes go
// in steps of two fields, which keeps the common heads (4 to 8 fields) in
// the smallest size class that holds them.
type (
	plainMsg[H any] struct {
		msg
		hdr H
	}
	extraMsg[H any] struct {
		msg
		x   extra
		hdr H
	}
)

// newMsg returns a msg whose HTTP.Headers has room for n fields, with
// its extra part if x.
func newMsg(n int, x bool) *msg {
	switch {
	case n <= 0:
		return sized[struct{}](x)
	case n <= 2:
		return sized[[2]message.Header](x)
	case n <= 4:
		return sized[[4]message.Header](x)
	case n <= 6:
		return sized[[6]message.Header](x)
	case n <= 8:
		return sized[[8]message.Header](x)
	case n <= 12:
		return sized[[12]message.Header](x)
	case n <= 16:
		return sized[[16]message.Header](x)
	}
	mm := sized[struct{}](x)
	mm.http.Headers = make([]message.Header, 0, n)
	return mm
}

// sized returns a msg allocated with an H after it, an array of header
// fields (or struct{} for none) that HTTP.Headers then starts empty in,
// and with its extra part if x.
func sized[H any](x bool) *msg {
	var mm *msg
	var hdr *H
	if x {
		a := new(extraMsg[H])
		a.msg.x = &a.x
		mm, hdr = &a.msg, &a.hdr
	} else {
		a := new(plainMsg[H])
		mm, hdr = &a.msg, &a.hdr
	}
	if n := unsafe.Sizeof(*hdr) / unsafe.Sizeof(message.Header{}); n > 0 {
		mm.http.Headers = unsafe.Slice((*message.Header)(unsafe.Pointer(hdr)), n)[:0]
	}
	return mm
}

// parseFields parses the trailer section lines in b (see parseHead) into
// header fields, noting what parseHead notes on m.
func (h *half) parseFields(b []byte, ends []int32, m *message.Message) []message.Header {
	if len(ends) < 2 {
		return nil
	}
	s := string(b)
	fields := make([]message.Header, 0, len(ends)-1)
	start := -1
	for k := 0; k < len(ends)-1; k++ {
		a, e := start+1, int(ends[k])
		start = e
		if e > a && s[e-1] == '\r' {
			e--
		}
		line := s[a:e]
		if line == "" {
			continue
		}
		colon := strings.IndexByte(line, ':')
		if colon <= 0 || line[0] == ' ' || line[0] == '\t' {
			m.AddNote(message.Error, "malformed trailer line: %.40q", line)
			continue
		}
		if len(fields) >= h.p.lim.MaxHeaders {
			m.AddNote(message.Limit, "more than %d trailer fields", h.p.lim.MaxHeaders)
			break
		}
		fields = append(fields, message.Header{Name: strings.TrimRight(line[:colon], " \t"), Value: trimOWS(line[colon+1:])})
	}
	return fields
}

// field records what a header field says about framing.
func (f *framing) field(name, value string) {
	switch len(name) {
	case 6:
		if eqFold(name, "expect") && eqFold(value, "100-continue") {
			f.expect = true
		}
	case 7:
		if eqFold(name, "upgrade") {
			f.upgrade = value
		}
	case 10:
		if eqFold(name, "connection") {
			for tok := range tokens(value) {
				switch {
				case eqFold(tok, "close"):
					f.close = true
				case eqFold(tok, "keep-alive"):
					f.keepAlive = true
				case eqFold(tok, "upgrade"):
					f.connUp = true
				}
			}
		}
	case 12:
		if eqFold(name, "content-type") {
			f.ctype = value
		}
	case 14:
		if eqFold(name, "content-length") {
			n, ok := parseLength(value)
			switch {
			case !ok:
				f.lengthErr = true
			case f.length >= 0 && f.length != n:
				f.lengthErr = true
			default:
				f.length = n
			}
		}
	case 16:
		if eqFold(name, "content-encoding") {
			f.encoding = joinList(f.encoding, value)
		}
	case 17:
		if eqFold(name, "transfer-encoding") {
			f.te = true
			for tok := range tokens(value) {
				if eqFold(tok, "chunked") {
					f.chunked = true
					continue
				}
				if f.chunked {
					// chunked must come last; anything after it undoes it.
					f.chunked = false
				}
				f.codings = joinList(f.codings, tok)
			}
		}
	}
}

// tokens yields the non-empty members of a comma-separated list.
func tokens(v string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			if t = trimOWS(t); t != "" && !yield(t) {
				return
			}
		}
	}
}

func joinList(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + ", " + b
}

// parseLength parses a Content-Length value: 1 to 18 digits.
func parseLength(v string) (int64, bool) {
	if v == "" || len(v) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// eqFold reports whether s equals lower, a lower-case ASCII string,
// ignoring ASCII case.
func eqFold(s, lower string) bool {
	if len(s) != len(lower) || s[0]|0x20 != lower[0] {
		return false
	}
	for i := 1; i < len(s); i++ {
		if toLower[s[i]] != lower[i] {
			return false
		}
	}
	return true
}

// toLower maps ASCII upper-case letters to lower case and every other
// byte to itself: a load instead of a branch in eqFold's loop.
var toLower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] += 'a' - 'A'
		}
	}
	return t
}()

// trimOWS trims optional whitespace (SP, HTAB) from both ends of s.
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// version returns v, sharing the constant for the common versions.
func version(v string) string {
	switch v {
	case "HTTP/1.1":
		return "HTTP/1.1"
	case "HTTP/1.0":
		return "HTTP/1.0"
	}
	return v
}
