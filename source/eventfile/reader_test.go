package eventfile

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"

	"github.com/tapir-dev/tapir/event"
)

// sameEvent reports whether a and b are equal, an empty Data equal to nil.
func sameEvent(a, b *event.Event) bool {
	x, y := *a, *b
	x.Data, y.Data = nil, nil
	return reflect.DeepEqual(x, y) && bytes.Equal(a.Data, b.Data)
}

// readAll reads r to its end and returns copies of its events, the line
// errors it reported through OnError (when made by newTestReader) and the
// error that ended it, nil for io.EOF.
func readAll(r *Reader) ([]event.Event, error) {
	var evs []event.Event
	for {
		e, err := r.Next()
		if err == io.EOF {
			return evs, nil
		}
		if err != nil {
			return evs, err
		}
		c := *e
		c.Data = bytes.Clone(e.Data)
		evs = append(evs, c)
	}
}

// testEvents are varied events for round trips.
var testEvents = []event.Event{
	{Kind: event.Data, Time: 1732350000123456789, PID: 4242, TID: 4243, FD: 5, Comm: "curl", Dir: event.Out,
		Src: netip.MustParseAddrPort("127.0.0.1:50514"), Dst: netip.MustParseAddrPort("127.0.0.1:8443"), Lib: "openssl",
		Data: []byte("GET / HTTP/1.1\r\nHost: example\r\n\r\n")},
	{Kind: event.Data, Time: 1732350000123456790, PID: 4242, TID: 4244, FD: 5, Comm: "curl", Dir: event.In,
		Src: netip.MustParseAddrPort("[::1]:50514"), Dst: netip.MustParseAddrPort("[2001:db8::1]:443"), Lib: "openssl",
		Data: []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")},
	{Kind: event.Data, Time: 3, PID: 1, TID: 1, FD: -1, Conn: "conn-7", Dir: event.In, Lib: "pcap",
		Data: []byte("partial"), OrigLen: 70000},
	{Kind: event.Data, Time: 4, PID: 1, TID: 1, FD: 3, Dir: event.Out, Data: []byte{}},
	{Kind: event.Data, Time: 5, PID: 1, TID: 1, FD: 3, Dir: event.Out, Data: []byte{0, 1, 2, 0xfe, 0xff, '\n', '"'}},
	{Kind: event.Data, Time: 6, PID: 99, TID: 100, FD: 7, Comm: "café☕", Dir: event.Out,
		Src: netip.MustParseAddrPort("[fe80::1%eth0]:80"), Dst: netip.MustParseAddrPort("[::ffff:10.0.0.1]:8080"),
		Data: []byte("x")},
	{Kind: event.Data, Time: 7, PID: 1, TID: 2, FD: 3, Comm: "a\"b\\c\n\t\x01\u2028", Conn: `c"1\`, Lib: "go\x7ftls",
		Dir: event.In, Data: bytes.Repeat([]byte("0123456789"), 10000)},
	{Kind: event.Data, Time: 7, PID: 1, TID: 2, FD: 3, Comm: "a\"b\\c\n\t\x01\u2028", Conn: `c"1\`, Lib: "go\x7ftls",
		Dir: event.In, Data: []byte("short")},
	{Kind: event.Close, Time: 8, PID: 4242, TID: 4243, FD: 5, Comm: "curl"},
	{Kind: event.Close, Time: 1<<64 - 1, PID: 1<<32 - 1, TID: 1<<32 - 1, FD: -1 << 31, Conn: "conn-7"},
	{Kind: event.Data, Time: 0, PID: 0, TID: 0, FD: 1<<31 - 1, Dir: event.Out, Data: []byte("y"), OrigLen: 1<<32 - 1},
}

func writeEvents(t testing.TB, w *Writer, evs []event.Event) {
	t.Helper()
	for i := range evs {
		if err := w.Write(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func checkEvents(t *testing.T, got, want []event.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events; want %d", len(got), len(want))
	}
	for i := range got {
		if !sameEvent(&got[i], &want[i]) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	writeEvents(t, NewWriter(&buf), testEvents)
	file := buf.Bytes()
	readers := []struct {
		name string
		r    io.Reader
	}{
		{"whole", bytes.NewReader(file)},
		{"one byte", iotest.OneByteReader(bytes.NewReader(file))},
		{"half", iotest.HalfReader(bytes.NewReader(file))},
		{"data with EOF", iotest.DataErrReader(bytes.NewReader(file))},
	}
	for _, tt := range readers {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(tt.r, "events.jsonl", &Options{Strict: true, MaxLine: 1 << 20})
			got, err := readAll(r)
			if err != nil {
				t.Fatal(err)
			}
			checkEvents(t, got, testEvents)
			if r.Lines() != int64(len(testEvents)) || r.Bad() != 0 {
				t.Errorf("Lines, Bad = %d, %d; want %d, 0", r.Lines(), r.Bad(), len(testEvents))
			}
			if r.Pos() != int64(len(file)) || r.Size() != -1 {
				t.Errorf("Pos, Size = %d, %d; want %d, -1", r.Pos(), r.Size(), len(file))
			}
		})
	}
}

// A line that is good, and its event.
const goodLine = `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":4}`

var goodEvent = event.Event{Kind: event.Close, Time: 1, PID: 2, TID: 3, FD: 4}

// asData returns e made a data event with payload "ABC".
func asData(e event.Event) event.Event {
	e.Kind, e.Dir, e.Data = event.Data, event.In, []byte("ABC")
	return e
}

// goodLines are lines that decode, and their events.
var goodLines = []struct {
	name, line string
	want       event.Event
}{
	{"close", goodLine, goodEvent},
	{"any order and space", " {\t\"fd\" : 4 , \"tid\":3,\"pid\":2, \"ts\":1,\"kind\":\"close\" }\r", goodEvent},
	{"unknown keys", `{"x":{"a":[1,-2.5e+3,{"b":null,"c":[]},true,false],"d":{}},"kind":"close","ts":1,"pid":2,"tid":3,"fd":4,"y":"\u00e9\n","z":[[[]]]}`, goodEvent},
	{"escaped key", `{"k\u0069nd":"close","ts":1,"pid":2,"tid":3,"fd":4}`, goodEvent},
	{"repeated key, last wins", `{"kind":"close","ts":1,"pid":7,"pid":2,"tid":3,"fd":4}`, goodEvent},
	{"close drops dir and data", `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":4,"dir":"in","data":"QUJD","orig_len":9}`, goodEvent},
	{"data", `{"kind":"data","ts":1,"pid":2,"tid":3,"fd":4,"dir":"in","data":"QUJD"}`, asData(goodEvent)},
	{"escaped base64", `{"kind":"data","ts":1,"pid":2,"tid":3,"fd":4,"dir":"in","data":"QU\u004aD"}`, asData(goodEvent)},
	{"null optional fields", `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":4,"comm":null,"src":null,"orig_len":null,"conn":""}`, goodEvent},
	{"empty address", `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":4,"src":"","dst":""}`, goodEvent},
	{"escapes in comm", `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":4,"comm":"a\"b\\c\/\b\f\n\r\t\u00e9\ud83d\ude00"}`,
		event.Event{Kind: event.Close, Time: 1, PID: 2, TID: 3, FD: 4, Comm: "a\"b\\c/\b\f\n\r\té😀"}},
	{"lone surrogates", `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":4,"comm":"\ud83dx\ude00\ud83d\u0041"}`,
		event.Event{Kind: event.Close, Time: 1, PID: 2, TID: 3, FD: 4, Comm: "\uFFFDx\uFFFD\uFFFDA"}},
	{"invalid UTF-8", "{\"kind\":\"close\",\"ts\":1,\"pid\":2,\"tid\":3,\"fd\":4,\"comm\":\"a\xffb\xe2\x82\"}",
		event.Event{Kind: event.Close, Time: 1, PID: 2, TID: 3, FD: 4, Comm: "a\uFFFDb\uFFFD\uFFFD"}},
	{"limits", `{"kind":"close","ts":18446744073709551615,"pid":4294967295,"tid":0,"fd":-2147483648}`,
		event.Event{Kind: event.Close, Time: 1<<64 - 1, PID: 1<<32 - 1, FD: -1 << 31}},
	{"minus zero fd", `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":-0}`, event.Event{Kind: event.Close, Time: 1, PID: 2, TID: 3}},
}

func TestDecodeGood(t *testing.T) {
	for _, tt := range goodLines {
		d := newDecoder()
		var got event.Event
		if err := d.decode([]byte(tt.line), &got); err != nil {
			t.Errorf("%s: decode(%s): %v", tt.name, tt.line, err)
			continue
		}
		if !sameEvent(&got, &tt.want) {
			t.Errorf("%s: decode(%s)\n got %+v\nwant %+v", tt.name, tt.line, got, tt.want)
		}
	}
}

// badLines are lines that each make one error; want is the message.
var badLines = []struct {
	name, line string
	is         error
	want       string
}{
	{"not JSON", `hello`, ErrSyntax, `invalid JSON: unexpected "h" at column 1`},
	{"cut", `{"kind":"close","ts":1`, ErrSyntax, `invalid JSON: unexpected end of line`},
	{"trailing bytes", goodLine + ` x`, ErrSyntax, `unexpected "x" at column 48`},
	{"two objects", goodLine + goodLine, ErrSyntax, "at column 47"},
	{"array", `[1]`, ErrSyntax, `unexpected "["`},
	{"trailing comma", `{"kind":"close",}`, ErrSyntax, `unexpected "}"`},
	{"single quotes", `{'kind':1}`, ErrSyntax, `unexpected "'"`},
	{"bad escape", `{"comm":"\x"}`, ErrSyntax, `unexpected "x"`},
	{"bad unicode escape", `{"comm":"\u12G4"}`, ErrSyntax, `invalid JSON`},
	{"control character", "{\"comm\":\"a\tb\"}", ErrSyntax, `unexpected "\t"`},
	{"leading zero", `{"ts":01}`, ErrSyntax, `unexpected "1"`},
	{"bare minus", `{"ts":-}`, ErrSyntax, `unexpected "}"`},
	{"bad literal", `{"x":nul}`, ErrSyntax, `unexpected "}"`},
	{"bad nested value", `{"x":[1,{"a":tru}],` + goodLine[1:], ErrSyntax, `unexpected "}"`},
	{"too deep", `{"x":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + "}", ErrSyntax, "nested deeper than 10000"},
	{"syntax beats bad value", `{"kind":"open","ts":1,`, ErrSyntax, "end of line"},
	{"empty object", `{}`, ErrMissingField, `missing field "kind"`},
	{"missing ts", `{"kind":"close","pid":2,"tid":3,"fd":4}`, ErrMissingField, `missing field "ts"`},
	{"null ts", `{"kind":"close","ts":null,"pid":2,"tid":3,"fd":4}`, ErrMissingField, `missing field "ts"`},
	{"missing pid", `{"kind":"close","ts":1,"tid":3,"fd":4}`, ErrMissingField, `missing field "pid"`},
	{"missing tid", `{"kind":"close","ts":1,"pid":2,"fd":4}`, ErrMissingField, `missing field "tid"`},
	{"missing fd", `{"kind":"close","ts":1,"pid":2,"tid":3}`, ErrMissingField, `missing field "fd"`},
	{"data without dir", `{"kind":"data","ts":1,"pid":2,"tid":3,"fd":4,"data":""}`, ErrMissingField, `missing field "dir"`},
	{"data without data", `{"kind":"data","ts":1,"pid":2,"tid":3,"fd":4,"dir":"out"}`, ErrMissingField, `missing field "data"`},
	{"unknown kind", `{"kind":"open","ts":1,"pid":2,"tid":3,"fd":4}`, ErrBadField, `bad field "kind": unknown kind "open"`},
	{"bad dir", `{"kind":"data","ts":1,"pid":2,"tid":3,"fd":4,"dir":"up","data":""}`, ErrBadField, `bad field "dir": want "in" or "out", got "up"`},
	{"bad src", `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":4,"src":"1.2.3.4"}`, ErrBadField, `bad field "src"`},
	{"bad dst port", `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":4,"dst":"[::1]:99999"}`, ErrBadField, `bad field "dst"`},
	{"base64 length", `{"kind":"data","ts":1,"pid":2,"tid":3,"fd":4,"dir":"in","data":"QUJ"}`, ErrBadField, `bad field "data": base64 length 3 is not a multiple of 4`},
	{"base64 character", `{"kind":"data","ts":1,"pid":2,"tid":3,"fd":4,"dir":"in","data":"QU!D"}`, ErrBadField, `bad field "data": bad base64`},
	{"base64 padding", `{"kind":"data","ts":1,"pid":2,"tid":3,"fd":4,"dir":"in","data":"Q==="}`, ErrBadField, `bad field "data": bad base64`},
	{"base64 line break", `{"kind":"data","ts":1,"pid":2,"tid":3,"fd":4,"dir":"in","data":"QUJD\r\n\r\n"}`, ErrBadField, `line break in base64`},
	{"ts out of range", `{"kind":"close","ts":18446744073709551616,"pid":2,"tid":3,"fd":4}`, ErrBadField, `bad field "ts": 18446744073709551616 out of range`},
	{"negative ts", `{"kind":"close","ts":-1,"pid":2,"tid":3,"fd":4}`, ErrBadField, `bad field "ts": -1 out of range`},
	{"fractional ts", `{"kind":"close","ts":1.5,"pid":2,"tid":3,"fd":4}`, ErrBadField, `bad field "ts": 1.5 is not an integer`},
	{"exponent ts", `{"kind":"close","ts":1e3,"pid":2,"tid":3,"fd":4}`, ErrBadField, `bad field "ts": 1e3 is not an integer`},
	{"pid out of range", `{"kind":"close","ts":1,"pid":4294967296,"tid":3,"fd":4}`, ErrBadField, `bad field "pid": 4294967296 out of range`},
	{"fd out of range", `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":2147483648}`, ErrBadField, `bad field "fd": 2147483648 out of range`},
	{"fd below range", `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":-2147483649}`, ErrBadField, `bad field "fd": -2147483649 out of range`},
	{"orig_len out of range", `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":4,"orig_len":4294967296}`, ErrBadField, `bad field "orig_len"`},
	{"string ts", `{"kind":"close","ts":"1","pid":2,"tid":3,"fd":4}`, ErrBadField, `bad field "ts": want a number, got a string`},
	{"number comm", `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":4,"comm":5}`, ErrBadField, `bad field "comm": want a string, got a number`},
	{"object data", `{"kind":"data","ts":1,"pid":2,"tid":3,"fd":4,"dir":"in","data":{}}`, ErrBadField, `bad field "data": want a base64 string, got an object`},
	{"first bad value wins", `{"kind":"open","ts":-1}`, ErrBadField, `unknown kind`},
}

func TestDecodeBad(t *testing.T) {
	for _, tt := range badLines {
		d := newDecoder()
		var e event.Event
		err := d.decode([]byte(tt.line), &e)
		if !errors.Is(err, tt.is) || !strings.Contains(fmt.Sprint(err), tt.want) {
			t.Errorf("%s: decode(%.60s) = %v; want %v containing %q", tt.name, tt.line, err, tt.is, tt.want)
		}
	}
}

func TestReaderBadLines(t *testing.T) {
	for _, tt := range badLines {
		t.Run(tt.name, func(t *testing.T) {
			// Line 1 good, 2 blank, 3 bad, 4 good.
			file := goodLine + "\n \t\r\n" + tt.line + "\n" + goodLine + "\n"
			wantMsg := "events.jsonl:3: " + tt.want

			var errs []error
			r := NewReader(strings.NewReader(file), "events.jsonl", &Options{OnError: func(err error) { errs = append(errs, err) }})
			got, err := readAll(r)
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			checkEvents(t, got, []event.Event{goodEvent, goodEvent})
			var le *LineError
			if len(errs) != 1 || !errors.As(errs[0], &le) || le.Line != 3 || !errors.Is(errs[0], tt.is) ||
				!strings.HasPrefix(errs[0].Error(), "events.jsonl:3: ") || !strings.Contains(errs[0].Error(), tt.want) {
				t.Errorf("line errors %v; want one %q", errs, wantMsg)
			}
			if r.Lines() != 4 || r.Bad() != 1 {
				t.Errorf("Lines, Bad = %d, %d; want 4, 1", r.Lines(), r.Bad())
			}

			r = NewReader(strings.NewReader(file), "events.jsonl", &Options{Strict: true})
			got, err = readAll(r)
			checkEvents(t, got, []event.Event{goodEvent})
			if !errors.As(err, &le) || le.Line != 3 || !errors.Is(err, tt.is) {
				t.Errorf("strict: Next = %v; want a LineError at line 3", err)
			}
			if _, again := r.Next(); again != err {
				t.Errorf("strict: Next after error = %v; want %v again", again, err)
			}
		})
	}
}

func TestLineErrorMessage(t *testing.T) {
	file := strings.Repeat(goodLine+"\n", 11) + `{"kind":"close","pid":2,"tid":3,"fd":4}` + "\n"
	r := NewReader(strings.NewReader(file), "events.jsonl", &Options{Strict: true})
	_, err := readAll(r)
	if want := `events.jsonl:12: missing field "ts"`; fmt.Sprint(err) != want {
		t.Errorf("error %q; want %q", err, want)
	}
}

func TestLastLine(t *testing.T) {
	tests := []struct {
		name, file string
		events     int
	}{
		{"no final newline", goodLine + "\n" + goodLine, 2},
		{"CRLF", goodLine + "\r\n" + goodLine + "\r\n", 2},
		{"blank end", goodLine + "\n\n   ", 1},
		{"empty", "", 0},
	}
	for _, tt := range tests {
		r := NewReader(strings.NewReader(tt.file), "f", &Options{Strict: true})
		got, err := readAll(r)
		if err != nil || len(got) != tt.events {
			t.Errorf("%s: got %d events, %v; want %d", tt.name, len(got), err, tt.events)
		}
	}
}

func TestLineTooLong(t *testing.T) {
	const max = 100
	long := `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":4,"x":"` + strings.Repeat("a", 10*max) + `"}`
	fits := `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":4,"x":"` + strings.Repeat("a", max-len(goodLine)-7) + `"}`
	if len(fits) != max {
		t.Fatalf("len(fits) = %d", len(fits))
	}
	tests := []struct {
		name, file string
		events     int
		badLine    int // 0: none
	}{
		{"fits", fits + "\n" + goodLine + "\n", 2, 0},
		{"too long", goodLine + "\n" + long + "\n" + goodLine + "\n", 2, 2},
		{"too long at end", goodLine + "\n" + long, 1, 2},
		{"one byte too long", goodLine + "\n" + fits + " \n" + goodLine, 2, 2},
		{"one byte too long at end", goodLine + "\n" + fits + " ", 1, 2},
	}
	for _, tt := range tests {
		for _, rd := range []func(io.Reader) io.Reader{func(r io.Reader) io.Reader { return r }, iotest.HalfReader} {
			var errs []*LineError
			r := NewReader(rd(strings.NewReader(tt.file)), "f", &Options{MaxLine: max, OnError: func(err error) {
				errs = append(errs, err.(*LineError))
			}})
			got, err := readAll(r)
			if err != nil || len(got) != tt.events {
				t.Errorf("%s: got %d events, %v; want %d", tt.name, len(got), err, tt.events)
			}
			switch {
			case tt.badLine == 0 && len(errs) != 0:
				t.Errorf("%s: errors %v; want none", tt.name, errs)
			case tt.badLine != 0 && (len(errs) != 1 || errs[0].Line != tt.badLine || !errors.Is(errs[0], ErrLineTooLong)):
				t.Errorf("%s: errors %v; want a line too long at line %d", tt.name, errs, tt.badLine)
			}
			if len(r.buf) > max+1 {
				t.Errorf("%s: buffer grew to %d bytes; want at most %d", tt.name, len(r.buf), max+1)
			}
		}
	}
}

// TestDefaultMaxLine reads a line with a 16 MiB payload, then one over the
// default limit.
func TestDefaultMaxLine(t *testing.T) {
	if testing.Short() {
		t.Skip("uses 100 MB of memory")
	}
	payload := bytes.Repeat([]byte{0xAB}, 16<<20)
	e := event.Event{Kind: event.Data, Time: 1, PID: 2, TID: 3, FD: 4, Comm: "big", Dir: event.In, Data: payload,
		Src: netip.MustParseAddrPort("[2001:db8::1234:5678]:65535"), Dst: netip.MustParseAddrPort("[2001:db8::1234:5678]:65535")}
	file := AppendEvent(nil, &e)
	file = append(file, `{"x":"`...)
	file = append(file, bytes.Repeat([]byte{'a'}, DefaultMaxLine)...)
	file = append(file, "\"}\n"...)
	file = append(file, goodLine...)
	var errs []error
	r := NewReader(bytes.NewReader(file), "f", &Options{OnError: func(err error) { errs = append(errs, err) }})
	got, err := readAll(r)
	if err != nil || len(got) != 2 || !sameEvent(&got[0], &e) {
		t.Fatalf("got %d events, %v; want the big one and one more", len(got), err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], ErrLineTooLong) {
		t.Errorf("errors %v; want one line too long", errs)
	}
}

func TestCompressedFiles(t *testing.T) {
	for _, ext := range []string{".jsonl", ".jsonl.gz", ".jsonl.zst"} {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "events"+ext)
			w, err := Create(path)
			if err != nil {
				t.Fatal(err)
			}
			writeEvents(t, w, testEvents)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v; want 0600", fi.Mode().Perm())
			}

			r, err := Open(path, &Options{Strict: true})
			if err != nil {
				t.Fatal(err)
			}
			got, err := readAll(r)
			if err != nil {
				t.Fatal(err)
			}
			checkEvents(t, got, testEvents)
			if r.Size() != fi.Size() || r.Pos() != fi.Size() {
				t.Errorf("Pos, Size = %d, %d; want %d", r.Pos(), r.Size(), fi.Size())
			}
			if err := r.Close(); err != nil {
				t.Error(err)
			}
			if err := r.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if _, err := r.Next(); !errors.Is(err, ErrClosed) {
				t.Errorf("Next after Close = %v; want ErrClosed", err)
			}
		})
	}
}

func TestTruncatedFiles(t *testing.T) {
	var evs []event.Event
	for range 200 {
		evs = append(evs, testEvents...)
	}
	for _, ext := range []string{".gz", ".zst"} {
		t.Run(ext, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "events.jsonl"+ext)
			w, err := Create(path)
			if err != nil {
				t.Fatal(err)
			}
			writeEvents(t, w, evs)
			whole, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			cut := filepath.Join(dir, "cut.jsonl"+ext)
			if err := os.WriteFile(cut, whole[:len(whole)*2/3], 0o600); err != nil {
				t.Fatal(err)
			}
			r, err := Open(cut, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got, err := readAll(r)
			if err == nil || errors.Is(err, io.EOF) || errors.As(err, new(*LineError)) {
				t.Fatalf("read a cut file: %v after %d events; want a read error", err, len(got))
			}
			if !strings.HasPrefix(err.Error(), "read cut.jsonl"+ext) && !strings.Contains(err.Error(), "cut.jsonl") {
				t.Errorf("error %q does not name the file", err)
			}
			if r.Bad() != 0 {
				t.Errorf("Bad = %d; want 0: a cut last line is not a bad line", r.Bad())
			}
			for i := range got {
				if !sameEvent(&got[i], &evs[i]) {
					t.Fatalf("event %d differs", i)
				}
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notGzip := filepath.Join(dir, "plain.gz")
	if err := os.WriteFile(notGzip, []byte(goodLine+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing.jsonl"), notGzip} {
		if r, err := Open(path, nil); err == nil {
			r.Close()
			t.Errorf("Open(%s) succeeded; want an error", path)
		}
	}
}

// TestStdlibGzip reads a multi-member gzip file written by compress/gzip.
func TestStdlibGzip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.gz")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		zw := gzip.NewWriter(f)
		io.WriteString(zw, goodLine+"\n")
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	r, err := Open(path, &Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	checkEvents(t, got, []event.Event{goodEvent, goodEvent})
}

// TestNoAllocs checks that, its caches warm, the reader allocates nothing.
func TestNoAllocs(t *testing.T) {
	var buf bytes.Buffer
	writeEvents(t, NewWriter(&buf), testEvents)
	r := NewReader(&loopReader{b: buf.Bytes()}, "f", &Options{Strict: true})
	next := func() {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 * len(testEvents) {
		next()
	}
	if n := testing.AllocsPerRun(1000, next); n != 0 {
		t.Errorf("%v allocations per event; want 0", n)
	}
}

// TestCloseUnblocksNext closes a reader whose Next waits on a FIFO.
func TestCloseUnblocksNext(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "events.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	writer := make(chan *os.File)
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
		}
		writer <- w
	}()
	r, err := Open(fifo, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := <-writer
	defer w.Close()
	if _, err := io.WriteString(w, goodLine+"\n"); err != nil {
		t.Fatal(err)
	}
	if e, err := r.Next(); err != nil || !sameEvent(e, &goodEvent) {
		t.Fatalf("Next = %+v, %v", e, err)
	}
	if r.Size() != -1 {
		t.Errorf("Size of a FIFO = %d; want -1", r.Size())
	}
	done := make(chan error)
	go func() {
		_, err := r.Next() // waits for a line that never comes
		done <- err
	}()
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("pending Next returned %v; want ErrClosed", err)
	}
}
