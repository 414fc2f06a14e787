package eventfile

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/event"
)

// refDecode is the decoder's specification written with encoding/json: it
// walks the object's keys in order, decodes each known field's value with
// json.Unmarshal (null meaning absent, the last of repeated keys winning,
// the first bad value reported), then checks the required fields.
func refDecode(line []byte) (event.Event, error) {
	var e event.Event
	if !json.Valid(line) {
		return e, ErrSyntax
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		return e, ErrSyntax
	}
	seen := map[string]bool{}
	var verr error
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return e, ErrSyntax
		}
		key := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return e, ErrSyntax
		}
		null := string(raw) == "null"
		var s string
		str := func() error {
			s = ""
			if null {
				return nil
			}
			return json.Unmarshal(raw, &s)
		}
		num := func(p any) error {
			if null {
				return nil
			}
			return json.Unmarshal(raw, p)
		}
		var ferr error
		switch key {
		case "kind":
			e.Kind, seen[key] = 0, false
			if ferr = str(); ferr == nil && !null {
				switch s {
				case "data":
					e.Kind, seen[key] = event.Data, true
				case "close":
					e.Kind, seen[key] = event.Close, true
				default:
					ferr = errors.New("unknown kind")
				}
			}
		case "dir":
			e.Dir, seen[key] = 0, false
			if ferr = str(); ferr == nil && !null {
				switch s {
				case "out":
					e.Dir, seen[key] = event.Out, true
				case "in":
					e.Dir, seen[key] = event.In, true
				default:
					ferr = errors.New("bad dir")
				}
			}
		case "ts", "pid", "tid", "orig_len":
			var v uint64
			if ferr = num(&v); ferr == nil && key != "ts" && v > math.MaxUint32 {
				ferr = errors.New("out of range")
			}
			if ferr != nil {
				v = 0
			}
			seen[key] = ferr == nil && !null
			switch key {
			case "ts":
				e.Time = v
			case "pid":
				e.PID = uint32(v)
			case "tid":
				e.TID = uint32(v)
			case "orig_len":
				e.OrigLen = uint32(v)
			}
		case "fd":
			var v int32
			if ferr = num(&v); ferr != nil {
				v = 0
			}
			e.FD, seen[key] = v, ferr == nil && !null
		case "comm":
			ferr, e.Comm = str(), s
		case "lib":
			ferr, e.Lib = str(), s
		case "conn":
			ferr, e.Conn = str(), s
		case "src", "dst":
			var ap netip.AddrPort
			if ferr = str(); ferr == nil && s != "" {
				ap, ferr = netip.ParseAddrPort(s)
			}
			if key == "src" {
				e.Src = ap
			} else {
				e.Dst = ap
			}
		case "data":
			seen[key] = false
			if null {
				e.Data = nil
			} else if ferr = str(); ferr == nil {
				if strings.ContainsAny(s, "\r\n") {
					ferr = errors.New("line break")
				} else {
					var b []byte
					if b, ferr = base64.StdEncoding.DecodeString(s); ferr == nil {
						e.Data, seen[key] = b, true
					}
				}
			}
		}
		if ferr != nil && verr == nil {
			verr = fmt.Errorf("%w %q: %v", ErrBadField, key, ferr)
		}
	}
	if verr != nil {
		return e, verr
	}
	for _, f := range required {
		if !seen[f.name] && (f.always || e.Kind == event.Data) {
			return e, fmt.Errorf("%w %q", ErrMissingField, f.name)
		}
	}
	if e.Kind == event.Close {
		e.Dir, e.Data, e.OrigLen = 0, nil, 0
	}
	return e, nil
}

// fuzzSeeds are lines to start fuzzing from, besides testdata/fuzz. Long
// lines are left out: they make the fuzzer slow to minimize.
func fuzzSeeds() []string {
	var seeds []string
	for _, e := range testEvents {
		if line := AppendEvent(nil, &e); len(line) < 1000 {
			seeds = append(seeds, strings.TrimSuffix(string(line), "\n"))
		}
	}
	for _, tt := range goodLines {
		seeds = append(seeds, tt.line)
	}
	for _, tt := range badLines {
		if len(tt.line) < 1000 {
			seeds = append(seeds, tt.line)
		}
	}
	return seeds
}

// checkDecode decodes line with the decoder and with refDecode, which must
// agree, and checks that an accepted event round-trips through AppendEvent.
func checkDecode(t *testing.T, line []byte) {
	var got event.Event
	err := newDecoder().decode(line, &got)
	// A line the canonical fast path takes, the general decoder must
	// decode to the same event.
	var fast, general event.Event
	if newDecoder().decodeCanonical(line, &fast) {
		if gerr := newDecoder().decodeAny(line, &general); gerr != nil || !sameEvent(&fast, &general) {
			t.Fatalf("decodeCanonical(%q)\n got %+v\nwant %+v, %v (general decoder)", line, fast, general, gerr)
		}
	}
	want, werr := refDecode(line)
	if (err == nil) != (werr == nil) {
		t.Fatalf("decode(%q) = %v; encoding/json says %v", line, err, werr)
	}
	if errors.Is(err, ErrMissingField) != errors.Is(werr, ErrMissingField) ||
		errors.Is(err, ErrMissingField) && err.Error() != werr.Error() {
		t.Fatalf("decode(%q) = %v; encoding/json says %v", line, err, werr)
	}
	if err != nil {
		return
	}
	if !sameEvent(&got, &want) {
		t.Fatalf("decode(%q)\n got %+v\nwant %+v (encoding/json)", line, got, want)
	}
	out := AppendEvent(nil, &got)
	if !json.Valid(out) {
		t.Fatalf("AppendEvent of decode(%q) = %q, not JSON", line, out)
	}
	var again event.Event
	if err := newDecoder().decode(out, &again); err != nil || !sameEvent(&again, &got) {
		t.Fatalf("round trip of decode(%q) through %q:\n got %+v, %v\nwant %+v", line, out, again, err, got)
	}
}

func TestDecodeMatchesJSON(t *testing.T) {
	for _, line := range fuzzSeeds() {
		checkDecode(t, []byte(line))
	}
}

func FuzzDecodeLine(f *testing.F) {
	for _, line := range fuzzSeeds() {
		f.Add([]byte(line))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		checkDecode(t, line)
	})
}

// TestDecodeLongBase64 checks the vectorised base64 path, which takes
// payloads of 45 characters or more, against encoding/json: every
// position of a long payload corrupted with a byte that is not base64,
// a line break or misplaced padding.
func TestDecodeLongBase64(t *testing.T) {
	payload := make([]byte, 150)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	enc := base64.StdEncoding.EncodeToString(payload)
	for _, bad := range []string{"!", `\n`, "=", "-", `\u00e9`} {
		for k := 0; k < len(enc); k++ {
			data := enc[:k] + bad + enc[k+1:]
			checkDecode(t, []byte(`{"kind":"data","ts":1,"pid":1,"fd":3,"dir":"out","data":"`+data+`"}`))
		}
	}
	checkDecode(t, []byte(`{"kind":"data","ts":1,"pid":1,"fd":3,"dir":"out","data":"`+enc+`"}`))
}

// TestParseNumber checks the eight-digits-at-a-time path of parseNumber
// around its edges: short numbers, a non-digit inside the first eight,
// nineteen digits and the uint64 limit.
func TestParseNumber(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want uint64
		next int
		over bool
	}{
		{"0,", 0, 1, false},
		{"7,", 7, 1, false},
		{"12345678,", 12345678, 8, false},
		{"1234567a9,", 1234567, 7, false},
		{"99999999,", 99999999, 8, false},
		{"1732350000000016268,", 1732350000000016268, 19, false},
		{"9999999999999999999,", 9999999999999999999, 19, false},
		{"18446744073709551615}", 18446744073709551615, 20, false},
		{"18446744073709551616}", 0, 20, true},
		{"123456789012345678901234", 0, 24, true},
	} {
		u, _, _, over, next, err := parseNumber([]byte(tt.in), 0)
		if err != nil || over != tt.over || next != tt.next || !over && u != tt.want {
			t.Errorf("parseNumber(%q) = %d, over %v, next %d, %v; want %d, over %v, next %d",
				tt.in, u, over, next, err, tt.want, tt.over, tt.next)
		}
	}
}

// TestCanonical checks which lines the canonical fast path takes: those
// AppendEvent writes, but not the same events written any other way.
func TestCanonical(t *testing.T) {
	taken := 0
	for _, e := range testEvents {
		line := bytes.TrimSuffix(AppendEvent(nil, &e), []byte("\n"))
		var got event.Event
		ok := newDecoder().decodeCanonical(line, &got)
		ascii := true
		for _, s := range []string{e.Comm, e.Conn, e.Lib} {
			for _, c := range []byte(s) {
				ascii = ascii && c >= 0x20 && c < 0x80 && c != '"' && c != '\\'
			}
		}
		// Twenty-digit times take the general path, which checks overflow.
		if want := ascii && e.OrigLen == 0 && e.Time < 1e19; ok != want {
			t.Errorf("decodeCanonical(%q) = %v; want %v", line, ok, want)
		}
		if ok {
			taken++
		}
	}
	if taken == 0 {
		t.Fatal("the fast path took none of the test events")
	}
	const good = `{"kind":"data","ts":1732350000123456789,"pid":4242,"tid":4243,"comm":"curl","fd":5,"dir":"out","src":"127.0.0.1:50514","dst":"[::1]:8443","lib":"openssl","data":"R0VUIC8="}`
	for _, tt := range []struct {
		name, line string
		want       bool
	}{
		{"as written", good, true},
		{"close", `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":-1}`, true},
		{"named, in", `{"kind":"data","ts":0,"pid":0,"tid":0,"fd":0,"conn":"c1","dir":"in","data":""}`, true},
		{"space", strings.Replace(good, `,"pid"`, `, "pid"`, 1), false},
		{"key order", strings.Replace(good, `"pid":4242,"tid":4243`, `"tid":4243,"pid":4242`, 1), false},
		{"escape", strings.Replace(good, `"curl"`, `"cu\u0072l"`, 1), false},
		{"non-ASCII", strings.Replace(good, `"curl"`, `"cürl"`, 1), false},
		{"leading zero", strings.Replace(good, `"pid":4242`, `"pid":04242`, 1), false},
		{"fraction", strings.Replace(good, `"pid":4242`, `"pid":4242.0`, 1), false},
		{"pid too big", strings.Replace(good, `"pid":4242`, `"pid":4294967296`, 1), false},
		{"ts of twenty digits", strings.Replace(good, `1732350000123456789`, `17323500001234567890`, 1), false},
		{"minus zero fd", strings.Replace(good, `"fd":5`, `"fd":-0`, 1), false},
		{"fd too small", strings.Replace(good, `"fd":5`, `"fd":-2147483649`, 1), false},
		{"bad address", strings.Replace(good, `127.0.0.1:50514`, `127.0.0.1`, 1), false},
		{"orig_len", strings.Replace(good, `"}`, `","orig_len":100}`, 1), false},
		{"trailing CR", good + "\r", false},
		{"data not last", strings.Replace(good, `"}`, `","kind":"close"}`, 1), false},
		{"close with dir", `{"kind":"close","ts":1,"pid":2,"tid":3,"fd":-1,"dir":"in"}`, false},
		{"null comm", strings.Replace(good, `"curl"`, `null`, 1), false},
	} {
		var e event.Event
		if got := newDecoder().decodeCanonical([]byte(tt.line), &e); got != tt.want {
			t.Errorf("%s: decodeCanonical(%q) = %v; want %v", tt.name, tt.line, got, tt.want)
		}
		checkDecode(t, []byte(tt.line))
	}
}

// TestCanonUint checks canonUint against strconv, at every length and
// with a stop at every place.
func TestCanonUint(t *testing.T) {
	const digits = "91827364501928374650"
	for n := 1; n <= len(digits); n++ {
		for _, tail := range []string{"", ",", "x", "/", ":", "}"} {
			in := digits[:n] + tail
			u, next, ok := canonUint([]byte(in), 0, math.MaxUint64)
			// Up to nineteen digits are taken; twenty go to the
			// general path.
			want, _ := strconv.ParseUint(digits[:n], 10, 64)
			if wantOK := n <= 19; ok != wantOK || ok && (u != want || next != n) {
				t.Errorf("canonUint(%q) = %d, %d, %v; want %d, %d, %v", in, u, next, ok, want, n, wantOK)
			}
		}
	}
	for _, tt := range []struct {
		in string
		ok bool
	}{{"4294967295", true}, {"4294967296", false}, {"12345678/", true}, {"0", true}, {"01", false}, {"", false}, {"x", false}} {
		u, _, ok := canonUint([]byte(tt.in), 0, math.MaxUint32)
		want, _ := strconv.ParseUint(strings.TrimRight(tt.in, "/"), 10, 32)
		if ok != tt.ok || ok && u != want {
			t.Errorf("canonUint(%q, MaxUint32) = %d, %v; want %d, %v", tt.in, u, ok, want, tt.ok)
		}
	}
}
