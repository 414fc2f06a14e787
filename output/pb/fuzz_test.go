package pb_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/tapir-dev/tapir/output/pb"
)

// FuzzReader feeds arbitrary streams to the Reader and what it reads to
// ToMessage and back to the Formatter: none may panic, and a record read
// back must encode again.
func FuzzReader(f *testing.F) {
	fm := pb.New(pb.Options{})
	var stream []byte
	stream = fm.AppendHeartbeat(stream, time.Unix(1, 0), 0, 0)
	for _, tt := range fixtures() {
		f.Add(fm.Append(nil, &tt.msg))
		stream = fm.Append(stream, &tt.msg)
	}
	f.Add(stream)
	f.Fuzz(func(t *testing.T, data []byte) {
		pb.Sniff(data)
		r := pb.NewReader(bytes.NewReader(data))
		for range 1000 {
			e, err := r.Next()
			if err != nil {
				return
			}
			if ev := e.GetEventPayload(); ev != nil {
				m := pb.ToMessage(ev)
				if out := fm.Append(nil, m); len(out) == 0 {
					t.Fatal("Append of a read message wrote nothing")
				}
			}
		}
	})
}
