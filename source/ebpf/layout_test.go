//go:build amd64

package ebpf

import (
	"testing"
	"unsafe"
)

// TestRecordLayout checks record.go's offsets against the type bpf2go
// generated from the BPF program's struct record.
func TestRecordLayout(t *testing.T) {
	var r tapirRecord
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"ts", unsafe.Offsetof(r.Ts), offTS},
		{"ssl", unsafe.Offsetof(r.Ssl), offSSL},
		{"pid", unsafe.Offsetof(r.Pid), offPID},
		{"tid", unsafe.Offsetof(r.Tid), offTID},
		{"fd", unsafe.Offsetof(r.Fd), offFD},
		{"len", unsafe.Offsetof(r.Len), offLen},
		{"orig_len", unsafe.Offsetof(r.OrigLen), offOrigLen},
		{"lost", unsafe.Offsetof(r.Lost), offLost},
		{"family", unsafe.Offsetof(r.Family), offFamily},
		{"sport", unsafe.Offsetof(r.Sport), offSport},
		{"dport", unsafe.Offsetof(r.Dport), offDport},
		{"kind", unsafe.Offsetof(r.Kind), offKind},
		{"dir", unsafe.Offsetof(r.Dir), offDir},
		{"saddr", unsafe.Offsetof(r.Saddr), offSaddr},
		{"daddr", unsafe.Offsetof(r.Daddr), offDaddr},
		{"comm", unsafe.Offsetof(r.Comm), offComm},
		{"data", unsafe.Offsetof(r.Data), headerSize},
		{"chunk", unsafe.Sizeof(r.Data), Chunk},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: at %d in the generated type; record.go says %d", tt.name, tt.got, tt.want)
		}
	}
}
