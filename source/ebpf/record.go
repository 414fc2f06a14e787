package ebpf

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"

	"github.com/tapir-dev/tapir/event"
)

// The layout of a ring buffer record, struct record in bpf/tapir.c
// (little-endian). TestRecordLayout checks it against the generated type.
const (
	offTS      = 0
	offSSL     = 8
	offPID     = 16
	offTID     = 20
	offFD      = 24
	offLen     = 28
	offOrigLen = 32
	offLost    = 36 // two uint32, by direction
	offFamily  = 44
	offSport   = 46
	offDport   = 48
	offKind    = 50
	offDir     = 51
	offSaddr   = 52
	offDaddr   = 68
	offComm    = 84
	headerSize = 100

	kindData  = 1
	kindClose = 2

	afInet  = 2
	afInet6 = 10
)

// errShort reports a record shorter than its header says.
var errShort = errors.New("ebpf: short record")

// maxNames bounds the decoder's caches of command names and connection
// names; past it they are emptied.
const maxNames = 1 << 16

// decoder turns ring buffer records into events. It is not safe for
// concurrent use.
type decoder struct {
	// offset converts the kernel's monotonic clock to Unix time (ns).
	offset int64
	comms  map[[16]byte]string
	names  map[connKey]string
	// queue holds the events of the last record: gap markers first.
	queue []event.Event
}

type connKey struct {
	pid uint32
	ssl uint64
}

func newDecoder(offset int64) *decoder {
	return &decoder{offset: offset, comms: make(map[[16]byte]string), names: make(map[connKey]string)}
}

// decode appends to d.queue the events of one record: a gap marker for
// each direction that lost bytes before it, then the record's own event.
// The events' Data alias rec.
func (d *decoder) decode(rec []byte) error {
	if len(rec) < headerSize {
		return errShort
	}
	le := binary.LittleEndian
	n := le.Uint32(rec[offLen:])
	if uint64(n) > uint64(len(rec)-headerSize) {
		return errShort
	}
	kind := rec[offKind]
	if kind != kindData && kind != kindClose {
		return errors.New("ebpf: unknown record kind " + strconv.Itoa(int(kind)))
	}
	ev := event.Event{
		Time: uint64(int64(le.Uint64(rec[offTS:])) + d.offset),
		PID:  le.Uint32(rec[offPID:]),
		TID:  le.Uint32(rec[offTID:]),
		FD:   int32(le.Uint32(rec[offFD:])),
		Lib:  "openssl",
		Comm: d.comm(rec[offComm : offComm+16]),
	}
	key := connKey{pid: ev.PID, ssl: le.Uint64(rec[offSSL:])}
	if ev.FD < 0 {
		// No socket system call was seen in this SSL object's calls (a
		// memory BIO, or a read served from OpenSSL's buffer): name the
		// connection by the SSL object so connections stay apart.
		ev.Conn = d.name(key)
	}
	ev.Src, ev.Dst = addrs(rec)
	for dir := range 2 {
		if lost := le.Uint32(rec[offLost+4*dir:]); lost > 0 {
			g := ev
			g.Kind, g.Dir, g.OrigLen = event.Data, event.Dir(dir), lost
			d.queue = append(d.queue, g)
		}
	}
	if kind == kindClose {
		ev.Kind = event.Close
		if ev.Conn != "" {
			delete(d.names, key)
		}
	} else {
		ev.Kind = event.Data
		ev.Dir = event.Dir(rec[offDir] & 1)
		ev.Data = rec[headerSize : headerSize+int(n)]
		ev.OrigLen = le.Uint32(rec[offOrigLen:])
	}
	d.queue = append(d.queue, ev)
	return nil
}

func (d *decoder) comm(b []byte) string {
	var k [16]byte
	copy(k[:], b)
	if s, ok := d.comms[k]; ok {
		return s
	}
	n := 0
	for n < 15 && k[n] != 0 {
		n++
	}
	s := string(k[:n])
	if len(d.comms) >= maxNames {
		clear(d.comms)
	}
	d.comms[k] = s
	return s
}

func (d *decoder) name(k connKey) string {
	if s, ok := d.names[k]; ok {
		return s
	}
	s := "openssl:" + strconv.FormatUint(uint64(k.pid), 10) + ":0x" + strconv.FormatUint(k.ssl, 16)
	if len(d.names) >= maxNames {
		clear(d.names)
	}
	d.names[k] = s
	return s
}

// addrs returns this process's end and the peer's, or zero AddrPorts when
// the connection's socket was not seen (or is not TCP/IP).
func addrs(rec []byte) (src, dst netip.AddrPort) {
	le := binary.LittleEndian
	sport, dport := le.Uint16(rec[offSport:]), le.Uint16(rec[offDport:])
	switch le.Uint16(rec[offFamily:]) {
	case afInet:
		s := netip.AddrFrom4([4]byte(rec[offSaddr : offSaddr+4]))
		d := netip.AddrFrom4([4]byte(rec[offDaddr : offDaddr+4]))
		return netip.AddrPortFrom(s, sport), netip.AddrPortFrom(d, dport)
	case afInet6:
		s := netip.AddrFrom16([16]byte(rec[offSaddr : offSaddr+16])).Unmap()
		d := netip.AddrFrom16([16]byte(rec[offDaddr : offDaddr+16])).Unmap()
		return netip.AddrPortFrom(s, sport), netip.AddrPortFrom(d, dport)
	}
	return netip.AddrPort{}, netip.AddrPort{}
}
