package http2

import (
	"encoding/hex"
	"strconv"

	"golang.org/x/net/http2"
)

// putHdr writes the 9 bytes of h to dst.
func putHdr(dst []byte, h hdr) {
	_ = dst[8]
	dst[0], dst[1], dst[2] = byte(h.length>>16), byte(h.length>>8), byte(h.length)
	dst[3], dst[4] = h.typ, h.flags
	id := h.stream
	if h.rbit {
		id |= 1 << 31
	}
	dst[5], dst[6], dst[7], dst[8] = byte(id>>24), byte(id>>16), byte(id>>8), byte(id)
}

// appendFrameHdr appends "TYPE stream=N length=L flags=A|B".
func appendFrameHdr(dst []byte, h hdr) []byte {
	if h.typ < 10 || h.typ == typePriorityUpdate {
		dst = append(dst, http2.FrameType(h.typ).String()...)
	} else {
		dst = append(dst, "UNKNOWN type=0x"...)
		dst = strconv.AppendUint(dst, uint64(h.typ), 16)
	}
	if h.stream != 0 {
		dst = append(dst, " stream="...)
		dst = strconv.AppendUint(dst, uint64(h.stream), 10)
	}
	dst = append(dst, " length="...)
	dst = strconv.AppendUint(dst, uint64(h.length), 10)
	if h.flags != 0 {
		dst = append(dst, " flags="...)
		first := true
		for bit := uint8(1); bit != 0; bit <<= 1 {
			if h.flags&bit == 0 {
				continue
			}
			if !first {
				dst = append(dst, '|')
			}
			first = false
			if s := flagName(h.typ, bit); s != "" {
				dst = append(dst, s...)
			} else {
				dst = append(dst, "0x"...)
				dst = strconv.AppendUint(dst, uint64(bit), 16)
			}
		}
	}
	return dst
}

// flagName names flag bit of frame type t, or returns "".
func flagName(t, bit uint8) string {
	switch {
	case bit == flagEndStream && (t == typeData || t == typeHeaders):
		return "END_STREAM"
	case bit == flagAck && (t == typeSettings || t == typePing):
		return "ACK"
	case bit == flagEndHeaders && (t == typeHeaders || t == typePushPromise || t == typeContinuation):
		return "END_HEADERS"
	case bit == flagPadded && (t == typeData || t == typeHeaders || t == typePushPromise):
		return "PADDED"
	case bit == flagPriority && t == typeHeaders:
		return "PRIORITY"
	}
	return ""
}

// describe appends a one-line description of a frame: its header, then
// what its payload says. f is nil when the frame could not be parsed.
func describe(dst []byte, h hdr, f http2.Frame) []byte {
	dst = appendFrameHdr(dst, h)
	switch f := f.(type) {
	case *http2.DataFrame:
		if n := len(f.Data()); n != int(h.length) {
			dst = append(dst, " data="...)
			dst = strconv.AppendInt(dst, int64(n), 10)
		}
	case *http2.HeadersFrame:
		if f.HasPriority() {
			dst = appendPriority(dst, f.Priority)
		}
		dst = append(dst, " block="...)
		dst = strconv.AppendInt(dst, int64(len(f.HeaderBlockFragment())), 10)
	case *http2.PriorityFrame:
		dst = appendPriority(dst, f.PriorityParam)
	case *http2.RSTStreamFrame:
		dst = append(dst, " error="...)
		dst = append(dst, f.ErrCode.String()...)
	case *http2.SettingsFrame:
		f.ForeachSetting(func(s http2.Setting) error {
			dst = append(dst, ' ')
			dst = append(dst, s.ID.String()...)
			dst = append(dst, '=')
			dst = strconv.AppendUint(dst, uint64(s.Val), 10)
			return nil
		})
	case *http2.PushPromiseFrame:
		dst = append(dst, " promised="...)
		dst = strconv.AppendUint(dst, uint64(f.PromiseID), 10)
		dst = append(dst, " block="...)
		dst = strconv.AppendInt(dst, int64(len(f.HeaderBlockFragment())), 10)
	case *http2.PingFrame:
		dst = append(dst, " data="...)
		dst = hex.AppendEncode(dst, f.Data[:])
	case *http2.GoAwayFrame:
		dst = append(dst, " last_stream="...)
		dst = strconv.AppendUint(dst, uint64(f.LastStreamID), 10)
		dst = append(dst, " error="...)
		dst = append(dst, f.ErrCode.String()...)
		if d := f.DebugData(); len(d) > 0 {
			dst = append(dst, " debug="...)
			dst = strconv.AppendQuote(dst, string(d[:min(len(d), 256)]))
		}
	case *http2.WindowUpdateFrame:
		dst = append(dst, " increment="...)
		dst = strconv.AppendUint(dst, uint64(f.Increment), 10)
	case *http2.ContinuationFrame:
		dst = append(dst, " block="...)
		dst = strconv.AppendInt(dst, int64(len(f.HeaderBlockFragment())), 10)
	}
	return dst
}

func appendPriority(dst []byte, p http2.PriorityParam) []byte {
	dst = append(dst, " depends_on="...)
	dst = strconv.AppendUint(dst, uint64(p.StreamDep), 10)
	dst = append(dst, " weight="...)
	dst = strconv.AppendUint(dst, uint64(p.Weight)+1, 10)
	if p.Exclusive {
		dst = append(dst, " exclusive"...)
	}
	return dst
}
