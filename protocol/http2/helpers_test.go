package http2

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/source/eventfile"
)

// chunk is bytes one direction sent, as one event.
type chunk struct {
	dir  event.Dir
	data []byte
	gap  int // bytes lost after data
}

// conv builds the two byte streams of a connection with x/net's Framer
// and hpack Encoder, the client writing direction Out.
type conv struct {
	t      testing.TB
	chunks []chunk
	buf    [2]bytes.Buffer
	fr     [2]*http2.Framer
	henc   [2]*hpack.Encoder
	hbuf   [2]bytes.Buffer
}

func newConv(t testing.TB) *conv {
	c := &conv{t: t}
	for d := range 2 {
		c.fr[d] = http2.NewFramer(&c.buf[d], nil)
		c.fr[d].AllowIllegalWrites = true
		c.henc[d] = hpack.NewEncoder(&c.hbuf[d])
	}
	return c
}

// flush ends the current event of direction d.
func (c *conv) flush(d event.Dir) *conv {
	if c.buf[d].Len() > 0 {
		c.chunks = append(c.chunks, chunk{dir: d, data: bytes.Clone(c.buf[d].Bytes())})
		c.buf[d].Reset()
	}
	return c
}

// raw appends bytes to direction d.
func (c *conv) raw(d event.Dir, b []byte) *conv {
	c.buf[d].Write(b)
	return c
}

func (c *conv) preface() *conv {
	c.raw(event.Out, []byte(Preface))
	c.fr[event.Out].WriteSettings(http2.Setting{ID: http2.SettingEnablePush, Val: 0})
	c.flush(event.Out)
	c.fr[event.In].WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 100})
	c.fr[event.In].WriteSettingsAck()
	c.flush(event.In)
	c.fr[event.Out].WriteSettingsAck()
	return c.flush(event.Out)
}

// block encodes fields (name, value pairs) with direction d's encoder.
func (c *conv) block(d event.Dir, kv ...string) []byte {
	c.hbuf[d].Reset()
	for i := 0; i+1 < len(kv); i += 2 {
		c.henc[d].WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return bytes.Clone(c.hbuf[d].Bytes())
}

func (c *conv) headers(d event.Dir, stream uint32, end bool, kv ...string) *conv {
	c.fr[d].WriteHeaders(http2.HeadersFrameParam{StreamID: stream, BlockFragment: c.block(d, kv...),
		EndStream: end, EndHeaders: true})
	return c.flush(d)
}

func (c *conv) data(d event.Dir, stream uint32, end bool, p string) *conv {
	c.fr[d].WriteData(stream, end, []byte(p))
	return c.flush(d)
}

// feed runs the chunks through a new parser and returns its messages.
func feed(t testing.TB, cfg protocol.Config, chunks []chunk) ([]*message.Message, *Parser) {
	t.Helper()
	p := New(cfg)
	var out []*message.Message
	emit := func(m *message.Message) { out = append(out, m) }
	at := uint64(1000)
	for _, ch := range chunks {
		at += 1000
		if len(ch.data) > 0 {
			if err := p.Feed(ch.dir, ch.data, at, emit); err != nil {
				t.Fatalf("Feed: %v", err)
			}
		}
		if ch.gap > 0 {
			p.Gap(ch.dir, ch.gap, at, emit)
		}
	}
	p.Flush(protocol.Closed, emit)
	return out, p
}

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the seed corpus under testdata/fuzz")

// decodeEvents returns the data events of an event file's bytes.
func decodeEvents(tb testing.TB, b []byte) []chunk {
	tb.Helper()
	r := eventfile.NewReader(bytes.NewReader(b), "events", nil)
	var out []chunk
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		if e.Kind == event.Data {
			out = append(out, chunk{dir: e.Dir, data: bytes.Clone(e.Data)})
		}
	}
}
