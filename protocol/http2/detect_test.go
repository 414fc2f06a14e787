package http2

import (
	"bytes"
	"testing"

	"golang.org/x/net/http2"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/protocol"
)

// frames returns the bytes of frames written by f.
func frames(f func(fr *http2.Framer)) []byte {
	var b bytes.Buffer
	fr := http2.NewFramer(&b, nil)
	f(fr)
	return b.Bytes()
}

func TestDetect(t *testing.T) {
	settings := frames(func(fr *http2.Framer) {
		fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 100})
	})
	twoFrames := frames(func(fr *http2.Framer) {
		fr.WriteWindowUpdate(0, 1000)
		fr.WriteData(1, false, []byte("tail"))
	})
	data := frames(func(fr *http2.Framer) { fr.WriteData(3, false, bytes.Repeat([]byte("x"), 100)) })
	// A capture that begins inside a DATA frame: its last bytes, then
	// two frames.
	midFrame := append([]byte("rest of a body that began earlier\n"), twoFrames...)
	tests := []struct {
		name    string
		out, in []byte
		want    protocol.Verdict
	}{
		{"preface", []byte(Preface), nil, protocol.Yes},
		{"preface and settings", append([]byte(Preface), settings...), nil, protocol.Yes},
		{"preface prefix", []byte("PRI * HTTP/2"), nil, protocol.NeedMore},
		{"server settings first", nil, settings, protocol.Yes},
		{"two frames", twoFrames, nil, protocol.Yes},
		{"one frame, one event", data, nil, protocol.Yes},
		{"half a frame header", twoFrames[:5], nil, protocol.NeedMore},
		{"mid-frame start", midFrame, nil, protocol.Yes},
		{"mid-frame tail, no frame yet", []byte("rest of a body"), nil, protocol.NeedMore},
		{"mid-frame tail, peer spoke", []byte("rest of a body"), []byte("and more text"), protocol.No},
		{"http1 request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), nil, protocol.No},
		{"http1 request, binary body", append([]byte("POST /u HTTP/1.1\r\nContent-Length: 40\r\n\r\n"), twoFrames...), nil, protocol.No},
		{"http1 response", nil, []byte("HTTP/1.1 200 OK\r\n"), protocol.No},
		{"PUT is not the preface", []byte("PUT /x HTTP/1.1\r\n"), nil, protocol.No},
		{"tls record", []byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03}, []byte("x"), protocol.No},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := protocol.Sample{Out: tt.out, In: tt.in, First: event.Out}
			if tt.out == nil {
				s.First = event.In
			}
			if got := Detect(s); got != tt.want {
				t.Errorf("Detect = %v; want %v", got, tt.want)
			}
		})
	}
}

// TestDetectRandom: random bytes are not taken for HTTP/2.
func TestDetectRandom(t *testing.T) {
	b := make([]byte, 64<<10)
	x := uint32(12345)
	yes := 0
	for trial := range 200 {
		for i := range b {
			x = x*1664525 + 1013904223
			b[i] = byte(x >> 24)
		}
		n := 256 + trial*300
		if Detect(protocol.Sample{Out: b[:n], In: []byte{1}, First: event.Out}) == protocol.Yes {
			yes++
		}
	}
	if yes > 2 {
		t.Errorf("%d of 200 random samples taken for HTTP/2", yes)
	}
}
