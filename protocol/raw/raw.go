package raw

import (
	"unicode/utf8"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/ascii"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// Name is the protocol name raw messages carry.
const Name = "raw"

// Spec is the raw protocol. It detects anything, so it belongs at the end
// of a detection list, or is used as the fallback when nothing matched.
var Spec = protocol.Spec{
	Name:   Name,
	Detect: func(protocol.Sample) protocol.Verdict { return protocol.Yes },
	New:    func(cfg protocol.Config) protocol.Parser { return New(cfg.Limits) },
}

// Parser gathers turns. It keeps at most the display limit, and never more
// than the buffer limit, of each turn's bytes; the rest is counted.
type Parser struct {
	keep   int // bytes of a turn kept
	limit  int // the buffer limit, for the note
	active bool
	dir    event.Dir
	start  uint64
	end    uint64
	size   int64
	buf    []byte
	notes  []message.Note
}

// New returns a raw parser bounded by l.
func New(l protocol.Limits) *Parser {
	l = l.WithDefaults()
	return &Parser{keep: l.Keep(l.MaxBuffer), limit: l.MaxBuffer}
}

// Feed adds p to the current turn, first ending the turn of the other
// direction if there is one.
func (r *Parser) Feed(dir event.Dir, p []byte, at uint64, emit protocol.Emit) error {
	r.begin(dir, at, emit)
	r.end = at
	r.size += int64(len(p))
	if room := r.keep - len(r.buf); room > 0 {
		if len(p) > room {
			p = p[:room]
		}
		r.buf = append(r.buf, p...)
	}
	return nil
}

// Gap notes n missing bytes in the turn of dir.
func (r *Parser) Gap(dir event.Dir, n int, at uint64, emit protocol.Emit) {
	r.begin(dir, at, emit)
	r.end = at
	r.notes = append(r.notes, message.Note{Kind: message.Gap,
		Text: itoa(n) + " bytes not captured after byte " + itoa64(r.size)})
}

// Flush emits the current turn.
func (r *Parser) Flush(_ protocol.End, emit protocol.Emit) { r.finish(emit) }

func (r *Parser) begin(dir event.Dir, at uint64, emit protocol.Emit) {
	if r.active && r.dir != dir {
		r.finish(emit)
	}
	if !r.active {
		r.active, r.dir, r.start = true, dir, at
	}
}

func (r *Parser) finish(emit protocol.Emit) {
	if !r.active {
		return
	}
	m := &message.Message{
		Proto: Name,
		Type:  message.Data,
		Dir:   r.dir,
		Start: r.start,
		End:   r.end,
		Size:  r.size,
		Raw:   r.buf,
		Notes: r.notes,
	}
	cut := r.size - int64(len(r.buf))
	m.RawCut = cut
	m.Body = &message.Body{Data: r.buf, Cut: cut, Size: r.size, DecodedSize: r.size, Binary: !Printable(r.buf)}
	if cut > 0 && len(r.buf) == r.limit {
		m.AddNote(message.Limit, "turn longer than the buffer limit (%d bytes): %d bytes not kept", r.limit, cut)
	}
	emit(m)
	*r = Parser{keep: r.keep, limit: r.limit}
}

// Printable reports whether b reads as text: valid UTF-8 without control
// characters other than tab, CR, LF and form feed. A multi-byte character
// cut at the end of b does not count against it.
func Printable(b []byte) bool {
	for i := 0; i < len(b); {
		i += ascii.PrintablePrefix(b[i:])
		if i >= len(b) {
			break
		}
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return len(b)-i < utf8.UTFMax && !utf8.FullRune(b[i:])
		}
		i += n
	}
	return true
}

func itoa(n int) string { return itoa64(int64(n)) }

func itoa64(n int64) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
