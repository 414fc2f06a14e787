package eventfile

import (
	"encoding/json"
	"testing"
)

func TestAppendString(t *testing.T) {
	tests := []struct {
		in   string
		want string // the JSON text
		back string // what a JSON decoder reads back
	}{
		{"", `""`, ""},
		{"curl", `"curl"`, "curl"},
		{`a"b\c`, `"a\"b\\c"`, `a"b\c`},
		{"tab\tnl\ncr\r", `"tab\tnl\ncr\r"`, "tab\tnl\ncr\r"},
		{"\b\f", `"\b\f"`, "\b\f"},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001f` + "\x7f\"", "\x00\x01\x1f\x7f"},
		{"café 日本 😀", `"café 日本 😀"`, "café 日本 😀"},
		{"bad\xffutf8", `"bad\ufffdutf8"`, "bad\uFFFDutf8"},
		{"\xe2\x82", `"\ufffd\ufffd"`, "\uFFFD\uFFFD"},                 // cut rune: one U+FFFD per byte
		{"\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`, "\uFFFD\uFFFD\uFFFD"}, // UTF-8 of a surrogate
		{"\u2028\u2029", `"\u2028\u2029"`, "\u2028\u2029"},
		{"</script>", `"</script>"`, "</script>"},
	}
	for _, tt := range tests {
		got := string(appendString(nil, tt.in))
		if got != tt.want {
			t.Errorf("appendString(%q) = %s; want %s", tt.in, got, tt.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("appendString(%q) = %s, not JSON: %v", tt.in, got, err)
		} else if back != tt.back {
			t.Errorf("appendString(%q) reads back as %q; want %q", tt.in, back, tt.back)
		}
		d := newDecoder()
		v, _, err := d.str([]byte(got), 0)
		if err != nil || string(v) != tt.back {
			t.Errorf("decoder reads %s as %q, %v; want %q", got, v, err, tt.back)
		}
	}
}
