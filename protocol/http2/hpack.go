package http2

import (
	"errors"
	"fmt"

	"golang.org/x/net/http2/hpack"

	"github.com/tapir-dev/tapir/message"
)

// The HPACK decoder (RFC 7541) is tapir's own, built on hpack's Huffman
// decoding: x/net's hpack.Decoder stops a header block at the first index
// it cannot resolve, which on a connection first seen mid-stream is any
// reference to a dynamic-table entry added before the capture began.
// This one names such fields as unknown and goes on, so the rest of the
// block, and every later block, is decoded.
//
// It never resolves an index to a wrong entry. Entries are numbered from
// the newest, so a table that holds at least the entries added since the
// capture began resolves every reference to them; older ones are unknown.
// Whenever part of a block is lost (a gap, an oversized field, a block
// whose start was not seen) entries may have been added that the table
// lacks, and it is cleared and marked partial: from then on only entries
// seen being added are resolved.

const (
	// defaultTableSize is the dynamic table size before any size update.
	defaultTableSize = 4096
	// maxTableSize caps the dynamic table kept per direction; an encoder
	// allowed more loses us only its oldest entries (named unknown).
	maxTableSize = 64 << 10
	// unknownName and unknownValue stand for what an unknown entry held.
	unknownName  = "<unknown>"
	unknownValue = "<unknown>"
)

// entry is one dynamic-table entry.
type entry struct {
	name, value string
	// nameUnknown: added by a literal whose indexed name was unknown.
	nameUnknown bool
}

func (e *entry) size() int { return len(e.name) + len(e.value) + 32 }

// dynTable is the dynamic table: ents[head:] from the oldest to the newest.
type dynTable struct {
	ents []entry
	head int
	size int // sum of the entries' sizes
	max  int // the table's current maximum size
}

func (t *dynTable) len() int { return len(t.ents) - t.head }

// get returns dynamic entry k (0 is the newest), or nil.
func (t *dynTable) get(k uint64) *entry {
	if k >= uint64(t.len()) {
		return nil
	}
	return &t.ents[len(t.ents)-1-int(k)]
}

func (t *dynTable) add(e entry) {
	sz := e.size()
	if sz > t.max {
		t.clear()
		return
	}
	for t.size+sz > t.max {
		t.evict()
	}
	if t.head > 0 && len(t.ents) == cap(t.ents) {
		n := copy(t.ents, t.ents[t.head:])
		clear(t.ents[n:])
		t.ents, t.head = t.ents[:n], 0
	}
	t.ents = append(t.ents, e)
	t.size += sz
}

func (t *dynTable) evict() {
	t.size -= t.ents[t.head].size()
	t.ents[t.head] = entry{}
	t.head++
	if t.head == len(t.ents) {
		t.ents, t.head = t.ents[:0], 0
	}
}

func (t *dynTable) setMax(n int) {
	t.max = n
	for t.size > t.max {
		t.evict()
	}
}

func (t *dynTable) clear() {
	clear(t.ents)
	t.ents, t.head, t.size = t.ents[:0], 0, 0
}

// fieldList receives the fields of one header block, within limits.
type fieldList struct {
	fields             []hfield
	bytes              int
	maxFields          int
	maxBytes           int
	dropped            int // fields past a limit, not kept
	droppedBytes       int64
	unknown            int      // fields naming entries never seen
	unknownIdx         []uint64 // the first few of their indexes
	badIndex           bool     // an unknown index on a table seen whole
	errs               []string // decoding errors, the first few
	sizeUpdates        int
	sizeUpdateTooLarge bool
}

// hfield is a decoded field.
type hfield = message.Header

func (l *fieldList) reset(maxFields, maxBytes int) {
	*l = fieldList{fields: l.fields[:0], unknownIdx: l.unknownIdx[:0], errs: l.errs[:0],
		maxFields: maxFields, maxBytes: maxBytes}
}

func (l *fieldList) add(name, value string) {
	n := len(name) + len(value)
	if len(l.fields) >= l.maxFields || l.bytes+n > l.maxBytes {
		l.dropped++
		l.droppedBytes += int64(n)
		return
	}
	l.bytes += n
	l.fields = append(l.fields, hfield{Name: name, Value: value})
}

func (l *fieldList) addUnknown(idx uint64, name, value string, partial bool) {
	l.unknown++
	if len(l.unknownIdx) < 8 {
		l.unknownIdx = append(l.unknownIdx, idx)
	}
	if !partial {
		l.badIndex = true
	}
	l.add(name, value)
}

func (l *fieldList) fail(err string) {
	if len(l.errs) < 4 {
		l.errs = append(l.errs, err)
	}
}

// hpackDecoder decodes the header blocks one endpoint sends, for the
// connection's whole life. Blocks come in fragments (HEADERS, then
// CONTINUATION frames), each of which may end anywhere, even inside a
// field. Memory is bounded: an incomplete field is held only up to
// maxString bytes per string; a longer string is skipped (its field
// dropped and counted), which keeps the table right because an entry that
// large would have emptied it anyway.
type hpackDecoder struct {
	tab dynTable
	// allowed is the SETTINGS_HEADER_TABLE_SIZE the receiving endpoint
	// announced: the largest size update the encoder may send.
	allowed int
	// partial is set when entries may exist that were never seen being
	// added: indexes past the table are then unknown, not errors.
	partial bool
	// sized is set once a size update was seen (or the connection was seen
	// from its start): the table's max is then the encoder's.
	sized     bool
	maxString int

	pend   []byte // an incomplete field carried to the next fragment
	skip   int    // bytes of an oversized string still to skip
	value  bool   // after skipping a name: the value of a dropped field follows
	broken bool   // the rest of the block cannot be decoded
}

func newHPACKDecoder(maxString int, partial bool) hpackDecoder {
	d := hpackDecoder{allowed: defaultTableSize, maxString: max(maxString, maxTableSize), partial: partial, sized: !partial}
	d.tab.max = defaultTableSize
	if partial {
		// The encoder's table may be larger than the default: keeping
		// more never resolves an index wrongly.
		d.tab.max = maxTableSize
	}
	return d
}

// setAllowed applies a SETTINGS_HEADER_TABLE_SIZE of the receiving side.
func (d *hpackDecoder) setAllowed(n uint32) {
	d.allowed = int(min(n, 1<<30))
}

// lose marks the table as missing entries: a block, or part of one, was
// not decoded.
func (d *hpackDecoder) lose() {
	d.tab.clear()
	d.partial = true
	if !d.sized {
		d.tab.max = maxTableSize
	}
}

// abandon drops a block in progress whose end will not be seen.
func (d *hpackDecoder) abandon() {
	if len(d.pend) > 0 || d.skip > 0 || d.value || d.broken {
		d.lose()
	}
	d.endBlock()
}

func (d *hpackDecoder) endBlock() {
	if cap(d.pend) > 4<<10 {
		d.pend = nil
	}
	d.pend = d.pend[:0]
	d.skip, d.value, d.broken = 0, false, false
}

// status is how decoding one field went.
type status uint8

const (
	stOK   status = iota
	stMore        // the field is not complete
	stBad         // the block cannot be decoded further
)

var (
	errIntOverflow = errors.New("integer too large")
	errIndexZero   = errors.New("index 0")
)

// write decodes the next fragment of a header block into l; end says the
// fragment ends the block.
func (d *hpackDecoder) write(frag []byte, end bool, l *fieldList) {
	if !d.broken {
		d.decode(frag, l)
	}
	if end {
		if !d.broken && (len(d.pend) > 0 || d.skip > 0 || d.value) {
			l.fail("header block ends inside a field")
			d.lose()
		}
		d.endBlock()
	}
}

func (d *hpackDecoder) decode(frag []byte, l *fieldList) {
	b := frag
	if len(d.pend) > 0 {
		d.pend = append(d.pend, frag...)
		b = d.pend
	}
	for len(b) > 0 {
		if d.skip > 0 {
			n := min(d.skip, len(b))
			d.skip -= n
			b = b[n:]
			continue
		}
		var (
			n  int
			st status
		)
		if d.value {
			n, st = d.droppedValue(b)
		} else {
			n, st = d.field(b, l)
		}
		if st == stMore {
			break
		}
		if st == stBad {
			d.broken = true
			d.lose()
			b = nil
			break
		}
		b = b[n:]
	}
	// Keep what is left of an incomplete field (moved only when fields
	// before it were taken: a field that trickles in is not copied again
	// and again).
	switch {
	case len(d.pend) == 0:
		d.pend = append(d.pend, b...)
	case len(b) < len(d.pend):
		n := copy(d.pend, b)
		d.pend = d.pend[:n]
	}
}

// readInt reads an integer with an n-bit prefix at the start of b.
func readInt(b []byte, n uint) (v uint64, size int, st status) {
	mask := uint64(1)<<n - 1
	v = uint64(b[0]) & mask
	if v < mask {
		return v, 1, stOK
	}
	var m uint
	for i := 1; i < len(b); i++ {
		c := b[i]
		v += uint64(c&0x7f) << m
		if v > 1<<32 || m > 28 {
			return 0, 0, stBad
		}
		if c&0x80 == 0 {
			return v, i + 1, stOK
		}
		m += 7
	}
	return 0, 0, stMore
}

// strHdr reads the head of a string literal at the start of b: whether it
// is Huffman-coded, its length and the size of the head.
func strHdr(b []byte) (huff bool, length uint64, size int, st status) {
	if len(b) == 0 {
		return false, 0, 0, stMore
	}
	v, n, st := readInt(b, 7)
	return b[0]&0x80 != 0, v, n, st
}

func decodeString(p []byte, huff bool) (string, error) {
	if !huff {
		return string(p), nil
	}
	return hpack.HuffmanDecodeToString(p)
}

// field decodes one field representation at the start of b.
func (d *hpackDecoder) field(b []byte, l *fieldList) (int, status) {
	c := b[0]
	switch {
	case c&0x80 != 0: // indexed field
		idx, n, st := readInt(b, 7)
		if st != stOK {
			return 0, d.intStatus(st, l)
		}
		if idx == 0 {
			l.fail("indexed field with index 0")
			return 0, stBad
		}
		d.indexed(idx, l)
		return n, stOK
	case c&0xe0 == 0x20: // dynamic table size update
		v, n, st := readInt(b, 5)
		if st != stOK {
			return 0, d.intStatus(st, l)
		}
		l.sizeUpdates++
		if v > uint64(d.allowed) {
			l.sizeUpdateTooLarge = true
		}
		d.sized = true
		if v > maxTableSize {
			v = maxTableSize
			d.partial = true
		}
		d.tab.setMax(int(v))
		return n, stOK
	}
	// A literal: with incremental indexing (6-bit index), or without
	// indexing / never indexed (4-bit index).
	index := c&0xc0 == 0x40
	prefix := uint(4)
	if index {
		prefix = 6
	}
	idx, pos, st := readInt(b, prefix)
	if st != stOK {
		return 0, d.intStatus(st, l)
	}
	var nameRaw []byte
	var nameHuff bool
	if idx == 0 {
		huff, length, n, st := strHdr(b[pos:])
		if st != stOK {
			return 0, d.intStatus(st, l)
		}
		if length > uint64(d.maxString) {
			// Skip the name, then the value, of a dropped field.
			d.skip = int(length)
			d.value = true
			d.dropField(index, l, length)
			return pos + n, stOK
		}
		if uint64(len(b)-pos-n) < length {
			return 0, stMore
		}
		nameRaw, nameHuff = b[pos+n:pos+n+int(length)], huff
		pos += n + int(length)
	}
	huff, length, n, st := strHdr(b[pos:])
	if st != stOK {
		return 0, d.intStatus(st, l)
	}
	if length > uint64(d.maxString) {
		d.skip = int(length)
		d.dropField(index, l, length)
		return pos + n, stOK
	}
	if uint64(len(b)-pos-n) < length {
		return 0, stMore
	}
	value, err := decodeString(b[pos+n:pos+n+int(length)], huff)
	if err != nil {
		l.fail(fmt.Sprintf("field value: %v", err))
		return 0, stBad
	}
	pos += n + int(length)

	var e entry
	if idx == 0 {
		name, err := decodeString(nameRaw, nameHuff)
		if err != nil {
			l.fail(fmt.Sprintf("field name: %v", err))
			return 0, stBad
		}
		e = entry{name: name, value: value}
		l.add(name, value)
	} else {
		name, known := d.name(idx)
		e = entry{name: name, value: value, nameUnknown: !known}
		if known {
			l.add(name, value)
		} else {
			l.addUnknown(idx, unknownName, value, d.partial)
		}
	}
	if index {
		d.tab.add(e)
	}
	return pos, stOK
}

// droppedValue skips the value of a field whose name was too long.
func (d *hpackDecoder) droppedValue(b []byte) (int, status) {
	_, length, n, st := strHdr(b)
	if st != stOK {
		return 0, st
	}
	if length > uint64(d.maxString) {
		d.skip = int(length)
		d.value = false
		return n, stOK
	}
	if uint64(len(b)-n) < length {
		return 0, stMore
	}
	d.value = false
	return n + int(length), stOK
}

// dropField counts a field too long to keep. If it was to be added to the
// table, the table is emptied, as an entry larger than the table does.
func (d *hpackDecoder) dropField(index bool, l *fieldList, length uint64) {
	l.dropped++
	l.droppedBytes += int64(length)
	if index {
		d.tab.clear()
		if d.tab.max >= maxTableSize {
			// The encoder's table may be larger than ours and keep it.
			d.partial = true
		}
	}
}

func (d *hpackDecoder) intStatus(st status, l *fieldList) status {
	if st == stBad {
		l.fail("integer too large")
	}
	return st
}

// indexed adds the field at idx to l.
func (d *hpackDecoder) indexed(idx uint64, l *fieldList) {
	if idx <= uint64(len(staticTable)) {
		f := &staticTable[idx-1]
		l.add(f.Name, f.Value)
		return
	}
	e := d.tab.get(idx - uint64(len(staticTable)) - 1)
	switch {
	case e == nil:
		l.addUnknown(idx, unknownName, unknownValue, d.partial)
	case e.nameUnknown:
		l.addUnknown(idx, unknownName, e.value, d.partial)
	default:
		l.add(e.name, e.value)
	}
}

// name returns the name at idx, and false when it is unknown.
func (d *hpackDecoder) name(idx uint64) (string, bool) {
	if idx <= uint64(len(staticTable)) {
		return staticTable[idx-1].Name, true
	}
	e := d.tab.get(idx - uint64(len(staticTable)) - 1)
	if e == nil || e.nameUnknown {
		return unknownName, false
	}
	return e.name, true
}

// staticTable is the static table (RFC 7541, Appendix A).
var staticTable = [...]struct{ Name, Value string }{
	{":authority", ""},
	{":method", "GET"},
	{":method", "POST"},
	{":path", "/"},
	{":path", "/index.html"},
	{":scheme", "http"},
	{":scheme", "https"},
	{":status", "200"},
	{":status", "204"},
	{":status", "206"},
	{":status", "304"},
	{":status", "400"},
	{":status", "404"},
	{":status", "500"},
	{"accept-charset", ""},
	{"accept-encoding", "gzip, deflate"},
	{"accept-language", ""},
	{"accept-ranges", ""},
	{"accept", ""},
	{"access-control-allow-origin", ""},
	{"age", ""},
	{"allow", ""},
	{"authorization", ""},
	{"cache-control", ""},
	{"content-disposition", ""},
	{"content-encoding", ""},
	{"content-language", ""},
	{"content-length", ""},
	{"content-location", ""},
	{"content-range", ""},
	{"content-type", ""},
	{"cookie", ""},
	{"date", ""},
	{"etag", ""},
	{"expect", ""},
	{"expires", ""},
	{"from", ""},
	{"host", ""},
	{"if-match", ""},
	{"if-modified-since", ""},
	{"if-none-match", ""},
	{"if-range", ""},
	{"if-unmodified-since", ""},
	{"last-modified", ""},
	{"link", ""},
	{"location", ""},
	{"max-forwards", ""},
	{"proxy-authenticate", ""},
	{"proxy-authorization", ""},
	{"range", ""},
	{"referer", ""},
	{"refresh", ""},
	{"retry-after", ""},
	{"server", ""},
	{"set-cookie", ""},
	{"strict-transport-security", ""},
	{"transfer-encoding", ""},
	{"user-agent", ""},
	{"vary", ""},
	{"via", ""},
	{"www-authenticate", ""},
}
