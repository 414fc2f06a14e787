package pb_test

import (
	"bytes"
	"testing"

	"github.com/tapir-dev/tapir/output/pb"
)

func BenchmarkAppend(b *testing.B) {
	fx := fixtures()
	f := pb.New(pb.Options{})
	var buf []byte
	n := 0
	for i := range fx {
		n += len(f.Append(nil, &fx[i].msg))
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for i := range fx {
			buf = f.Append(buf[:0], &fx[i].msg)
		}
	}
}

func BenchmarkReader(b *testing.B) {
	fx := fixtures()
	f := pb.New(pb.Options{})
	var stream []byte
	for i := range fx {
		stream = f.Append(stream, &fx[i].msg)
	}
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	var e pb.LogEntry
	for b.Loop() {
		r := pb.NewReader(bytes.NewReader(stream))
		for r.NextInto(&e) == nil {
		}
	}
}
