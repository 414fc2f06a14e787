package jsonl_test

import (
	"testing"

	"github.com/tapir-dev/tapir/output/internal/outputtest"
	"github.com/tapir-dev/tapir/output/jsonl"
)

func BenchmarkJSON(b *testing.B) {
	for _, bm := range outputtest.BenchMessages() {
		b.Run(bm.Name, func(b *testing.B) {
			f := jsonl.New(jsonl.Options{})
			buf := f.Append(nil, &bm.Msg)
			b.SetBytes(bm.Msg.Size)
			b.ReportAllocs()
			for b.Loop() {
				buf = f.Append(buf[:0], &bm.Msg)
			}
		})
	}
}
