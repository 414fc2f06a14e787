package http2

import (
	"fmt"
	"io"

	"golang.org/x/net/http2"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/body"
)

// Name is the protocol name HTTP/2 messages carry.
const Name = "http2"

// Spec is HTTP/2, cleartext or the plaintext of TLS. It belongs before
// HTTP/1 in a detection list.
var Spec = protocol.Spec{
	Name:   Name,
	Doc:    "HTTP/2 and gRPC: the client preface or frame structure; streams paired by id, HPACK kept for the connection",
	Detect: Detect,
	New:    func(cfg protocol.Config) protocol.Parser { return New(cfg) },
}

// DefaultMaxStreams is how many streams of one connection a Parser
// follows at once; past it the least recently active is emitted as
// partial and forgotten.
const DefaultMaxStreams = 256

// Parser parses both directions of one HTTP/2 connection: every request
// and response, each emitted when its stream's half ends (END_STREAM or
// RST_STREAM), with headers decoded by HPACK state that lives as long as
// the connection, bodies reassembled and decoded, and responses paired
// with requests by stream id; the stream of an extended CONNECT for a
// WebSocket (RFC 8441) is handed to the websocket parser, its request and
// response emitted at their HEADERS. With Config.Frames it also emits
// every frame as a message.Frame message.
//
// A Parser is used by one goroutine at a time. It keeps, per direction,
// the bytes of one incomplete frame (at most Limits.MaxBuffer; a longer
// DATA frame is taken as it comes and anything else longer is skipped),
// an HPACK table of at most 64 KiB and the fields of one header block
// within the header limits; per stream, at most DefaultMaxStreams of them,
// what the display limits keep of its messages; and per WebSocket carried
// by a stream (RFC 8441), at most DefaultMaxTunnels of them, what a
// websocket parser keeps.
type Parser struct {
	cfg      protocol.Config
	lim      protocol.Limits
	rawKeep  int // wire bytes kept in one Message.Raw
	rawHeld  int // wire bytes kept by the messages in progress
	bufLimit int // the longest frame buffered whole

	side    [2]side
	streams map[uint32]*stream
	// opened is, per initiator parity (0 even, 1 odd), the highest stream
	// id opened in the capture, first the lowest: ids between them not
	// in streams are closed.
	opened, first [2]uint32
	clientKnown   bool
	client        event.Dir
	preface       bool // the client preface was seen: the connection from its start
	tick          uint64
	decs          []*body.Decoder   // idle decoders for reuse
	tunnels       int               // tunnels whose parser is open
	tunCounts     map[string]uint64 // what the parsers of ended tunnels counted (protocol.Counter)

	emitFn protocol.Emit
	stats  Stats
}

// Stats counts what a Parser met. The same events are marked on the
// messages as notes; Stats is for callers that want totals, such as the
// frames of each type, which are not messages unless Config.Frames is set.
type Stats struct {
	// Frames counts frames by type (index: the frame type, 0 to 9);
	// OtherFrames those of other types (extensions), which are skipped.
	Frames      [10]uint64
	OtherFrames uint64
	// Emitted counts the messages emitted, those of them that were
	// incomplete, and their Error and Limit notes.
	protocol.Emitted
	// Gaps counts calls to Gap.
	Gaps uint64
	// Resyncs counts the times frame boundaries were found again after a
	// gap or at a mid-stream start; Skipped is the bytes passed over to
	// find them.
	Resyncs uint64
	Skipped int64
	// UnknownFields counts header fields that referred to dynamic-table
	// entries never seen.
	UnknownFields uint64
	// Streams counts the streams seen; Resets the RST_STREAM frames;
	// Evicted the streams dropped because too many were open.
	Streams, Resets, Evicted uint64
	// Unpaired counts responses with no request to pair with.
	Unpaired uint64
	// Tunnels counts the streams handed to the websocket parser: extended
	// CONNECTs (RFC 8441) answered 2xx.
	Tunnels uint64
}

// FrameName returns the name of frame type t ("DATA", "HEADERS", ...).
func FrameName(t uint8) string {
	return http2.FrameType(t).String()
}

// New returns a parser for one connection. When cfg.Upgrade is set the
// connection switched to HTTP/2 from HTTP/1.1 (h2c): the response to the
// upgrade request comes on stream 1.
func New(cfg protocol.Config) *Parser {
	p := &Parser{cfg: cfg, lim: cfg.Limits.WithDefaults(), streams: make(map[uint32]*stream)}
	p.rawKeep = p.lim.Keep(p.lim.MaxBuffer)
	p.bufLimit = min(p.lim.MaxBuffer, frameHeaderLen+1<<24-1)
	p.bufLimit = max(p.bufLimit, frameHeaderLen+defaultMaxFrame)
	for d := range p.side {
		s := &p.side[d]
		s.p, s.dir = p, event.Dir(d)
		s.began = true
		s.maxFrame = defaultMaxFrame
		s.allowed = defaultTableSize
	}
	if u := cfg.Upgrade; u != nil {
		p.upgraded(u)
	}
	return p
}

// Stats returns the counts so far.
func (p *Parser) Stats() Stats { return p.stats }

// Feed takes the next bytes of direction dir. It never fails: what it
// cannot parse it marks, counts and skips.
func (p *Parser) Feed(dir event.Dir, b []byte, at uint64, emit protocol.Emit) error {
	p.emitFn = emit
	p.side[dir&1].feed(b, at)
	p.emitFn = nil
	return nil
}

// Gap reports that n bytes of direction dir were not captured. A gap
// inside a frame whose header was seen costs only that frame (a DATA
// frame: only the bytes of its body); elsewhere the direction looks for
// frame boundaries again and its HPACK table is marked partial.
func (p *Parser) Gap(dir event.Dir, n int, at uint64, emit protocol.Emit) {
	if n <= 0 {
		return
	}
	p.emitFn = emit
	p.stats.Gaps++
	p.side[dir&1].gap(n, at)
	p.emitFn = nil
}

// Flush emits every stream half in progress, as partial, and what was
// skipped; the parser is not used again.
func (p *Parser) Flush(why protocol.End, emit protocol.Emit) {
	p.emitFn = emit
	for d := range p.side {
		p.side[d].flush(why)
	}
	p.flushStreams(why)
	for _, d := range p.decs {
		d.Discard()
	}
	p.decs = nil
	p.emitFn = nil
}

// emit counts m and hands it on.
func (p *Parser) emit(m *message.Message) {
	p.stats.Count(m)
	if p.emitFn != nil {
		p.emitFn(m)
	}
}

// setClient records that direction d is the client's.
func (p *Parser) setClient(d event.Dir) {
	if !p.clientKnown {
		p.clientKnown, p.client = true, d
	}
}

// role names the endpoint that sends in direction d.
func (p *Parser) role(d event.Dir) string {
	switch {
	case !p.clientKnown:
		return "peer (" + d.String() + ")"
	case d == p.client:
		return "client"
	}
	return "server"
}

// sideMode is how a direction takes its bytes.
type sideMode uint8

const (
	modeStart   sideMode = iota // nothing yet
	modePreface                 // matching the client preface
	modeSync                    // looking for frame boundaries
	modeFrames                  // at frame boundaries
)

// side is the state of one direction.
type side struct {
	p     *Parser
	dir   event.Dir
	mode  sideMode
	began bool // every byte of the direction so far was seen
	// maxFrame is the SETTINGS_MAX_FRAME_SIZE the other side announced;
	// allowed its SETTINGS_HEADER_TABLE_SIZE (for this side's encoder).
	maxFrame uint32
	allowed  uint32

	buf     []byte // an incomplete frame, the preface so far, or bytes being searched
	bufAt   uint64 // time of buf's first byte
	matched int    // bytes of the preface matched
	scan    int    // searching: the first offset of buf not yet tried
	cands   []int  // searching: offsets that may start frames, to try again

	// A frame taken as it comes (too long to buffer, or cut by a gap):
	// its header and what is left of it.
	big     hdr
	bigOn   bool
	bigLeft int
	bigAt   uint64
	bigPad  int     // DATA: padding at its end
	bigSeen int     // DATA: payload bytes seen (the pad length byte included)
	bigPart *part   // DATA: the stream half it feeds
	bigTun  *stream // DATA: or the tunnel it feeds

	hp    hpackDecoder
	hpOn  bool
	blk   block
	fr    *http2.Framer
	src   frameSrc
	notes []message.Note // for the next message of this direction

	junk junk // bytes skipped while looking for frame boundaries
}

// junk is bytes passed over, or lost, while looking for frame boundaries.
type junk struct {
	size       int64 // bytes skipped
	gap        int64 // bytes not captured
	start, end uint64
	raw        []byte
}

// frameSrc is the Framer's reader: the bytes of one frame.
type frameSrc struct{ b []byte }

func (r *frameSrc) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func (s *side) feed(b []byte, at uint64) {
	for len(b) > 0 {
		var n int
		switch s.mode {
		case modeStart:
			s.mode = modeSync
			if b[0] == Preface[0] {
				s.mode = modePreface
			}
			continue
		case modePreface:
			n = s.prefaceBytes(b, at)
		case modeSync:
			n = s.syncBytes(b, at)
		case modeFrames:
			n = s.frames(b, at)
		}
		b = b[n:]
	}
}

// prefaceBytes matches the client preface.
func (s *side) prefaceBytes(b []byte, at uint64) int {
	if s.matched == 0 {
		s.bufAt = at
	}
	n := min(len(b), len(Preface)-s.matched)
	if string(b[:n]) != Preface[s.matched:s.matched+n] {
		// Not a preface: look for frames in what came.
		s.mode = modeSync
		s.buf = append(s.buf[:0], Preface[:s.matched]...)
		s.matched = 0
		return 0
	}
	s.matched += n
	if s.matched < len(Preface) {
		return n
	}
	s.matched = 0
	s.mode = modeFrames
	p := s.p
	p.preface = true
	p.setClient(s.dir)
	p.first = [2]uint32{2, 1}
	if p.cfg.Frames {
		m := s.frameMessage(s.bufAt, at, []byte(Preface))
		m.Body.Data = []byte("client connection preface")
		p.emit(m)
	}
	// The other direction, if it waits for frames, starts at one.
	if o := &p.side[s.dir.Other()]; o.mode == modeSync && o.began && o.junk.size == 0 {
		held := o.buf
		o.buf = nil
		o.mode = modeFrames
		o.frames(held, at)
	}
	return n
}

// syncBytes looks for frame boundaries: the first offset at which frames
// plausibly start.
func (s *side) syncBytes(b []byte, at uint64) int {
	p := s.p
	if s.began && p.preface {
		// The client preface was seen: this direction starts at a frame.
		held := append(s.buf, b...)
		s.buf = nil
		s.mode = modeFrames
		s.frames(held, at)
		return len(b)
	}
	if len(s.buf) == 0 {
		s.bufAt = at
		s.scan, s.cands = 0, s.cands[:0]
	}
	evStart := len(s.buf)
	s.buf = append(s.buf, b...)
	off := s.findFrames(evStart)
	if off < 0 {
		// Keep the bytes from the first candidate on.
		first := len(s.buf)
		if len(s.cands) > 0 {
			first = s.cands[0]
		}
		if len(s.buf)-first > p.bufLimit {
			first = len(s.buf)
			s.cands = s.cands[:0]
		}
		if first > 0 {
			s.skip(s.buf[:first], s.bufAt, at)
			n := copy(s.buf, s.buf[first:])
			s.buf = s.buf[:n]
			s.bufAt = at
			s.scan -= first
			for i := range s.cands {
				s.cands[i] -= first
			}
		}
		return len(b)
	}
	if off > 0 {
		s.skip(s.buf[:off], s.bufAt, at)
	}
	if s.junk.size > 0 || !s.began {
		p.stats.Resyncs++
	}
	rest := s.buf[off:]
	s.buf = nil
	s.mode = modeFrames
	s.endJunk()
	s.frames(rest, at)
	return len(b)
}

// maxCands bounds the offsets a direction keeps as possible frame starts
// while it waits for the bytes that will confirm or refute them.
const maxCands = 32

// findFrames looks for frame boundaries in s.buf, whose bytes from
// evStart on are new: the offsets that needed more bytes are tried again,
// then the new ones, each once. It returns the first offset at which
// frames are confirmed, or -1 (s.cands then holds the offsets still
// possible).
func (s *side) findFrames(evStart int) int {
	maxLen := max(s.maxFrame, maxSyncFrame)
	keep := s.cands[:0]
	found := -1
	for _, c := range s.cands {
		switch chainAt(s.buf[c:], maxLen, false) {
		case syncYes:
			if found < 0 {
				found = c
			}
		case syncMore:
			keep = append(keep, c)
		}
	}
	s.cands = keep
	if found >= 0 {
		return found
	}
	top := byte(maxLen >> 16)
	for off := s.scan; off < len(s.buf); off++ {
		if s.buf[off] > top {
			continue
		}
		switch chainAt(s.buf[off:], maxLen, off == evStart) {
		case syncYes:
			return off
		case syncMore:
			if len(s.buf)-off < frameHeaderLen {
				// Too short to judge: look again when more bytes come.
				s.scan = off
				return -1
			}
			if len(s.cands) < maxCands {
				s.cands = append(s.cands, off)
			}
		}
	}
	s.scan = len(s.buf)
	return -1
}

// skip counts bytes passed over while looking for frame boundaries.
func (s *side) skip(b []byte, start, at uint64) {
	if len(b) == 0 {
		return
	}
	j := &s.junk
	if j.size == 0 && j.gap == 0 {
		j.start = start
	}
	j.end = at
	j.size += int64(len(b))
	s.p.stats.Skipped += int64(len(b))
	if room := s.p.rawKeep - len(j.raw); room > 0 {
		j.raw = append(j.raw, b[:min(room, len(b))]...)
	}
	s.began = false
}

// endJunk emits the bytes skipped, if any, as one message.
func (s *side) endJunk() {
	j := &s.junk
	if j.size == 0 && j.gap == 0 {
		return
	}
	m := &message.Message{Proto: Name, Type: message.Data, Dir: s.dir, Start: j.start, End: j.end,
		Size: j.size, Raw: j.raw, RawCut: j.size - int64(len(j.raw)), Partial: true}
	if j.gap > 0 {
		m.AddNote(message.Gap, "%d bytes not captured", j.gap)
	}
	if j.size > 0 {
		m.AddNote(message.Gap, "%d bytes skipped: not at a frame boundary (the capture began, or resumed after a gap, inside a frame)", j.size)
		data := j.raw
		m.Body = &message.Body{Data: data, Size: j.size, DecodedSize: j.size, Cut: j.size - int64(len(data)),
			Binary: body.Binary("", data)}
	}
	*j = junk{}
	s.p.emit(m)
}

// frames takes bytes that start at a frame boundary, or continue the
// frame in s.buf or s.big.
func (s *side) frames(b []byte, at uint64) int {
	total := len(b)
	for len(b) > 0 {
		if s.bigOn {
			b = b[s.bigBytes(b, at):]
			continue
		}
		if len(s.buf) > 0 {
			if len(s.buf) < frameHeaderLen {
				n := min(frameHeaderLen-len(s.buf), len(b))
				s.buf = append(s.buf, b[:n]...)
				b = b[n:]
				if len(s.buf) < frameHeaderLen {
					break
				}
			}
			h := parseHdr(s.buf)
			size := frameHeaderLen + int(h.length)
			if size > s.p.bufLimit {
				held := s.buf
				s.buf = nil
				s.startBig(h, s.bufAt, true)
				s.bigBytes(held[frameHeaderLen:], at)
				continue
			}
			n := min(size-len(s.buf), len(b))
			s.buf = append(s.buf, b[:n]...)
			b = b[n:]
			if len(s.buf) == size {
				s.frame(h, s.buf, s.bufAt, at)
				s.buf = s.buf[:0]
				if cap(s.buf) > 64<<10 {
					s.buf = nil
				}
			}
			continue
		}
		if len(b) < frameHeaderLen {
			s.buf = append(s.buf, b...)
			s.bufAt = at
			break
		}
		h := parseHdr(b)
		size := frameHeaderLen + int(h.length)
		if size > s.p.bufLimit {
			s.startBig(h, at, true)
			b = b[frameHeaderLen:]
			continue
		}
		if len(b) < size {
			s.buf = append(s.buf, b...)
			s.bufAt = at
			break
		}
		s.frame(h, b[:size], at, at)
		b = b[size:]
	}
	return total
}

// startBig starts taking a frame too long to buffer as it comes: DATA
// feeds its stream; anything else is skipped, with a note.
func (s *side) startBig(h hdr, start uint64, long bool) {
	s.big, s.bigOn, s.bigLeft, s.bigAt = h, true, int(h.length), start
	s.bigPad, s.bigSeen, s.bigPart, s.bigTun = -1, 0, nil, nil
	s.count(h.typ)
	if s.p.cfg.Frames {
		var raw [frameHeaderLen]byte
		putHdr(raw[:], h)
		m := s.frameMessage(start, start, raw[:])
		m.Size = frameHeaderLen + int64(h.length)
		m.Body.Data = appendFrameHdr(nil, h)
		if long {
			m.AddNote(message.Info, "longer than the %d-byte buffer: taken as it came", s.p.bufLimit)
		} else {
			m.AddNote(message.Gap, "cut by a gap")
		}
		s.p.emit(m)
	}
	if h.typ == typeData {
		if st := s.p.tunnelOf(s, h.stream); st != nil {
			s.bigTun = st
			return
		}
		s.bigPart = s.p.dataPart(s, h.stream, start)
		if pt := s.bigPart; pt != nil {
			var raw [frameHeaderLen]byte
			putHdr(raw[:], h)
			s.p.keepRaw(pt, raw[:])
			pt.mm.m.Size += frameHeaderLen
		}
		return
	}
	text := fmt.Sprintf("%s frame of %d bytes skipped: longer than the %d-byte buffer", FrameName(h.typ), h.length, s.p.bufLimit)
	s.notes = append(s.notes, message.Note{Kind: message.Limit, Text: text})
	s.headerBlockLost(h, text, start)
}

// bigBytes takes bytes of the frame in s.big.
func (s *side) bigBytes(b []byte, at uint64) int {
	n := min(len(b), s.bigLeft)
	piece := b[:n]
	s.bigLeft -= n
	if pt := s.bigPart; pt != nil && pt.mm != nil {
		s.p.keepRaw(pt, piece)
		pt.mm.m.Size += int64(n)
		s.bigData(pt, piece)
	} else if st := s.bigTun; st != nil {
		data, badPad := s.bigPayload(piece)
		if badPad >= 0 {
			s.notes = append(s.notes, message.Note{Kind: message.Error,
				Text: fmt.Sprintf("DATA frame padding (%d) longer than the frame", badPad)})
		}
		s.p.toTunnel(s, st, data, s.bigAt, at)
	}
	if s.bigLeft == 0 {
		s.endBig(at)
	}
	return n
}

// bigData feeds the payload bytes of a DATA frame taken as it comes to
// its stream half, without the padding.
func (s *side) bigData(pt *part, piece []byte) {
	data, badPad := s.bigPayload(piece)
	if badPad >= 0 {
		pt.mm.m.AddNote(message.Error, "DATA frame padding (%d) longer than the frame", badPad)
	}
	s.p.bodyBytes(pt, data)
}

// bigPayload returns the payload bytes among piece, the next bytes of the
// DATA frame taken as it comes: its padding left out. badPad is a pad
// length longer than the frame, or -1.
func (s *side) bigPayload(piece []byte) (data []byte, badPad int) {
	badPad = -1
	if s.big.flags&flagPadded != 0 && s.bigSeen == 0 && len(piece) > 0 {
		s.bigPad = int(piece[0])
		s.bigSeen++
		piece = piece[1:]
		if s.bigPad >= int(s.big.length) {
			badPad = s.bigPad
			s.bigPad = int(s.big.length) - 1
		}
	}
	if s.bigPad < 0 {
		s.bigPad = 0
	}
	// Data ends bigPad bytes before the frame does.
	dataEnd := int(s.big.length) - s.bigPad
	if s.big.flags&flagPadded != 0 {
		dataEnd-- // the pad length byte was counted in bigSeen
	}
	pos := s.bigSeen
	if s.big.flags&flagPadded != 0 {
		pos-- // payload position, pad length byte excluded
	}
	if keep := dataEnd - pos; keep > 0 {
		data = piece[:min(keep, len(piece))]
	}
	s.bigSeen += len(piece)
	return data, badPad
}

// endBig ends the frame taken as it comes.
func (s *side) endBig(at uint64) {
	s.bigOn = false
	pt := s.bigPart
	s.bigPart = nil
	if pt != nil && pt.mm != nil && s.big.flags&flagEndStream != 0 {
		s.p.endPart(pt, at)
	}
	if st := s.bigTun; st != nil {
		s.bigTun = nil
		if s.big.flags&flagEndStream != 0 {
			s.p.tunnelHalfEnd(st, s.p.partFor(st, s.dir), at)
		}
	}
}

// frame handles one whole frame: fb is its bytes, header included, which
// began to arrive at start and ended at at.
func (s *side) frame(h hdr, fb []byte, start, at uint64) {
	p := s.p
	s.count(h.typ)
	if s.blk.on && (h.typ != typeContinuation || h.stream != s.blk.stream) {
		s.blockCut(fmt.Sprintf("%s frame inside a header block (expected CONTINUATION on stream %d)", FrameName(h.typ), s.blk.stream), at)
	}
	if s.fr == nil {
		s.fr = http2.NewFramer(nil, &s.src)
		s.fr.AllowIllegalReads = true
		s.fr.SetReuseFrames()
	}
	s.src.b = fb
	f, err := s.fr.ReadFrame()
	var fm *message.Message
	if p.cfg.Frames {
		fm = s.frameMessage(start, at, fb)
		fm.Body.Data = describe(fm.Body.Data[:0], h, f)
		if err != nil {
			fm.AddNote(message.Error, "%s", frameErr(s.fr, err))
		}
		p.emit(fm)
	}
	if err != nil {
		text := fmt.Sprintf("%s frame on stream %d: %s", FrameName(h.typ), h.stream, frameErr(s.fr, err))
		s.notes = append(s.notes, message.Note{Kind: message.Error, Text: text})
		s.headerBlockLost(h, text, start)
		return
	}
	switch f := f.(type) {
	case *http2.DataFrame:
		if p.tunnelFrame(s, h.stream, f.Data(), f.StreamEnded(), start, at) {
			return
		}
		pt := p.dataPart(s, h.stream, start)
		if pt == nil {
			return
		}
		p.keepRaw(pt, fb)
		pt.mm.m.Size += int64(len(fb))
		p.bodyBytes(pt, f.Data())
		if f.StreamEnded() {
			p.endPart(pt, at)
		}
	case *http2.HeadersFrame:
		s.blk.start(h.stream, false, 0, f.StreamEnded(), start)
		if f.HasPriority() {
			s.blk.priority = true
		}
		s.blockFrag(f.HeaderBlockFragment(), f.HeadersEnded(), fb, at)
	case *http2.PushPromiseFrame:
		s.blk.start(h.stream, true, f.PromiseID, false, start)
		s.blockFrag(f.HeaderBlockFragment(), f.HeadersEnded(), fb, at)
	case *http2.ContinuationFrame:
		if !s.blk.on {
			// The block's start was not seen (a mid-stream start, a
			// gap): its fields cannot be decoded, and the table misses
			// what they added.
			s.hpack().lose()
			s.notes = append(s.notes, message.Note{Kind: message.Gap,
				Text: fmt.Sprintf("CONTINUATION on stream %d whose HEADERS were not seen: its fields are lost", h.stream)})
			return
		}
		s.blockFrag(f.HeaderBlockFragment(), f.HeadersEnded(), fb, at)
	case *http2.RSTStreamFrame:
		p.stats.Resets++
		p.reset(s, h.stream, f.ErrCode, fb, start, at)
	case *http2.SettingsFrame:
		if f.IsAck() {
			return
		}
		o := &p.side[s.dir.Other()]
		f.ForeachSetting(func(st http2.Setting) error {
			switch st.ID {
			case http2.SettingHeaderTableSize:
				o.allowed = st.Val
				if o.hpOn {
					o.hp.setAllowed(st.Val)
				}
			case http2.SettingMaxFrameSize:
				o.maxFrame = st.Val
			}
			return nil
		})
	case *http2.GoAwayFrame:
		if f.ErrCode != http2.ErrCodeNo {
			s.notes = append(s.notes, message.Note{Kind: message.Info,
				Text: fmt.Sprintf("GOAWAY from the %s: %v, last stream %d", p.role(s.dir), f.ErrCode, f.LastStreamID)})
		}
	}
}

// frameErr describes an error of the Framer.
func frameErr(fr *http2.Framer, err error) string {
	if d := fr.ErrorDetail(); d != nil {
		return fmt.Sprintf("%v: %v", err, d)
	}
	return err.Error()
}

// count counts a frame of type t.
func (s *side) count(t uint8) {
	if int(t) < len(s.p.stats.Frames) {
		s.p.stats.Frames[t]++
	} else {
		s.p.stats.OtherFrames++
	}
}

// frameMessage returns a message.Frame message for a frame of bytes fb
// (its body is filled in by the caller).
func (s *side) frameMessage(start, at uint64, fb []byte) *message.Message {
	keep := min(len(fb), s.p.rawKeep)
	m := &message.Message{Proto: Name, Type: message.Frame, Dir: s.dir, Start: start, End: at,
		Size: int64(len(fb)), Raw: append([]byte(nil), fb[:keep]...), RawCut: int64(len(fb) - keep),
		Body: &message.Body{Data: make([]byte, 0, 64)}}
	return m
}

// hpack returns the direction's HPACK decoder, made at the first header
// block: partial unless the connection was seen from its start.
func (s *side) hpack() *hpackDecoder {
	if !s.hpOn {
		s.hpOn = true
		s.hp = newHPACKDecoder(s.p.lim.MaxHeaderBytes, !(s.began && s.p.preface))
		s.hp.setAllowed(s.allowed)
	}
	return &s.hp
}

// gap handles n bytes of the direction lost at time at.
func (s *side) gap(n int, at uint64) {
	text := fmt.Sprintf("%d bytes not captured", n)
	if s.mode == modeFrames && !s.bigOn && len(s.buf) >= frameHeaderLen {
		// Inside a frame whose header came: take the rest as it comes.
		h := parseHdr(s.buf)
		held := s.buf
		s.buf = nil
		s.startBigAfterGap(h, s.bufAt, held[frameHeaderLen:], at)
	}
	if s.mode == modeFrames && s.bigOn {
		k := min(n, s.bigLeft)
		s.bigLeft -= k
		n -= k
		if pt := s.bigPart; pt != nil && pt.mm != nil {
			pt.mm.m.Size += int64(k)
			s.bigGap(pt, k)
			pt.mm.m.AddNote(message.Gap, "%d bytes not captured", k)
			s.p.noRaw(pt)
		} else if st := s.bigTun; st != nil {
			if lost := s.bigLost(k); lost > 0 {
				s.p.tunnelGap(s, st, lost, at)
			}
		}
		if s.bigLeft == 0 {
			s.endBig(at)
		}
		if n == 0 {
			return
		}
		text = fmt.Sprintf("%d bytes not captured", n)
	}
	// Frame boundaries are lost: look for them again. A header block may
	// have been among the lost bytes, and DATA of any tunnel.
	s.p.tunnelsLost(s.dir, n, at)
	if s.blk.on {
		s.blockCut(text, at)
	}
	if s.hpOn {
		s.hp.lose()
	}
	if len(s.buf) > 0 {
		s.skip(s.buf, s.bufAt, at)
		s.buf = s.buf[:0]
	}
	s.matched = 0
	s.mode = modeSync
	if s.junk.size == 0 && s.junk.gap == 0 {
		s.junk.start = at
	}
	s.junk.end = at
	s.junk.gap += int64(n)
	s.began = false
}

// startBigAfterGap turns a buffered frame that a gap cuts into one taken
// as it comes, fed what was buffered.
func (s *side) startBigAfterGap(h hdr, start uint64, payload []byte, at uint64) {
	if h.typ != typeData {
		// The frame is lost: skip its rest.
		text := fmt.Sprintf("%s frame on stream %d cut by a gap", FrameName(h.typ), h.stream)
		s.notes = append(s.notes, message.Note{Kind: message.Gap, Text: text})
		s.headerBlockLost(h, text, start)
		s.count(h.typ)
		s.big, s.bigOn, s.bigLeft, s.bigAt, s.bigPart, s.bigTun = h, true, int(h.length)-len(payload), start, nil, nil
		return
	}
	s.startBig(h, start, false)
	s.bigBytes(payload, at)
}

// bigGap records k payload bytes of a DATA frame taken as it comes as
// lost.
func (s *side) bigGap(pt *part, k int) {
	if k = s.bigLost(k); k > 0 {
		s.p.bodyGap(pt, k)
	}
}

// bigLost records k bytes of the DATA frame taken as it comes as lost and
// returns how many of them count as payload.
func (s *side) bigLost(k int) int {
	if s.big.flags&flagPadded != 0 && s.bigSeen == 0 {
		// The pad length was lost: count everything as data.
		s.bigSeen++
		k--
		s.bigPad = 0
	}
	if k <= 0 {
		return 0
	}
	s.bigSeen += k
	return k
}

// flush ends the direction: a header block in progress, a frame taken as
// it comes, bytes skipped.
func (s *side) flush(why protocol.End) {
	if s.blk.on {
		s.blockCut("the connection ended inside a header block", s.blk.at)
	}
	if s.bigOn {
		s.bigOn = false
		if pt := s.bigPart; pt != nil && pt.mm != nil {
			pt.mm.m.AddNote(message.Gap, "the connection ended %d bytes before the end of a DATA frame", s.bigLeft)
		}
		s.bigPart, s.bigTun = nil, nil
	}
	if len(s.buf) > 0 && s.mode != modeFrames {
		s.skip(s.buf, s.bufAt, s.bufAt)
	} else if len(s.buf) > 0 {
		s.notes = append(s.notes, message.Note{Kind: message.Gap,
			Text: fmt.Sprintf("the connection ended inside a frame (%d bytes of it seen)", len(s.buf))})
		s.skip(s.buf, s.bufAt, s.bufAt)
	}
	s.buf = nil
	s.endJunk()
}
