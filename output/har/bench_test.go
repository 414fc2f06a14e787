package har_test

import (
	"testing"

	"github.com/tapir-dev/tapir/output/har"
)

func BenchmarkAppend(b *testing.B) {
	msgs := session()
	f := har.New(har.Options{})
	b.SetBytes(int64(len(render(f, msgs))))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = buf[:0]
		for _, m := range msgs {
			buf = f.Append(buf, m)
		}
		buf = f.Finish(buf)
	}
}
