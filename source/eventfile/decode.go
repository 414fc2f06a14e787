package eventfile

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"net/netip"
	"unicode/utf16"
	"unicode/utf8"

	fastb64 "github.com/segmentio/asm/base64"

	"github.com/tapir-dev/tapir/event"
)

// maxDepth is the deepest nesting of arrays and objects accepted, the top
// object included; encoding/json has the same limit.
const maxDepth = 10000

// maxIntern is the longest string kept in the intern and address caches;
// longer ones are allocated each time.
const maxIntern = 64

// Bits of the fields seen on a line.
const (
	fKind = 1 << iota
	fTS
	fPID
	fTID
	fFD
	fDir
	fData
)

// addrSlot is one entry of the address cache.
type addrSlot struct {
	key string
	ap  netip.AddrPort
}

// decoder decodes one line of an event file into an event.Event. It is a
// single pass over the line, written for this schema: it accepts any key
// order, whitespace and unknown keys (whose values it validates and skips),
// and reuses its buffers so that, once its caches are warm, decoding a line
// allocates nothing. The Data of a decoded event points into the decoder
// and is valid until the next decode.
type decoder struct {
	data    []byte // decoded payloads
	scratch []byte // strings with escapes, unescaped
	stack   []byte // open containers while skipping a value
	seed    maphash.Seed
	// Caches of sets of two entries, indexed by hash.
	names [64]string   // comm and lib values
	conns [1024]string // conn values
	addrs [1024]addrSlot
}

func newDecoder() *decoder {
	return &decoder{seed: maphash.MakeSeed()}
}

// decode decodes the JSON object in s into e. It returns an error wrapping
// ErrSyntax, ErrMissingField or ErrBadField. A syntax error anywhere on the
// line takes precedence over a bad value, and a bad value over a missing
// field; among bad values the first one on the line is reported. When a key
// repeats, its last value counts, as with encoding/json.
func (d *decoder) decode(s []byte, e *event.Event) error {
	*e = event.Event{}
	if d.decodeCanonical(s, e) {
		return nil
	}
	*e = event.Event{}
	return d.decodeAny(s, e)
}

// decodeAny is decode for any line, canonical or not, e being zero.
func (d *decoder) decodeAny(s []byte, e *event.Event) error {
	var (
		seen uint
		verr error // first bad value
		err  error
	)
	i := skipWS(s, 0)
	if i >= len(s) || s[i] != '{' {
		return syntaxErr(s, i)
	}
	i = skipWS(s, i+1)
	if i < len(s) && s[i] == '}' {
		i++
	} else {
		for {
			if i >= len(s) || s[i] != '"' {
				return syntaxErr(s, i)
			}
			key, n := quickKey(s[i:])
			if n > 0 {
				i += n
			} else {
				var kb []byte
				if kb, i, err = d.str(s, i); err != nil {
					return err
				}
				key = fieldOf(kb)
				i = skipWS(s, i)
				if i >= len(s) || s[i] != ':' {
					return syntaxErr(s, i)
				}
				i++
			}
			i = skipWS(s, i)
			if i >= len(s) {
				return syntaxErr(s, i)
			}
			var (
				v    []byte
				u    uint64
				ok   bool
				ferr error // bad value of this field
			)
			switch key {
			case fieldKind:
				if v, ok, i, ferr, err = d.strField(s, i, "kind"); err != nil {
					return err
				}
				seen &^= fKind
				e.Kind = 0
				switch {
				case ferr != nil || !ok:
				case string(v) == "data":
					e.Kind, seen = event.Data, seen|fKind
				case string(v) == "close":
					e.Kind, seen = event.Close, seen|fKind
				default:
					ferr = badField("kind", "unknown kind %q", clip(v))
				}
			case fieldTS:
				if u, ok, i, ferr, err = d.uintField(s, i, "ts", math.MaxUint64); err != nil {
					return err
				}
				e.Time, seen = u, setBit(seen, fTS, ok)
			case fieldPID:
				if u, ok, i, ferr, err = d.uintField(s, i, "pid", math.MaxUint32); err != nil {
					return err
				}
				e.PID, seen = uint32(u), setBit(seen, fPID, ok)
			case fieldTID:
				if u, ok, i, ferr, err = d.uintField(s, i, "tid", math.MaxUint32); err != nil {
					return err
				}
				e.TID, seen = uint32(u), setBit(seen, fTID, ok)
			case fieldFD:
				var fd int32
				if fd, ok, i, ferr, err = d.fdField(s, i); err != nil {
					return err
				}
				e.FD, seen = fd, setBit(seen, fFD, ok)
			case fieldOrigLen:
				if u, ok, i, ferr, err = d.uintField(s, i, "orig_len", math.MaxUint32); err != nil {
					return err
				}
				e.OrigLen = uint32(u)
			case fieldComm:
				if v, ok, i, ferr, err = d.strField(s, i, "comm"); err != nil {
					return err
				}
				e.Comm = d.intern(d.names[:], v)
			case fieldLib:
				if v, ok, i, ferr, err = d.strField(s, i, "lib"); err != nil {
					return err
				}
				e.Lib = d.intern(d.names[:], v)
			case fieldConn:
				if v, ok, i, ferr, err = d.strField(s, i, "conn"); err != nil {
					return err
				}
				e.Conn = d.intern(d.conns[:], v)
			case fieldDir:
				if v, ok, i, ferr, err = d.strField(s, i, "dir"); err != nil {
					return err
				}
				seen &^= fDir
				e.Dir = 0
				switch {
				case ferr != nil || !ok:
				case string(v) == "out":
					e.Dir, seen = event.Out, seen|fDir
				case string(v) == "in":
					e.Dir, seen = event.In, seen|fDir
				default:
					ferr = badField("dir", "want \"in\" or \"out\", got %q", clip(v))
				}
			case fieldSrc:
				if v, ok, i, ferr, err = d.strField(s, i, "src"); err != nil {
					return err
				}
				e.Src = netip.AddrPort{}
				if ferr == nil && len(v) > 0 {
					e.Src, ferr = d.addr("src", v)
				}
			case fieldDst:
				if v, ok, i, ferr, err = d.strField(s, i, "dst"); err != nil {
					return err
				}
				e.Dst = netip.AddrPort{}
				if ferr == nil && len(v) > 0 {
					e.Dst, ferr = d.addr("dst", v)
				}
			case fieldData:
				if i, ok, ferr, err = d.dataField(s, i, e); err != nil {
					return err
				}
				seen = setBit(seen, fData, ok)
			default:
				if i, err = d.skipValue(s, i); err != nil {
					return err
				}
			}
			if ferr != nil && verr == nil {
				verr = ferr
			}
			i = skipWS(s, i)
			if i >= len(s) {
				return syntaxErr(s, i)
			}
			if s[i] == ',' {
				i = skipWS(s, i+1)
				continue
			}
			if s[i] != '}' {
				return syntaxErr(s, i)
			}
			i++
			break
		}
	}
	if i = skipWS(s, i); i < len(s) {
		return syntaxErr(s, i)
	}
	if verr != nil {
		return verr
	}
	for _, f := range required {
		if seen&f.bit == 0 && (f.always || e.Kind == event.Data) {
			return fmt.Errorf("%w %q", ErrMissingField, f.name)
		}
	}
	if e.Kind == event.Close {
		e.Dir, e.Data, e.OrigLen = 0, nil, 0
	}
	return nil
}

// Keys as tapir writes them, quote to colon, read as little-endian words
// of their length (see quickKey).
var (
	keyTS   = keyWord(`"ts":`)
	keyFD   = keyWord(`"fd":`)
	keyPID  = keyWord(`"pid":`)
	keyTID  = keyWord(`"tid":`)
	keyDir  = keyWord(`"dir":`)
	keySrc  = keyWord(`"src":`)
	keyDst  = keyWord(`"dst":`)
	keyLib  = keyWord(`"lib":`)
	keyKind = keyWord(`"kind":`)
	keyComm = keyWord(`"comm":`)
	keyData = keyWord(`"data":`)
	keyConn = keyWord(`"conn":`)
)

func keyWord(k string) uint64 {
	var b [8]byte
	copy(b[:], k)
	return binary.LittleEndian.Uint64(b[:])
}

// field names an event's field, so that the decoder's switch compares
// small integers instead of the key's string a second time.
type field uint8

const (
	fieldOther field = iota // a key events do not have: skipped
	fieldKind
	fieldTS
	fieldPID
	fieldTID
	fieldFD
	fieldOrigLen
	fieldComm
	fieldLib
	fieldConn
	fieldDir
	fieldSrc
	fieldDst
	fieldData
)

// fieldOf returns the field a key (unquoted, unescaped) names.
func fieldOf(key []byte) field {
	switch string(key) {
	case "kind":
		return fieldKind
	case "ts":
		return fieldTS
	case "pid":
		return fieldPID
	case "tid":
		return fieldTID
	case "fd":
		return fieldFD
	case "orig_len":
		return fieldOrigLen
	case "comm":
		return fieldComm
	case "lib":
		return fieldLib
	case "conn":
		return fieldConn
	case "dir":
		return fieldDir
	case "src":
		return fieldSrc
	case "dst":
		return fieldDst
	case "data":
		return fieldData
	}
	return fieldOther
}

// quickKey recognises, at the start of s, a key as tapir writes it: a
// known name, no escapes, the colon right after the quote. It returns the
// field and the length of `"key":`, or n == 0, when the general path must
// read the key.
func quickKey(s []byte) (key field, n int) {
	if len(s) < 8 {
		return fieldOther, 0
	}
	w := binary.LittleEndian.Uint64(s)
	switch w & 0xff_ffff_ffff { // five bytes
	case keyTS:
		return fieldTS, 5
	case keyFD:
		return fieldFD, 5
	}
	switch w & 0xffff_ffff_ffff { // six
	case keyPID:
		return fieldPID, 6
	case keyTID:
		return fieldTID, 6
	case keyDir:
		return fieldDir, 6
	case keySrc:
		return fieldSrc, 6
	case keyDst:
		return fieldDst, 6
	case keyLib:
		return fieldLib, 6
	}
	switch w & 0xff_ffff_ffff_ffff { // seven
	case keyKind:
		return fieldKind, 7
	case keyComm:
		return fieldComm, 7
	case keyData:
		return fieldData, 7
	case keyConn:
		return fieldConn, 7
	}
	return fieldOther, 0
}

// required lists the required fields in the order they are checked.
var required = []struct {
	name   string
	bit    uint
	always bool // else only for data events
}{
	{"kind", fKind, true},
	{"ts", fTS, true},
	{"pid", fPID, true},
	{"tid", fTID, true},
	{"fd", fFD, true},
	{"dir", fDir, false},
	{"data", fData, false},
}

func setBit(seen, bit uint, on bool) uint {
	if on {
		return seen | bit
	}
	return seen &^ bit
}

// badField returns an error wrapping ErrBadField for the named field.
func badField(name, format string, args ...any) error {
	return fmt.Errorf("%w %q: %s", ErrBadField, name, fmt.Sprintf(format, args...))
}

// clip shortens a value quoted in an error message.
func clip(v []byte) []byte {
	if len(v) > 40 {
		return append(v[:37:37], "..."...)
	}
	return v
}

// syntaxErr reports what is wrong at s[i].
func syntaxErr(s []byte, i int) error {
	if i >= len(s) {
		return fmt.Errorf("%w: unexpected end of line", ErrSyntax)
	}
	return fmt.Errorf("%w: unexpected %q at column %d", ErrSyntax, s[i:i+1], i+1)
}

// typeErr reports a value of the wrong type and skips it.
func (d *decoder) typeErr(s []byte, i int, name, want string) (next int, verr, serr error) {
	got := "a number"
	switch s[i] {
	case '"':
		got = "a string"
	case '{':
		got = "an object"
	case '[':
		got = "an array"
	case 't', 'f':
		got = "a boolean"
	}
	next, serr = d.skipValue(s, i)
	return next, badField(name, "want %s, got %s", want, got), serr
}

// dataLast is dataField's fast path for the usual line, whose data string,
// at s[i], is its last field: it decodes what lies between s[i] and the
// quote before the closing brace, without looking for that quote first.
// Neither a quote nor a backslash is base64, so if those bytes decode,
// that quote closes the string. It reports false, having set nothing,
// when they do not.
func (d *decoder) dataLast(s []byte, i int, e *event.Event) (next int, ok bool) {
	n := len(s)
	if n-2 <= i || s[n-1] != '}' || s[n-2] != '"' {
		return 0, false
	}
	raw := s[i+1 : n-2]
	if len(raw)%4 != 0 {
		return 0, false
	}
	data, whole, err := d.base64(raw)
	if err != nil || !whole {
		return 0, false
	}
	e.Data = data
	return n - 1, true
}

// base64 decodes raw, whose length is a multiple of four, into d.data. The
// vectorised decoder it uses is 3 to 16 times faster than the standard one
// on payloads of 200 bytes to 16 KiB. whole is false when fewer bytes came
// out than raw's length promises: the decoder skips line breaks, which a
// payload must not have.
func (d *decoder) base64(raw []byte) (data []byte, whole bool, err error) {
	want := len(raw) / 4 * 3
	if len(raw) > 0 && raw[len(raw)-1] == '=' {
		want--
		if raw[len(raw)-2] == '=' {
			want--
		}
	}
	if cap(d.data) < want {
		d.data = make([]byte, want, max(want, 2*cap(d.data)))
	}
	n, err := fastb64.StdEncoding.Decode(d.data[:cap(d.data)], raw)
	return d.data[:n], n == want, err
}

// strField reads a string or null at s[i]. ok is false for null. The
// returned bytes are valid until the next string is read.
func (d *decoder) strField(s []byte, i int, name string) (v []byte, ok bool, next int, verr, serr error) {
	switch s[i] {
	case '"':
		v, next, serr = d.str(s, i)
		return v, serr == nil, next, nil, serr
	case 'n':
		next, serr = literal(s, i, "null")
		return nil, false, next, nil, serr
	}
	next, verr, serr = d.typeErr(s, i, name, "a string")
	return nil, false, next, verr, serr
}

// uintField reads an unsigned integer no greater than max, or null, at s[i].
func (d *decoder) uintField(s []byte, i int, name string, max uint64) (v uint64, ok bool, next int, verr, serr error) {
	c := s[i]
	if c == 'n' {
		next, serr = literal(s, i, "null")
		return 0, false, next, nil, serr
	}
	if c != '-' && (c < '0' || c > '9') {
		next, verr, serr = d.typeErr(s, i, name, "a number")
		return 0, false, next, verr, serr
	}
	u, neg, notInt, over, next, serr := parseNumber(s, i)
	switch {
	case serr != nil:
	case notInt:
		verr = badField(name, "%s is not an integer", clip(s[i:next]))
	case neg || over || u > max:
		verr = badField(name, "%s out of range", clip(s[i:next]))
	default:
		return u, true, next, nil, nil
	}
	return 0, false, next, verr, serr
}

// fdField reads an int32 or null at s[i].
func (d *decoder) fdField(s []byte, i int) (v int32, ok bool, next int, verr, serr error) {
	c := s[i]
	if c == 'n' {
		next, serr = literal(s, i, "null")
		return 0, false, next, nil, serr
	}
	if c != '-' && (c < '0' || c > '9') {
		next, verr, serr = d.typeErr(s, i, "fd", "a number")
		return 0, false, next, verr, serr
	}
	u, neg, notInt, over, next, serr := parseNumber(s, i)
	switch {
	case serr != nil:
	case notInt:
		verr = badField("fd", "%s is not an integer", clip(s[i:next]))
	case over || !neg && u > math.MaxInt32 || neg && u > -math.MinInt32:
		verr = badField("fd", "%s out of range", clip(s[i:next]))
	case neg:
		return int32(-int64(u)), true, next, nil, nil
	default:
		return int32(u), true, next, nil, nil
	}
	return 0, false, next, verr, serr
}

// dataField reads the base64 payload at s[i] into d.data and e.Data.
func (d *decoder) dataField(s []byte, i int, e *event.Event) (next int, ok bool, verr, serr error) {
	switch s[i] {
	case '"':
	case 'n':
		e.Data = nil
		next, serr = literal(s, i, "null")
		return next, false, nil, serr
	default:
		next, verr, serr = d.typeErr(s, i, "data", "a base64 string")
		return next, false, verr, serr
	}
	if next, ok := d.dataLast(s, i, e); ok {
		return next, true, nil, nil
	}
	// Base64 needs no escapes: look for the closing quote with IndexByte
	// and fall back to the full string reader only if there is a
	// backslash before it. Control characters and anything else that is
	// not base64 make Decode fail.
	var raw []byte
	j := bytes.IndexByte(s[i+1:], '"')
	if j < 0 {
		return len(s), false, nil, syntaxErr(s, len(s))
	}
	raw = s[i+1 : i+1+j]
	next = i + 2 + j
	if bytes.IndexByte(raw, '\\') >= 0 {
		if raw, next, serr = d.str(s, i); serr != nil {
			return next, false, nil, serr
		}
	}
	if len(raw)%4 != 0 {
		return next, false, badField("data", "base64 length %d is not a multiple of 4", len(raw)), nil
	}
	data, whole, err := d.base64(raw)
	if err != nil {
		// The vectorised decoder's error offsets are relative to where
		// it handed over to the standard one: the standard decoder names
		// the offending byte.
		_, err = base64.StdEncoding.Decode(d.data[:cap(d.data)], raw)
		return next, false, badField("data", "bad base64: %v", err), nil
	}
	if !whole {
		return next, false, badField("data", "line break in base64"), nil
	}
	e.Data = data
	return next, true, nil, nil
}

// addr parses an ip:port, through the address cache.
func (d *decoder) addr(name string, b []byte) (netip.AddrPort, error) {
	var set []addrSlot
	if len(b) <= maxIntern {
		k := maphash.Bytes(d.seed, b) & uint64(len(d.addrs)-2)
		set = d.addrs[k : k+2 : k+2]
		if set[0].key == string(b) {
			return set[0].ap, nil
		}
		if set[1].key == string(b) {
			set[0], set[1] = set[1], set[0]
			return set[0].ap, nil
		}
	}
	key := string(b)
	ap, err := netip.ParseAddrPort(key)
	if err != nil {
		return netip.AddrPort{}, badField(name, "%v", err)
	}
	if set != nil {
		set[1] = set[0]
		set[0] = addrSlot{key, ap}
	}
	return ap, nil
}

// intern returns b as a string, from tab when it is there. tab is a cache
// of sets of two, the most recently used first.
func (d *decoder) intern(tab []string, b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxIntern {
		return string(b)
	}
	k := maphash.Bytes(d.seed, b) & uint64(len(tab)-2)
	set := tab[k : k+2 : k+2]
	if set[0] == string(b) {
		return set[0]
	}
	if set[1] == string(b) {
		set[0], set[1] = set[1], set[0]
		return set[0]
	}
	set[1] = set[0]
	set[0] = string(b)
	return set[0]
}

// skipWS returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipWS(s []byte, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// literal checks that s[i:] starts with lit and returns the index after it.
func literal(s []byte, i int, lit string) (int, error) {
	if len(s)-i >= len(lit) && string(s[i:i+len(lit)]) == lit {
		return i + len(lit), nil
	}
	for k := 0; k < len(lit) && i+k < len(s); k++ {
		if s[i+k] != lit[k] {
			return i + k, syntaxErr(s, i+k)
		}
	}
	return len(s), syntaxErr(s, len(s))
}

// parseNumber scans the JSON number at s[i]. u is its integer part when
// that fits in 64 bits (over says it does not), neg its sign, notInt says
// it has a fraction or an exponent.
func parseNumber(s []byte, i int) (u uint64, neg, notInt, over bool, next int, err error) {
	j := i
	if s[j] == '-' {
		neg = true
		j++
	}
	switch {
	case j >= len(s):
		return 0, neg, false, false, j, syntaxErr(s, j)
	case s[j] == '0':
		j++
	case s[j] >= '1' && s[j] <= '9':
		// Nineteen digits always fit in a uint64.
		end := min(len(s), j+19)
		for ; j < end && s[j] >= '0' && s[j] <= '9'; j++ {
			u = u*10 + uint64(s[j]-'0')
		}
		for ; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
			dgt := uint64(s[j] - '0')
			if u > (math.MaxUint64-dgt)/10 {
				over = true
			} else if !over {
				u = u*10 + dgt
			}
		}
	default:
		return 0, neg, false, false, j, syntaxErr(s, j)
	}
	if j < len(s) && s[j] == '.' {
		notInt = true
		j++
		if j >= len(s) || s[j] < '0' || s[j] > '9' {
			return 0, neg, notInt, over, j, syntaxErr(s, j)
		}
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		notInt = true
		j++
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j >= len(s) || s[j] < '0' || s[j] > '9' {
			return 0, neg, notInt, over, j, syntaxErr(s, j)
		}
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
	}
	return u, neg, notInt, over, j, nil
}

// hex4 decodes the four hex digits at s[i:], or returns -1.
func hex4(s []byte, i int) rune {
	if len(s)-i < 4 {
		return -1
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// str reads the JSON string at s[i] (a '"') and returns its value, valid
// UTF-8, and the index after it. A string without escapes or non-ASCII
// bytes is returned in place; others are unescaped into d.scratch, valid
// until the next call. Like encoding/json, it replaces invalid UTF-8 and
// unpaired surrogates with U+FFFD.
func (d *decoder) str(s []byte, i int) ([]byte, int, error) {
	j := plainEnd(s, i+1)
	switch {
	case j == len(s):
		return nil, len(s), syntaxErr(s, len(s))
	case s[j] == '"':
		return s[i+1 : j], j + 1, nil
	}
	return d.strSlow(s, i+1, j)
}

// plainEnd returns the index of the first byte from s[j] on that ends a
// string's fast path (see strStop), or len(s).
func plainEnd(s []byte, j int) int {
	for j < len(s) && !strStop[s[j]] {
		j++
	}
	return j
}

// strStop marks the bytes that end the fast path of a string: its closing
// quote, a backslash, a control character (an error) and the bytes of a
// multi-byte rune (checked for UTF-8).
var strStop = func() (t [256]bool) {
	for c := range t {
		t[c] = c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf
	}
	return t
}()

func (d *decoder) strSlow(s []byte, start, j int) ([]byte, int, error) {
	b := append(d.scratch[:0], s[start:j]...)
	defer func() { d.scratch = b[:0] }()
	for j < len(s) {
		c := s[j]
		switch {
		case c == '"':
			return b, j + 1, nil
		case c == '\\':
			if j+1 >= len(s) {
				return nil, j + 1, syntaxErr(s, j+1)
			}
			switch s[j+1] {
			case '"', '\\', '/':
				b = append(b, s[j+1])
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(s, j+2)
				if r < 0 {
					return nil, j, syntaxErr(s, j+2)
				}
				j += 6
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if j+1 < len(s) && s[j] == '\\' && s[j+1] == 'u' {
						r2 = hex4(s, j+2)
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
						j += 6
					} else {
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				return nil, j + 1, syntaxErr(s, j+1)
			}
			j += 2
		case c < 0x20:
			return nil, j, syntaxErr(s, j)
		case c < utf8.RuneSelf:
			b = append(b, c)
			j++
		default:
			r, size := utf8.DecodeRune(s[j:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[j:j+size]...)
			}
			j += size
		}
	}
	return nil, len(s), syntaxErr(s, len(s))
}

// skipString validates the JSON string at s[i] and returns the index after it.
func skipString(s []byte, i int) (int, error) {
	j := i + 1
	for j < len(s) {
		c := s[j]
		switch {
		case c == '"':
			return j + 1, nil
		case c == '\\':
			if j+1 >= len(s) {
				return j + 1, syntaxErr(s, j+1)
			}
			switch s[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if hex4(s, j+2) < 0 {
					return j + 2, syntaxErr(s, j+2)
				}
				j += 6
			default:
				return j + 1, syntaxErr(s, j+1)
			}
		case c < 0x20:
			return j, syntaxErr(s, j)
		default:
			j++
		}
	}
	return len(s), syntaxErr(s, len(s))
}

// skipKey validates an object key and its colon at s[i] and returns the
// index of the value after them.
func skipKey(s []byte, i int) (int, error) {
	if i >= len(s) || s[i] != '"' {
		return i, syntaxErr(s, i)
	}
	i, err := skipString(s, i)
	if err != nil {
		return i, err
	}
	i = skipWS(s, i)
	if i >= len(s) || s[i] != ':' {
		return i, syntaxErr(s, i)
	}
	return skipWS(s, i+1), nil
}

// skipValue validates the JSON value at s[i], nested ones included, and
// returns the index after it. It keeps its own stack, so deep nesting
// costs no recursion.
func (d *decoder) skipValue(s []byte, i int) (int, error) {
	stack := d.stack[:0]
	defer func() { d.stack = stack[:0] }()
	var err error
	for {
		// A value starts at s[i].
		if i >= len(s) {
			return i, syntaxErr(s, i)
		}
		switch c := s[i]; c {
		case '{', '[':
			// The top object of the line is one level.
			if len(stack) >= maxDepth-1 {
				return i, fmt.Errorf("%w: nested deeper than %d", ErrSyntax, maxDepth)
			}
			end := byte('}')
			if c == '[' {
				end = ']'
			}
			i = skipWS(s, i+1)
			if i < len(s) && s[i] == end {
				i++
				break
			}
			stack = append(stack, c)
			if c == '{' {
				if i, err = skipKey(s, i); err != nil {
					return i, err
				}
			}
			continue
		case '"':
			if i, err = skipString(s, i); err != nil {
				return i, err
			}
		case 't':
			if i, err = literal(s, i, "true"); err != nil {
				return i, err
			}
		case 'f':
			if i, err = literal(s, i, "false"); err != nil {
				return i, err
			}
		case 'n':
			if i, err = literal(s, i, "null"); err != nil {
				return i, err
			}
		default:
			if c != '-' && (c < '0' || c > '9') {
				return i, syntaxErr(s, i)
			}
			if _, _, _, _, i, err = parseNumber(s, i); err != nil {
				return i, err
			}
		}
		// After a value: close containers, or go on to the next member.
		for {
			if len(stack) == 0 {
				return i, nil
			}
			i = skipWS(s, i)
			if i >= len(s) {
				return i, syntaxErr(s, i)
			}
			top := stack[len(stack)-1]
			if s[i] == ',' {
				i = skipWS(s, i+1)
				if top == '{' {
					if i, err = skipKey(s, i); err != nil {
						return i, err
					}
				}
				break
			}
			if top == '{' && s[i] == '}' || top == '[' && s[i] == ']' {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			return i, syntaxErr(s, i)
		}
	}
}
