package websocket

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// deflateTail is what a permessage-deflate sender strips from the end of
// each message (RFC 7692, section 7.2.1): an empty stored block, which the
// receiver appends again before inflating.
const deflateTail = "\x00\x00\xff\xff"

// errLimit stops inflation at the decompressed-size limit.
var errLimit = errors.New("decompressed size limit")

// readers are flate readers shared by every connection: each message is
// inflated in one call, with the history handed in as a dictionary, so a
// reader holds nothing of a connection between messages.
var readers = sync.Pool{New: func() any {
	r := &reader{}
	r.fr = flate.NewReader(&r.src)
	return r
}}

type reader struct {
	src bytes.Reader
	fr  io.ReadCloser
}

// inflater is the receiving end of one direction's permessage-deflate:
// the sliding window (the last bytes that direction's messages inflated
// to), which with context takeover the next message may refer to.
type inflater struct {
	// win holds the history; its last wsize bytes (or all, when shorter)
	// are the window.
	win   []byte
	wsize int
	// full is set when win holds all the history a message may refer to:
	// the direction was followed from its first message, or win has a
	// whole window of bytes known to be right since.
	full bool
	// lost says why the history is not full: the capture began after the
	// first messages, or a message could not be inflated.
	lost string
	// noContext is set when each message is compressed on its own.
	noContext bool
}

// setup sizes the window and says whether the history is known.
func (f *inflater) setup(noContext bool, bits int, full bool, lost string) {
	f.noContext = noContext
	f.wsize = 1 << max(bits, 9) // zlib never uses a window under 512 bytes
	f.full = full || noContext
	f.lost = lost
}

// forget drops the history: what comes next may not be inflated when it
// refers to what went before.
func (f *inflater) forget(why string) {
	f.win = f.win[:0]
	if !f.noContext {
		f.full = false
		f.lost = why
	}
}

// dict returns the window.
func (f *inflater) dict() []byte {
	if f.noContext {
		return nil
	}
	if len(f.win) > f.wsize {
		return f.win[len(f.win)-f.wsize:]
	}
	return f.win
}

// push adds inflated bytes to the history.
func (f *inflater) push(p []byte) {
	if f.noContext || len(p) == 0 {
		return
	}
	if cap(f.win) < 2*f.wsize {
		w := make([]byte, len(f.win), 2*f.wsize)
		copy(w, f.win)
		f.win = w
	}
	if len(p) >= f.wsize {
		f.win = append(f.win[:0], p[len(p)-f.wsize:]...)
	} else {
		if len(f.win)+len(p) > cap(f.win) {
			n := copy(f.win, f.win[len(f.win)-(f.wsize-len(p)):])
			f.win = f.win[:n]
		}
		f.win = append(f.win, p...)
	}
	if len(f.win) >= f.wsize {
		f.full = true
	}
}

// sink receives a message's inflated bytes: it keeps the first keep of
// them for display, feeds the history and stops at limit.
type sink struct {
	f     *inflater
	out   []byte
	keep  int
	total int64
	limit int64
}

func (s *sink) Write(p []byte) (int, error) {
	stop := false
	if room := s.limit - s.total; int64(len(p)) > room {
		p, stop = p[:room], true
	}
	s.total += int64(len(p))
	if room := s.keep - len(s.out); room > 0 {
		s.out = append(s.out, p[:min(room, len(p))]...)
	}
	s.f.push(p)
	if stop {
		return len(p), errLimit
	}
	return len(p), nil
}

// inflateResult is what inflating one message gave.
type inflateResult struct {
	out   []byte // the first keep bytes
	total int64  // bytes inflated
	cut   bool   // stopped at the limit
	// note says why the data could not be inflated, "" when it was;
	// missing is set when the likely reason is history that was not
	// captured rather than bad data.
	note    string
	missing bool
}

// inflate inflates one message's payload, comp, keeping at most keep
// bytes of the output and stopping after limit. It appends the 4-byte
// tail to comp, and updates the history.
func (f *inflater) inflate(comp []byte, keep int, limit int64) inflateResult {
	comp = append(comp, deflateTail...)
	full, lost := f.full, f.lost
	r := readers.Get().(*reader)
	defer readers.Put(r)
	r.src.Reset(comp)
	if err := r.fr.(flate.Resetter).Reset(&r.src, f.dict()); err != nil {
		return inflateResult{note: "not inflated: " + err.Error()}
	}
	s := sink{f: f, keep: keep, limit: limit}
	if keep > 0 {
		s.out = make([]byte, 0, min(keep, 4*len(comp)+64))
	}
	_, err := r.fr.(io.WriterTo).WriteTo(&s)
	res := inflateResult{out: s.out, total: s.total}
	switch {
	case err == nil, err == io.ErrUnexpectedEOF && r.src.Len() == 0:
		if f.noContext {
			f.win = f.win[:0]
		}
	case errors.Is(err, errLimit):
		res.cut = true
		f.forget("an earlier message went past the decompressed-size limit")
	default:
		if !full {
			res.missing = true
			res.note = fmt.Sprintf("not inflated: it refers to earlier messages' data, which is not known (%s): %v", lost, err)
		} else {
			res.note = fmt.Sprintf("not inflated: %v", err)
		}
		f.forget("an earlier message could not be inflated")
	}
	return res
}
