package http1

import (
	"bytes"

	"github.com/tapir-dev/tapir/protocol"
)

// maxLine bounds the start line detection waits for.
const maxLine = 64 << 10

// Detect says Yes when the first bytes of either direction are a complete
// request line with a registered method or a status line, NeedMore while
// such a line may still be forming, and No otherwise. The HTTP/2
// connection preface ("PRI * HTTP/2.0") is never HTTP/1.
func Detect(s protocol.Sample) protocol.Verdict {
	return protocol.Either(startLine(s.Head(s.First), registeredOnly),
		startLine(s.Head(s.First.Other()), registeredOnly))
}

// methodRule says which methods a request line may have.
type methodRule uint8

const (
	registeredOnly methodRule = iota // methods in the table
	anyToken                         // any token
)

// lineKind is what a start line turned out to be.
type lineKind uint8

const (
	lineNone lineKind = iota
	lineRequest
	lineStatus
)

// startLine says whether b begins with a start line: Yes when its first
// line is a complete request or status line, NeedMore when b is a proper
// prefix of one, No otherwise. An empty b is No.
func startLine(b []byte, rule methodRule) protocol.Verdict {
	v, _ := startLineKind(b, rule)
	return v
}

// startLineKind is startLine that also says which kind of line it saw.
func startLineKind(b []byte, rule methodRule) (protocol.Verdict, lineKind) {
	if len(b) == 0 {
		return protocol.No, lineNone
	}
	line, complete := b, false
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line, complete = b[:i], true
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
	} else if len(b) > maxLine {
		return protocol.No, lineNone
	} else if line[len(line)-1] == '\r' {
		line = line[:len(line)-1] // the LF may be next
	}
	if bytes.HasPrefix(line, httpSlash) || !complete && bytes.HasPrefix(httpSlash, line) {
		return statusLine(line, complete), lineStatus
	}
	return requestLine(line, complete, rule), lineRequest
}

var httpSlash = []byte("HTTP/")

// statusLine checks HTTP/1.x SP 3DIGIT [SP reason].
func statusLine(l []byte, complete bool) protocol.Verdict {
	const pat = "HTTP/1.x 999"
	for i := 0; i < len(pat); i++ {
		if i == len(l) {
			if complete {
				return protocol.No
			}
			return protocol.NeedMore
		}
		c := l[i]
		switch pat[i] {
		case 'x', '9':
			if c < '0' || c > '9' {
				return protocol.No
			}
		default:
			if c != pat[i] {
				return protocol.No
			}
		}
	}
	rest := l[len(pat):]
	if len(rest) > 0 && rest[0] != ' ' {
		return protocol.No
	}
	if !complete {
		if !validText(rest[:min(len(rest), 256)]) {
			return protocol.No
		}
		return protocol.NeedMore
	}
	if !validText(rest) {
		return protocol.No
	}
	return protocol.Yes
}

// requestLine checks method SP target SP HTTP/1.x.
func requestLine(l []byte, complete bool, rule methodRule) protocol.Verdict {
	sp := bytes.IndexByte(l, ' ')
	if sp < 0 {
		if complete || !isToken(l) && len(l) > 0 {
			return protocol.No
		}
		if rule == registeredOnly && !methodPrefix(l) && !registered(l) {
			return protocol.No
		}
		return protocol.NeedMore
	}
	m := l[:sp]
	if !isToken(m) || rule == registeredOnly && !registered(m) {
		return protocol.No
	}
	rest := l[sp+1:]
	if len(rest) > 0 && rest[0] == ' ' {
		return protocol.No
	}
	if !complete {
		// Only the start of an unfinished target is looked at, so that
		// asking again as a long line grows costs little.
		if !validText(rest[:min(len(rest), 256)]) {
			return protocol.No
		}
		return protocol.NeedMore
	}
	if !validText(rest) {
		return protocol.No
	}
	i := bytes.LastIndexByte(rest, ' ')
	if i <= 0 {
		return protocol.No
	}
	if !isVersion(rest[i+1:]) {
		return protocol.No
	}
	return protocol.Yes
}

// isVersion reports whether v is HTTP/1.x for a digit x.
func isVersion(v []byte) bool {
	return len(v) == 8 && string(v[:7]) == "HTTP/1." && v[7] >= '0' && v[7] <= '9'
}

// validText reports whether b holds no control characters but tab.
func validText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// Spec is the HTTP/1.x protocol.
var Spec = protocol.Spec{
	Name:   Name,
	Doc:    "HTTP/1.0 and 1.1: requests and responses, keep-alive and pipelining, chunked, content decoding, upgrades",
	Detect: Detect,
	New:    func(cfg protocol.Config) protocol.Parser { return New(cfg) },
}

// Name is the protocol name HTTP/1 messages carry.
const Name = "http1"
