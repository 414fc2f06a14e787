package body

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// sniffLen is how many bytes Binary looks at.
const sniffLen = 1024

// Binary reports whether a payload with the given Content-Type value and
// (decoded) bytes is binary rather than text. The media type decides when
// it is known to be one or the other; a declared text type is still binary
// if its bytes hold NUL. Otherwise the first bytes decide: text is valid
// UTF-8 without control characters other than tab, CR, LF, form feed and
// escape.
func Binary(contentType string, data []byte) bool {
	switch classify(contentType) {
	case kindText:
		return hasNUL(data)
	case kindBinary:
		return true
	}
	return !looksText(data)
}

type kind uint8

const (
	kindUnknown kind = iota
	kindText
	kindBinary
)

// classify tells text from binary by media type alone.
func classify(ct string) kind {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = trimSpace(ct)
	if ct == "" {
		return kindUnknown
	}
	typ, sub, ok := strings.Cut(ct, "/")
	if !ok {
		return kindUnknown
	}
	// Structured syntax suffixes (RFC 6839): +json, +xml and the like are
	// text whatever the type; +proto, +cbor and the like are not.
	if i := strings.LastIndexByte(sub, '+'); i >= 0 {
		switch suf := sub[i+1:]; {
		case strings.EqualFold(suf, "json"), strings.EqualFold(suf, "xml"),
			strings.EqualFold(suf, "yaml"), strings.EqualFold(suf, "json-seq"),
			strings.EqualFold(suf, "ndjson"):
			return kindText
		case strings.EqualFold(suf, "proto"), strings.EqualFold(suf, "protobuf"),
			strings.EqualFold(suf, "cbor"), strings.EqualFold(suf, "zip"),
			strings.EqualFold(suf, "gzip"), strings.EqualFold(suf, "der"),
			strings.EqualFold(suf, "wbxml"):
			return kindBinary
		}
	}
	switch {
	case strings.EqualFold(typ, "text"):
		return kindText
	case strings.EqualFold(typ, "image"), strings.EqualFold(typ, "audio"),
		strings.EqualFold(typ, "video"), strings.EqualFold(typ, "font"):
		return kindBinary
	case strings.EqualFold(typ, "message"):
		if strings.EqualFold(sub, "http") || strings.EqualFold(sub, "rfc822") {
			return kindText
		}
	case strings.EqualFold(typ, "application"):
		for _, t := range textApps {
			if strings.EqualFold(sub, t) {
				return kindText
			}
		}
		for _, t := range binaryApps {
			if strings.EqualFold(sub, t) {
				return kindBinary
			}
		}
		if len(sub) > 5 && strings.EqualFold(sub[:5], "grpc+") || strings.EqualFold(sub, "grpc") {
			return kindBinary
		}
	}
	return kindUnknown
}

// textApps are application/ subtypes that are text.
var textApps = []string{
	"json", "xml", "javascript", "ecmascript", "x-javascript",
	"x-www-form-urlencoded", "graphql", "yaml", "x-yaml", "toml",
	"x-ndjson", "ndjson", "jsonl", "json-seq", "csv", "sql", "x-sh",
	"xhtml", "rtf", "x-tex", "x-amz-json-1.0",
	"x-amz-json-1.1", "jwt", "jose", "dns-json", "x-httpd-php",
}

// binaryApps are application/ subtypes that are binary.
var binaryApps = []string{
	"octet-stream", "pdf", "zip", "gzip", "x-gzip", "zstd", "x-bzip2",
	"x-xz", "x-tar", "x-7z-compressed", "x-rar-compressed", "wasm",
	"protobuf", "x-protobuf", "vnd.google.protobuf", "grpc-web", "cbor",
	"msgpack", "x-msgpack", "vnd.apache.thrift.binary", "avro", "x-avro",
	"vnd.ms-excel", "msword", "java-archive", "x-shockwave-flash",
	"vnd.android.package-archive", "x-executable", "x-sqlite3", "dns-message",
	"ocsp-request", "ocsp-response", "pkix-cert", "pkix-crl", "pkcs7-mime",
	"x-x509-ca-cert", "x-pkcs12", "timestamp-reply", "vnd.apple.mpegurl",
	"x-bplist", "x-apple-plist", "ogg", "mp4",
}

func hasNUL(b []byte) bool {
	if len(b) > sniffLen {
		b = b[:sniffLen]
	}
	return bytes.IndexByte(b, 0) >= 0
}

// looksText reports whether the first sniffLen bytes of b read as text. A
// multi-byte character cut at the end of the sample does not count against
// it.
func looksText(b []byte) bool {
	if len(b) > sniffLen {
		b = b[:sniffLen]
	}
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return !utf8.FullRune(b[i:])
		}
		i += n
	}
	return true
}
