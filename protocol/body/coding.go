package body

import (
	"strings"
)

// coding is a content coding this package can undo.
type coding uint8

const (
	codingGzip coding = iota + 1
	codingDeflate
	codingBrotli
	codingZstd
)

func (c coding) String() string {
	switch c {
	case codingGzip:
		return "gzip"
	case codingDeflate:
		return "deflate"
	case codingBrotli:
		return "br"
	case codingZstd:
		return "zstd"
	}
	return "?"
}

// maxStack bounds how many codings one body may stack; more is refused as
// hostile (each one costs a decoder's memory).
const maxStack = 4

// parseCodings splits a Content-Encoding value into the codings to undo,
// in the order they were applied (the header's order). identity and empty
// members are dropped. It returns the normalised list ("gzip, br") and the
// first member it does not know, if any.
func parseCodings(v string, dst []coding) (list []coding, norm string, unknown string) {
	list = dst[:0]
	single := ""
	for rest := v; rest != ""; {
		var tok string
		tok, rest, _ = strings.Cut(rest, ",")
		tok = strings.Trim(tok, " \t")
		if tok == "" {
			continue
		}
		var c coding
		switch {
		case strings.EqualFold(tok, "gzip"), strings.EqualFold(tok, "x-gzip"):
			c = codingGzip
		case strings.EqualFold(tok, "deflate"):
			c = codingDeflate
		case strings.EqualFold(tok, "br"):
			c = codingBrotli
		case strings.EqualFold(tok, "zstd"):
			c = codingZstd
		case strings.EqualFold(tok, "identity"):
			continue
		default:
			if unknown == "" {
				unknown = tok
			}
			continue
		}
		list = append(list, c)
		if len(list) == 1 {
			single = c.String()
		}
	}
	switch len(list) {
	case 0:
		return list, "", unknown
	case 1:
		return list, single, unknown
	}
	var b strings.Builder
	for i, c := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.String())
	}
	return list, b.String(), unknown
}
