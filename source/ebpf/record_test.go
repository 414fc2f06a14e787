package ebpf

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapir-dev/tapir/event"
)

// rec builds a ring buffer record as bpf/tapir.c writes it.
type rec struct {
	ts             uint64
	ssl            uint64
	pid, tid       uint32
	fd             int32
	origLen        uint32
	lost           [2]uint32
	family         uint16
	sport, dport   uint16
	kind, dir      uint8
	saddr, daddr   [16]byte
	comm           string
	data           string
	lenOverride    uint32 // when set, the len field says this instead
	truncateHeader bool
}

func (r rec) bytes() []byte {
	b := make([]byte, headerSize+len(r.data))
	le := binary.LittleEndian
	le.PutUint64(b[offTS:], r.ts)
	le.PutUint64(b[offSSL:], r.ssl)
	le.PutUint32(b[offPID:], r.pid)
	le.PutUint32(b[offTID:], r.tid)
	le.PutUint32(b[offFD:], uint32(r.fd))
	n := uint32(len(r.data))
	if r.lenOverride != 0 {
		n = r.lenOverride
	}
	le.PutUint32(b[offLen:], n)
	le.PutUint32(b[offOrigLen:], r.origLen)
	le.PutUint32(b[offLost:], r.lost[0])
	le.PutUint32(b[offLost+4:], r.lost[1])
	le.PutUint16(b[offFamily:], r.family)
	le.PutUint16(b[offSport:], r.sport)
	le.PutUint16(b[offDport:], r.dport)
	b[offKind], b[offDir] = r.kind, r.dir
	copy(b[offSaddr:], r.saddr[:])
	copy(b[offDaddr:], r.daddr[:])
	copy(b[offComm:offComm+16], r.comm)
	copy(b[headerSize:], r.data)
	if r.truncateHeader {
		return b[:headerSize-1]
	}
	return b
}

func v4(a, b, c, d byte) (r [16]byte) {
	r[0], r[1], r[2], r[3] = a, b, c, d
	return r
}

func v6(s string) [16]byte { return netip.MustParseAddr(s).As16() }

func TestDecode(t *testing.T) {
	const offset = 1_700_000_000_000_000_000
	ap := netip.MustParseAddrPort
	tests := []struct {
		name    string
		rec     rec
		want    []event.Event
		wantErr bool
	}{
		{
			name: "ipv4 data out",
			rec: rec{ts: 5, ssl: 0xabc, pid: 42, tid: 43, fd: 5, family: afInet, sport: 50514, dport: 8443,
				kind: kindData, dir: 0, saddr: v4(127, 0, 0, 1), daddr: v4(127, 0, 0, 2), comm: "curl", data: "GET / HTTP/1.1\r\n\r\n"},
			want: []event.Event{{Kind: event.Data, Time: offset + 5, PID: 42, TID: 43, FD: 5, Comm: "curl", Lib: "openssl",
				Dir: event.Out, Src: ap("127.0.0.1:50514"), Dst: ap("127.0.0.2:8443"), Data: []byte("GET / HTTP/1.1\r\n\r\n")}},
		},
		{
			name: "ipv6 and v4-mapped data in, cut",
			rec: rec{ts: 6, pid: 1, tid: 1, fd: 3, family: afInet6, sport: 443, dport: 40000, kind: kindData, dir: 1,
				saddr: v6("::1"), daddr: v6("::ffff:10.0.0.1"), comm: "python3", data: "abc", origLen: 10},
			want: []event.Event{{Kind: event.Data, Time: offset + 6, PID: 1, TID: 1, FD: 3, Comm: "python3", Lib: "openssl",
				Dir: event.In, Src: ap("[::1]:443"), Dst: ap("10.0.0.1:40000"), Data: []byte("abc"), OrigLen: 10}},
		},
		{
			name: "unknown fd names the connection by its SSL object",
			rec:  rec{ts: 7, ssl: 0xff, pid: 9, tid: 10, fd: -1, kind: kindData, dir: 1, comm: "x", data: "hi"},
			want: []event.Event{{Kind: event.Data, Time: offset + 7, PID: 9, TID: 10, FD: -1, Conn: "openssl:9:0xff",
				Comm: "x", Lib: "openssl", Dir: event.In, Data: []byte("hi")}},
		},
		{
			name: "losses before a close come first, as gaps",
			rec:  rec{ts: 8, pid: 2, tid: 2, fd: 4, kind: kindClose, lost: [2]uint32{100, 200}, comm: "a-very-long-name-cut"},
			want: []event.Event{
				{Kind: event.Data, Time: offset + 8, PID: 2, TID: 2, FD: 4, Comm: "a-very-long-nam", Lib: "openssl", Dir: event.Out, OrigLen: 100},
				{Kind: event.Data, Time: offset + 8, PID: 2, TID: 2, FD: 4, Comm: "a-very-long-nam", Lib: "openssl", Dir: event.In, OrigLen: 200},
				{Kind: event.Close, Time: offset + 8, PID: 2, TID: 2, FD: 4, Comm: "a-very-long-nam", Lib: "openssl"},
			},
		},
		{
			name: "unix socket: no addresses",
			rec:  rec{pid: 3, tid: 3, fd: 7, family: 1, kind: kindData, data: "x"},
			want: []event.Event{{Kind: event.Data, Time: offset, PID: 3, TID: 3, FD: 7, Lib: "openssl", Data: []byte("x")}},
		},
		{name: "short header", rec: rec{kind: kindData, truncateHeader: true}, wantErr: true},
		{name: "len past the record", rec: rec{kind: kindData, data: "ab", lenOverride: 3}, wantErr: true},
		{name: "unknown kind", rec: rec{kind: 9}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDecoder(offset)
			err := d.decode(tt.rec.bytes())
			if (err != nil) != tt.wantErr {
				t.Fatalf("decode: err %v; want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, d.queue, cmpopts.EquateComparable(netip.AddrPort{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeCloseForgetsName(t *testing.T) {
	d := newDecoder(0)
	for _, kind := range []uint8{kindData, kindClose} {
		if err := d.decode(rec{ssl: 1, pid: 1, fd: -1, kind: kind}.bytes()); err != nil {
			t.Fatal(err)
		}
	}
	if len(d.names) != 0 {
		t.Errorf("names after close: %v; want none", d.names)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(rec{pid: 1, fd: 3, family: afInet, kind: kindData, data: "GET / HTTP/1.1\r\n"}.bytes())
	f.Add(rec{pid: 1, fd: -1, family: afInet6, kind: kindClose, lost: [2]uint32{1, 2}}.bytes())
	f.Add([]byte("short"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := newDecoder(0)
		if err := d.decode(b); err != nil {
			return
		}
		for _, e := range d.queue {
			if len(e.Data) > len(b) {
				t.Fatalf("data of %d bytes from a %d-byte record", len(e.Data), len(b))
			}
		}
	})
}
