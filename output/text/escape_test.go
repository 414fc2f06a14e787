package text

import (
	"github.com/tapir-dev/tapir/internal/ascii"

	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestAppendSafe(t *testing.T) {
	tests := []struct {
		in        string
		multiline bool
		want      string
	}{
		{"plain text\tok", false, "plain text\tok"},
		{"a\r\nb\n", true, "a\nb\n"},
		{"a\r\nb\n", false, `a\r\nb\n`},
		{"lone\rcr", true, `lone\rcr`},
		{"cr at end\r", true, `cr at end\r`},
		{"\x1b[31mred\x1b[0m", true, `\x1b[31mred\x1b[0m`},
		{"bell\a nul\x00 del\x7f", false, `bell\x07 nul\x00 del\x7f`},
		{"é ü 日本 🦛", false, "é ü 日本 🦛"},
		{"c1 \u0085 \u009b", false, `c1 \u0085 \u009b`},
		{"bidi \u202e \u2066 \u200f", false, `bidi \u202e \u2066 ` + "\u200f"},
		{"bad \xff\xfe \xc3", false, `bad \xff\xfe \xc3`},
		{"overlong \xc0\xaf \xe0\x80\xaf", false, `overlong \xc0\xaf \xe0\x80\xaf`},
		{"surrogate \xed\xa0\x80", false, `surrogate \xed\xa0\x80`},
		{"too big \xf4\x90\x80\x80", false, `too big \xf4\x90\x80\x80`},
		{"", true, ""},
	}
	for _, tt := range tests {
		if got := string(appendSafe(nil, tt.in, tt.multiline)); got != tt.want {
			t.Errorf("appendSafe(%q, %v) = %q; want %q", tt.in, tt.multiline, got, tt.want)
		}
		if got := string(appendSafe(nil, []byte(tt.in), tt.multiline)); got != tt.want {
			t.Errorf("appendSafe([]byte(%q), %v) = %q; want %q", tt.in, tt.multiline, got, tt.want)
		}
	}
}

func FuzzDecodeRune(f *testing.F) {
	for _, s := range []string{"é", "日", "🦛", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf0\x9f"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		if len(p) == 0 || p[0] < 0x80 {
			return
		}
		r, n := ascii.DecodeRune(p, 0)
		wr, wn := utf8.DecodeRune(p)
		if wr == utf8.RuneError && wn == 1 {
			wr, wn = 0, 0
		}
		if r != wr || n != wn {
			t.Fatalf("DecodeRune(%q) = %U, %d; want %U, %d", p, r, n, wr, wn)
		}
	})
}

func FuzzAppendSafe(f *testing.F) {
	f.Add([]byte("\x1b[31m\r\n\u009b\u202e\xff"), true)
	f.Fuzz(func(t *testing.T, p []byte, multiline bool) {
		out := appendSafe(nil, p, multiline)
		if !utf8.Valid(out) {
			t.Fatalf("appendSafe(%q) = %q: not UTF-8", p, out)
		}
		for _, r := range string(out) {
			if (r < 0x20 && r != '\t' && (r != '\n' || !multiline)) ||
				(r >= 0x7f && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
				t.Fatalf("appendSafe(%q) = %q: holds %U", p, out, r)
			}
		}
	})
}

// FuzzIndentedJSON checks appendIndentedJSON against json.Indent.
func FuzzIndentedJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{}],"b":{"c":"d\"}"}}`, ` [ ] `, `"x\\"`, `{ "k" : [ { } , [ ] ] }`, `12.5e3`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		if !json.Valid(p) {
			return
		}
		var want bytes.Buffer
		if err := json.Indent(&want, p, "", "  "); err != nil {
			t.Fatal(err)
		}
		w := appendSafe(nil, bytes.TrimRight(want.Bytes(), " \t\r\n"), true)
		if got := appendIndentedJSON(nil, p); !bytes.Equal(got, w) {
			t.Fatalf("appendIndentedJSON(%q) = %q; want %q", p, got, w)
		}
	})
}

func TestHexDump(t *testing.T) {
	// What `printf 'GET / HTTP/1.1\r\nHo' | hexdump -C` prints, less the
	// closing offset line.
	want := "" +
		"00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  |GET / HTTP/1.1..|\n" +
		"00000010  48 6f                                             |Ho|\n"
	if got := string(appendHexDump(nil, []byte("GET / HTTP/1.1\r\nHo"))); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := appendHexDump(nil, nil); len(got) != 0 {
		t.Errorf("empty input: got %q; want nothing", got)
	}
}
