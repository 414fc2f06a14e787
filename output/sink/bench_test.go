package sink_test

import (
	"io"
	"net"
	"testing"

	"github.com/tapir-dev/tapir/output/sink"
)

// BenchmarkWriter formats and writes messages through the buffered path.
func BenchmarkWriter(b *testing.B) {
	w := sink.NewWriter(io.Discard, lineFormatter{}, nil)
	m := msg("http1-request-of-some-length")
	b.SetBytes(int64(len(m.Proto) + 1))
	b.ReportAllocs()
	for b.Loop() {
		w.Write(m)
	}
	w.Close()
}

// BenchmarkTCP queues 1 KiB records for a local peer that reads them.
func BenchmarkTCP(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c)
		}
	}()
	s, err := sink.NewTCP(ln.Addr().String(), nil)
	if err != nil {
		b.Fatal(err)
	}
	rec := make([]byte, 1024)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		s.WriteRecord(rec)
	}
	s.Close()
	if st := s.Stats(); st.DroppedRecords > 0 {
		b.ReportMetric(float64(st.DroppedRecords)/float64(st.Records)*100, "%dropped")
	}
}
