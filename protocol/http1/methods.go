package http1

import "strings"

// methods are the request methods that detection and resynchronisation
// accept: the IANA HTTP Method Registry (RFC 9110, WebDAV and its
// extensions, PATCH, QUERY, ...) without PRI, which only starts the
// HTTP/2 preface, plus methods in common use that are not registered.
// Once a connection is known to be HTTP/1, any token is taken as a method
// at a message boundary.
var methods = []string{
	// RFC 9110
	"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
	// RFC 5789, draft-ietf-httpbis-safe-method-w-body
	"PATCH", "QUERY",
	// WebDAV (RFC 4918) and extensions (RFC 3253, 3648, 3744, 4437, 4791, 5323, 5842)
	"PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
	"ACL", "BASELINE-CONTROL", "BIND", "CHECKIN", "CHECKOUT", "LABEL",
	"MERGE", "MKACTIVITY", "MKCALENDAR", "MKREDIRECTREF", "MKWORKSPACE",
	"ORDERPATCH", "REBIND", "REPORT", "SEARCH", "UNBIND", "UNCHECKOUT",
	"UPDATE", "UPDATEREDIRECTREF", "VERSION-CONTROL",
	// RFC 2068 (registered, historic)
	"LINK", "UNLINK",
	// unregistered but common: caches (PURGE), UPnP/GENA event subscription
	"PURGE", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
}

// ownMethod returns m as a string that shares no memory with m: the
// constant for a common method, else a copy.
func ownMethod(m string) string {
	switch m {
	case "GET":
		return "GET"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "PATCH":
		return "PATCH"
	case "DELETE":
		return "DELETE"
	}
	return strings.Clone(m)
}

// maxMethod is the length of the longest method in methods.
var maxMethod = func() int {
	n := 0
	for _, m := range methods {
		n = max(n, len(m))
	}
	return n
}()

// registered reports whether m is in methods.
func registered(m []byte) bool {
	switch string(m) {
	case "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE":
		return true
	}
	if len(m) > maxMethod {
		return false
	}
	for _, r := range methods {
		if string(m) == r {
			return true
		}
	}
	return false
}

// methodPrefix reports whether m is a proper prefix of a method in
// methods.
func methodPrefix(m []byte) bool {
	for _, r := range methods {
		if len(m) < len(r) && r[:len(m)] == string(m) {
			return true
		}
	}
	return false
}

// tchar reports which bytes may appear in a token (RFC 9110 5.6.2).
var tchar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// isToken reports whether s is a non-empty token.
func isToken[S string | []byte](s S) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tchar[s[i]] {
			return false
		}
	}
	return true
}
