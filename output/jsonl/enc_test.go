package jsonl

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestAppendString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`q"b\`, `"q\"b\\"`},
		{"\n\r\t\x00\x1b\x7f", `"\n\r\t\u0000\u001b\u007f"`},
		{"é 日本 🦛 <&>", `"é 日本 🦛 <&>"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"c1 \u0085\u009b bidi \u202e\u2066", `"c1 \u0085\u009b bidi \u202e\u2066"`},
		{"bad \xff\xfe end", `"bad \ufffd\ufffd end"`},
		{"cut \xe6\x97", `"cut \ufffd\ufffd"`},
		{"surrogate \xed\xa0\x80", `"surrogate \ufffd\ufffd\ufffd"`},
	}
	for _, tt := range tests {
		if got := string(appendString(nil, tt.in)); got != tt.want {
			t.Errorf("appendString(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}

// FuzzAppendString checks that any bytes make a valid JSON string that
// decodes to what encoding/json makes of them.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"a\"b", "\x00\x1f\x7f", "\xff\xe6\x97", "\u2028", "🦛"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		got := appendString(nil, p)
		if !json.Valid(got) || !utf8.Valid(got) {
			t.Fatalf("appendString(%q) = %s: not valid JSON", p, got)
		}
		var dec string
		if err := json.Unmarshal(got, &dec); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(string(p))
		var wdec string
		if err := json.Unmarshal(want, &wdec); err != nil {
			t.Fatal(err)
		}
		if dec != wdec {
			t.Fatalf("appendString(%q) decodes to %q; encoding/json's to %q", p, dec, wdec)
		}
	})
}
