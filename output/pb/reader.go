package pb

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// MaxRecord is the largest record a Reader accepts. A length past it
// means the stream is not a record stream, or is corrupt.
const MaxRecord = 256 << 20

// ErrFraming is returned, wrapped, when a stream's length prefixes do
// not frame LogEntry records.
var ErrFraming = errors.New("not a length-prefixed LogEntry stream")

// Reader reads a stream of length-prefixed LogEntry records. It is not
// safe for concurrent use.
type Reader struct {
	br  *bufio.Reader
	buf []byte
	n   int64 // records read
	off int64 // bytes consumed
}

// NewReader returns a Reader of the records in r.
func NewReader(r io.Reader) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &Reader{br: br}
}

// Next returns the next record. At the end of the stream it returns
// io.EOF; a record cut short is io.ErrUnexpectedEOF, a record that is not
// a LogEntry an error naming its offset.
func (r *Reader) Next() (*LogEntry, error) {
	e := new(LogEntry)
	if err := r.NextInto(e); err != nil {
		return nil, err
	}
	return e, nil
}

// NextInto reads the next record into e, reusing its memory; see Next.
func (r *Reader) NextInto(e *LogEntry) error {
	at := r.off
	size, err := r.readLength()
	if err != nil {
		return err
	}
	if size > MaxRecord {
		return fmt.Errorf("pb: record %d at offset %d: length %d: %w", r.n+1, at, size, ErrFraming)
	}
	if cap(r.buf) < int(size) {
		r.buf = make([]byte, size)
	}
	r.buf = r.buf[:size]
	if _, err := io.ReadFull(r.br, r.buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("pb: record %d at offset %d: %w", r.n+1, at, err)
	}
	r.off += int64(size)
	proto.Reset(e)
	if err := proto.Unmarshal(r.buf, e); err != nil {
		return fmt.Errorf("pb: record %d at offset %d: %w", r.n+1, at, err)
	}
	r.n++
	return nil
}

// readLength reads a record's varint length.
func (r *Reader) readLength() (uint64, error) {
	var v uint64
	for i := 0; ; i++ {
		c, err := r.br.ReadByte()
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			if errors.Is(err, io.EOF) {
				return 0, io.EOF
			}
			return 0, fmt.Errorf("pb: record %d at offset %d: %w", r.n+1, r.off, err)
		}
		r.off++
		if i == 9 && c > 1 {
			return 0, fmt.Errorf("pb: record %d: length overflows: %w", r.n+1, ErrFraming)
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, nil
		}
	}
}

// Records returns how many records have been read.
func (r *Reader) Records() int64 { return r.n }

// Sniff reports whether head, the first bytes of a stream, opens with a
// whole length-prefixed LogEntry whose type agrees with what it carries.
// head must hold the first record whole, or at least 64 KiB of a stream
// whose first record is larger. A JSON event file (which opens with '{',
// a plausible length) never passes: its bytes do not parse as a
// consistent LogEntry.
func Sniff(head []byte) bool {
	size, n := protowire.ConsumeVarint(head)
	if n <= 0 || size == 0 || size > MaxRecord {
		return false
	}
	rec := head[n:]
	if uint64(len(rec)) < size {
		// Cut short: check what is there for being fields.
		return len(rec) >= 64<<10 && plausibleFields(rec)
	}
	var e LogEntry
	if err := proto.Unmarshal(rec[:size], &e); err != nil {
		return false
	}
	switch e.Payload.(type) {
	case *LogEntry_EventPayload:
		return e.LogType == LogType_LOG_TYPE_EVENT
	case *LogEntry_HeartbeatPayload:
		return e.LogType == LogType_LOG_TYPE_HEARTBEAT
	case *LogEntry_RunLog:
		return e.LogType == LogType_LOG_TYPE_PROCESS_LOG
	}
	return false
}

// plausibleFields reports whether b opens with LogEntry's field 1 or 2,
// the way an event record starts.
func plausibleFields(b []byte) bool {
	num, typ, n := protowire.ConsumeTag(b)
	if n <= 0 {
		return false
	}
	return (num == 1 && typ == protowire.VarintType) || (num == 2 && typ == protowire.BytesType)
}
