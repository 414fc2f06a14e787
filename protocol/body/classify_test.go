package body

import "testing"

func TestBinary(t *testing.T) {
	tests := []struct {
		ct   string
		data string
		want bool
	}{
		{"application/json", `{"a":1}`, false},
		{"application/json; charset=utf-8", `{"a":1}`, false},
		{"application/vnd.api+json", `{}`, false},
		{"application/problem+json", `{}`, false},
		{"image/svg+xml", `<svg/>`, false},
		{"text/html", "<p>\x00</p>", true}, // NUL in declared text
		{"text/plain; charset=latin1", "caf\xe9", false},
		{"image/png", "\x89PNG\r\n\x1a\n", true},
		{"image/png", "looks like text", true},
		{"application/octet-stream", "text", true},
		{"application/grpc+proto", "\x00\x00\x00\x00\x02hi", true},
		{"application/grpc", "", true},
		{"application/x-protobuf", "\x08\x01", true},
		{"", "plain words\r\n", false},
		{"", "\x89PNG\r\n\x1a\n", true},
		{"", "héllo wörld", false},
		{"", "caf\xe9 au lait", true}, // not UTF-8
		{"", "ends in a cut rune \xe2\x82", false},
		{"application/x-unknown", "\x1b[31mred\x1b[0m", false},
		{"application/x-unknown", "a\x01b", true},
		{"bogus", "text", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := Binary(tt.ct, []byte(tt.data)); got != tt.want {
			t.Errorf("Binary(%q, %q) = %v; want %v", tt.ct, tt.data, got, tt.want)
		}
	}
}
