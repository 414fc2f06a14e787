package http1

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/protocol"
)

// countingSpec is a protocol an upgrade hands over to whose parser counts
// the bytes fed to it.
var countingSpec = protocol.Spec{
	Name:   "websocket",
	Detect: func(protocol.Sample) protocol.Verdict { return protocol.No },
	New:    func(protocol.Config) protocol.Parser { return &countingParser{} },
}

type countingParser struct{ n uint64 }

func (c *countingParser) Feed(_ event.Dir, p []byte, _ uint64, _ protocol.Emit) error {
	c.n += uint64(len(p))
	return nil
}
func (c *countingParser) Gap(event.Dir, int, uint64, protocol.Emit) {}
func (c *countingParser) Flush(protocol.End, protocol.Emit)         {}
func (c *countingParser) Counts(add func(string, uint64))           { add("websocket bytes", c.n) }

func TestCounts(t *testing.T) {
	tests := []struct {
		name   string
		lookup func(string) (protocol.Spec, bool)
		ops    []op
		want   map[string]uint64
	}{
		{
			name: "a clean exchange counts nothing",
			ops:  []op{out(getA), in(ok("a"))},
		},
		{
			// The gap between messages makes the next head a resync after
			// 6 skipped bytes; the 3 empty lines before GET /c are
			// skipped too. The response to GET /b is paired in doubt, and
			// the third response has no request left.
			name: "a gap, a resync and an unpaired response",
			ops: []op{out(getA), gapOut(7), out("junk\r\n" + getB), in(ok("a") + ok("b") + ok("extra")),
				out("\r\n\r\n\r\n" + getC), in(ok("c"))},
			want: map[string]uint64{
				"http1 resyncs":                   1,
				"http1 bytes skipped":             6 + 6,
				"http1 responses unpaired":        1,
				"http1 responses paired in doubt": 1,
			},
		},
		{
			name:   "the counts of the parser upgraded to",
			lookup: func(string) (protocol.Spec, bool) { return countingSpec, true },
			ops: []op{out("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
				in("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi"),
				in("HTTP/1.1 200 OK\r\n\r\n")},
			want: map[string]uint64{"websocket bytes": 4 + 19},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, p := runParser(protocol.Config{Lookup: tt.lookup}, tt.ops, protocol.Closed)
			got := map[string]uint64{}
			p.Counts(func(name string, n uint64) {
				if n == 0 {
					t.Errorf("%q added with 0", name)
				}
				if _, dup := got[name]; dup {
					t.Errorf("%q added twice", name)
				}
				got[name] = n
			})
			if tt.want == nil {
				tt.want = map[string]uint64{}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Counts (-want +got):\n%s\nmessages: %q", diff, summaries(msgs))
			}
			// Counts reports what Stats counts.
			s := p.Stats()
			for name, n := range map[string]uint64{"http1 resyncs": s.Resyncs, "http1 bytes skipped": uint64(s.Skipped),
				"http1 responses unpaired": s.Unpaired, "http1 responses paired in doubt": s.Doubtful} {
				if got[name] != n {
					t.Errorf("Counts %q = %d; Stats says %d", name, got[name], n)
				}
			}
		})
	}
}
