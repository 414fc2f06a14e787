package main

import (
	"bytes"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// Spec is the line protocol's entry for a detection list.
var Spec = protocol.Spec{
	Name:   "lineecho",
	Doc:    "the echo_server.py line protocol: a command line, a reply line",
	Detect: detect,
	New:    func(cfg protocol.Config) protocol.Parser { return newParser(cfg.Limits) },
}

// verbs are the commands a client of echo_server.py opens with.
var verbs = []string{"HELLO", "ECHO", "STORE", "FETCH", "CLOCK", "BYE"}

// detect says Yes when the client's first bytes are a verb and a space or
// a newline, NeedMore while they may still become one, No otherwise. It
// looks at the direction that spoke first: the client speaks first.
func detect(s protocol.Sample) protocol.Verdict {
	head := s.Head(s.First)
	v := protocol.No
	for _, verb := range verbs {
		switch {
		case len(head) > len(verb) && string(head[:len(verb)]) == verb &&
			(head[len(verb)] == ' ' || head[len(verb)] == '\n'):
			return protocol.Yes
		case len(head) <= len(verb) && len(head) > 0 && verb[:len(head)] == string(head):
			v = protocol.NeedMore
		}
	}
	return v
}

// maxPending bounds the commands waiting for a reply.
const maxPending = 1024

// parser turns each line into a message: the client's lines are
// requests, the server's responses, paired in order. It keeps at most
// MaxHeaderBytes of a line; the rest is counted and noted.
type parser struct {
	max     int
	client  event.Dir
	known   bool
	half    [2]line
	pending []waiting
}

// line is the line being read in one direction.
type line struct {
	buf   []byte
	size  int64 // bytes of the line so far, kept or not
	start uint64
	notes []message.Note
	skip  bool // after a gap: drop bytes up to the next newline
}

// waiting is a command waiting for its reply.
type waiting struct {
	ref message.RequestRef
	end uint64
}

func newParser(l protocol.Limits) *parser {
	return &parser{max: l.WithDefaults().MaxHeaderBytes}
}

// Feed splits p into lines; each complete line is emitted at once.
func (p *parser) Feed(dir event.Dir, b []byte, at uint64, emit protocol.Emit) error {
	if !p.known {
		p.known, p.client = true, dir // the client speaks first
	}
	h := &p.half[dir]
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		chunk := b
		if i >= 0 {
			chunk = b[:i+1]
		}
		b = b[len(chunk):]
		if h.skip {
			h.skip = i < 0
			continue
		}
		if h.size == 0 {
			h.start = at
		}
		h.size += int64(len(chunk))
		if room := p.max - len(h.buf); room > 0 {
			h.buf = append(h.buf, chunk[:min(room, len(chunk))]...)
		}
		if i >= 0 {
			p.emit(dir, at, false, emit)
		}
	}
	return nil
}

// Gap ends the line that lost bytes, marked, and drops the rest of it.
func (p *parser) Gap(dir event.Dir, n int, at uint64, emit protocol.Emit) {
	h := &p.half[dir]
	h.notes = append(h.notes, message.Note{Kind: message.Gap, Text: "bytes not captured: " + itoa(n)})
	if h.size == 0 {
		h.start = at
	}
	p.emit(dir, at, true, emit)
	h.skip = true
}

// Flush emits the lines still being read, as partial.
func (p *parser) Flush(_ protocol.End, emit protocol.Emit) {
	for _, d := range []event.Dir{p.client, p.client.Other()} {
		if p.half[d].size > 0 || len(p.half[d].notes) > 0 {
			p.emit(d, p.half[d].start, true, emit)
		}
	}
}

// emit makes a message of the line of direction dir.
func (p *parser) emit(dir event.Dir, at uint64, partial bool, emit protocol.Emit) {
	h := &p.half[dir]
	text := bytes.TrimSuffix(bytes.TrimSuffix(h.buf, []byte("\n")), []byte("\r"))
	m := &message.Message{
		Proto:   Spec.Name,
		Type:    message.Request,
		Dir:     dir,
		Start:   h.start,
		End:     at,
		Size:    h.size,
		Raw:     bytes.Clone(h.buf),
		RawCut:  h.size - int64(len(h.buf)),
		Partial: partial,
		Notes:   h.notes,
		Body:    &message.Body{Data: bytes.Clone(text), Size: h.size, DecodedSize: h.size},
	}
	if m.RawCut > 0 {
		m.Body.Cut = m.RawCut
		m.AddNote(message.Limit, "line longer than %d bytes", p.max)
	}
	*h = line{buf: h.buf[:0]}
	if dir == p.client {
		verb, _, _ := bytes.Cut(text, []byte(" "))
		if !partial && len(p.pending) < maxPending {
			p.pending = append(p.pending, waiting{message.RequestRef{Method: string(verb)}, at})
		}
	} else {
		m.Type = message.Response
		if len(p.pending) > 0 {
			w := p.pending[0]
			p.pending = p.pending[1:]
			m.Request = &w.ref
			m.Latency = &message.Latency{First: since(m.Start, w.end), Last: since(at, w.end)}
		}
	}
	emit(m)
}

func since(t, from uint64) uint64 {
	if t < from {
		return 0
	}
	return t - from
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			return string(b[i:])
		}
	}
}
