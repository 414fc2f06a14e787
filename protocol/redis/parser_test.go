package redis_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/redis"
)

// step is one call to a parser: bytes of a direction, or a gap.
type step struct {
	dir  event.Dir
	data string
	gap  int
}

func out(s string) step { return step{dir: event.Out, data: s} }
func in(s string) step  { return step{dir: event.In, data: s} }

// feed runs steps through a new parser, the i-th at time (i+1) µs, then
// flushes it.
func feed(t testing.TB, lim protocol.Limits, steps []step) []*message.Message {
	t.Helper()
	p := redis.New(lim)
	var msgs []*message.Message
	emit := func(m *message.Message) { msgs = append(msgs, m) }
	for i, s := range steps {
		at := uint64(i+1) * 1000
		if s.gap > 0 {
			p.Gap(s.dir, s.gap, at, emit)
			continue
		}
		if err := p.Feed(s.dir, []byte(s.data), at, emit); err != nil {
			t.Fatalf("step %d: Feed: %v", i, err)
		}
	}
	p.Flush(protocol.Closed, emit)
	return msgs
}

// summary is a message on one line: type, direction, the command it
// answers, markers for partial and each note's kind, then the body with
// its lines joined by " | ".
func summary(m *message.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", m.Type, m.Dir)
	if m.Request != nil {
		fmt.Fprintf(&b, " <-%s", m.Request.Method)
	}
	if m.Partial {
		b.WriteString(" [partial]")
	}
	for _, n := range m.Notes {
		fmt.Fprintf(&b, " [%s]", n.Kind)
	}
	if m.Body != nil {
		fmt.Fprintf(&b, ": %s", strings.ReplaceAll(string(m.Body.Data), "\n", " | "))
	}
	return b.String()
}

func summaries(msgs []*message.Message) []string {
	s := make([]string, len(msgs))
	for i, m := range msgs {
		s[i] = summary(m)
	}
	return s
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{"ping", []step{out("*1\r\n$4\r\nPING\r\n"), in("+PONG\r\n")}, []string{
			"request out: PING",
			"response in <-PING: +PONG",
		}},
		{"set get", []step{
			out("*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$11\r\nhello world\r\n"), in("+OK\r\n"),
			out("*2\r\n$3\r\nget\r\n$8\r\ngreeting\r\n"), in("$11\r\nhello world\r\n"),
		}, []string{
			`request out: SET greeting "hello world"`,
			"response in <-SET: +OK",
			"request out: get greeting",
			`response in <-GET: "hello world"`,
		}},
		{"pipelined", []step{
			out("*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*2\r\n$3\r\nGET\r\n$1\r\nn\r\n"),
			in(":1\r\n:2\r"), in("\n$1\r\n2\r\n"),
		}, []string{
			"request out: INCR n",
			"request out: INCR n",
			"request out: GET n",
			"response in <-INCR: :1",
			"response in <-INCR: :2",
			`response in <-GET: "2"`,
		}},
		{"inline", []step{
			out("PING\r\nSET k \"a b\\x41\\n\" 'it\\'s'\nget   k\r\n\r\n"),
			in("+PONG\r\n+OK\r\n$5\r\na bA\n\r\n"),
		}, []string{
			"request out [info]: PING",
			`request out [info]: SET k "a bA\n" "it's"`,
			"request out [info]: get k",
			"response in <-PING: +PONG",
			"response in <-SET: +OK",
			`response in <-GET: "a bA\n"`,
		}},
		{"unbalanced quotes", []step{out("SET k \"open\r\n"), in("-ERR Protocol error: unbalanced quotes in request\r\n")}, []string{
			`request out [error] [info]: SET k "open`,
			"response in <-SET: -ERR Protocol error: unbalanced quotes in request",
		}},
		{"resp2 nulls", []step{
			out("*2\r\n$3\r\nGET\r\n$1\r\nx\r\n*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n1\r\n"),
			in("$-1\r\n*-1\r\n"),
		}, []string{
			"request out: GET x",
			"request out: BLPOP q 1",
			"response in <-GET: (nil)",
			"response in <-BLPOP: (nil)",
		}},
		{"resp3 scalars", []step{
			out("*1\r\n$1\r\nA\r\n*1\r\n$1\r\nB\r\n*1\r\n$1\r\nC\r\n*1\r\n$1\r\nD\r\n*1\r\n$1\r\nE\r\n*1\r\n$1\r\nF\r\n*1\r\n$1\r\nG\r\n*1\r\n$1\r\nH\r\n"),
			in("_\r\n#t\r\n,-1.5e3\r\n,inf\r\n(-12345678901234567890\r\n!21\r\nSYNTAX invalid syntax\r\n=15\r\ntxt:Some string\r\n-ERR x\r\n"),
		}, []string{
			"request out: A", "request out: B", "request out: C", "request out: D",
			"request out: E", "request out: F", "request out: G", "request out: H",
			"response in <-A: (nil)",
			"response in <-B: #t",
			"response in <-C: ,-1.5e3",
			"response in <-D: ,inf",
			"response in <-E: (-12345678901234567890",
			`response in <-F: !"SYNTAX invalid syntax"`,
			`response in <-G: =txt "Some string"`,
			"response in <-H: -ERR x",
		}},
		{"aggregates", []step{
			out("*1\r\n$1\r\nA\r\n*1\r\n$1\r\nB\r\n*1\r\n$1\r\nC\r\n*1\r\n$1\r\nD\r\n"),
			in("*2\r\n*2\r\n:1\r\n:2\r\n$1\r\nx\r\n%1\r\n+k\r\n~2\r\n:1\r\n:2\r\n*0\r\n%0\r\n"),
		}, []string{
			"request out: A", "request out: B", "request out: C", "request out: D",
			`response in <-A: 1) 1) :1 |    2) :2 | 2) "x"`,
			"response in <-B: 1# +k => 1~ :1 |          2~ :2",
			"response in <-C: (empty array)",
			"response in <-D: (empty map)",
		}},
		{"ten elements", []step{
			out("*1\r\n$4\r\nKEYS\r\n"),
			in("*10\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n:9\r\n:10\r\n"),
		}, []string{
			"request out: KEYS",
			"response in <-KEYS:  1) :1 |  2) :2 |  3) :3 |  4) :4 |  5) :5 |  6) :6 |  7) :7 |  8) :8 |  9) :9 | 10) :10",
		}},
		{"streamed", []step{
			out("*1\r\n$1\r\nA\r\n*1\r\n$1\r\nB\r\n"),
			in("$?\r\n;4\r\nHell\r\n;1\r\no\r\n;0\r\n*?\r\n:1\r\n%?\r\n+a\r\n:1\r\n.\r\n.\r\n"),
		}, []string{
			"request out: A", "request out: B",
			`response in <-A: "Hello"`,
			"response in <-B: 1) :1 | 2) 1# +a => :1",
		}},
		{"attribute", []step{
			out("*1\r\n$1\r\nA\r\n"),
			in("|1\r\n+ttl\r\n:3600\r\n*1\r\n|1\r\n+x\r\n+y\r\n:1\r\n"),
		}, []string{
			"request out: A",
			"response in <-A: 1| +ttl => :3600 | 1) 1| +x => +y |    :1",
		}},
		{"push is not a reply", []step{
			out("*3\r\n$5\r\nDEBUG\r\n$8\r\nPROTOCOL\r\n$4\r\npush\r\n"),
			in(">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n+OK\r\n"),
		}, []string{
			"request out: DEBUG PROTOCOL push",
			`data in: 1> "server-cpu-usage" | 2> :42`,
			"response in <-DEBUG: +OK",
		}},
		{"multiline text", []step{
			out("*1\r\n$4\r\nINFO\r\n"),
			in("$32\r\n# Server\r\nredis_version:7.0.15\r\n\r\n"),
		}, []string{
			"request out: INFO",
			"response in <-INFO: # Server | redis_version:7.0.15",
		}},
		{"resp2 pubsub", []step{
			out("*3\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n$1\r\nb\r\n"),
			in("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"),
			in("*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n"),
			out("*1\r\n$4\r\nPING\r\n"),
			in("*2\r\n$4\r\npong\r\n$0\r\n\r\n"),
			out("*1\r\n$11\r\nUNSUBSCRIBE\r\n"),
			in("*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n"),
			out("*2\r\n$6\r\nLRANGE\r\n$1\r\nl\r\n"),
			in("*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n"),
		}, []string{
			"request out: SUBSCRIBE a b",
			`response in <-SUBSCRIBE: 1) "subscribe" | 2) "a" | 3) :1`,
			`response in <-SUBSCRIBE: 1) "subscribe" | 2) "b" | 3) :2`,
			`data in: 1) "message" | 2) "a" | 3) "hi"`,
			"request out: PING",
			`response in <-PING: 1) "pong" | 2) ""`,
			"request out: UNSUBSCRIBE",
			`response in <-UNSUBSCRIBE: 1) "unsubscribe" | 2) "a" | 3) :1`,
			`response in <-UNSUBSCRIBE: 1) "unsubscribe" | 2) "b" | 3) :0`,
			"request out: LRANGE l",
			// Not subscribed any more: an array like any other.
			`response in <-LRANGE: 1) "message" | 2) "a" | 3) "hi"`,
		}},
		{"resp3 pubsub", []step{
			out("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"), in("%1\r\n+proto\r\n:3\r\n"),
			out("*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n"),
			in(">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"),
			out("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"),
			in(">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n"),
			in("*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n"),
		}, []string{
			"request out: HELLO 3",
			"response in <-HELLO: 1# +proto => :3",
			"request out: SUBSCRIBE a",
			`response in <-SUBSCRIBE: 1> "subscribe" | 2> "a" | 3> :1`,
			"request out: GET k",
			`data in: 1> "message" | 2> "a" | 3> "hi"`,
			`response in <-GET: 1) "message" | 2) "a" | 3) "hi"`,
		}},
		{"client reply", []step{
			out("*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n*1\r\n$4\r\nPING\r\n*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$2\r\nON\r\n"),
			in("+OK\r\n"),
			out("*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n*1\r\n$1\r\nA\r\n*1\r\n$1\r\nB\r\n"),
			in("+B\r\n"),
		}, []string{
			"request out: CLIENT REPLY OFF",
			"request out: PING",
			"request out: CLIENT REPLY ON",
			"response in <-CLIENT: +OK",
			"request out: CLIENT REPLY SKIP",
			"request out: A",
			"request out: B",
			"response in <-B: +B",
		}},
		{"monitor", []step{
			out("*1\r\n$7\r\nMONITOR\r\n"), in("+OK\r\n"),
			in("+1700000000.000000 [0 127.0.0.1:5000] \"GET\" \"k\"\r\n"),
		}, []string{
			"request out: MONITOR",
			"response in <-MONITOR: +OK",
			`data in: +1700000000.000000 [0 127.0.0.1:5000] "GET" "k"`,
		}},
		{"reply without command", []step{in("+OK\r\n")}, []string{
			"response in [info]: +OK",
		}},
		{"server traced", []step{in("*1\r\n$4\r\nPING\r\n"), out("+PONG\r\n")}, []string{
			"request in: PING",
			"response out <-PING: +PONG",
		}},
		{"not resp in replies", []step{
			out("*1\r\n$1\r\nA\r\n*1\r\n$1\r\nB\r\n"),
			in("?what\r\n+OK\r\n"),
		}, []string{
			"request out: A",
			"request out: B",
			"data in [error]: ?what\r | ",
			"response in <-A [info]: +OK",
		}},
		{"broken value", []step{
			out("*1\r\n$1\r\nA\r\n*1\r\n$1\r\nB\r\n"),
			in("*2\r\n:1\r\n:x\r\n+OK\r\n"),
		}, []string{
			"request out: A",
			"request out: B",
			"response in <-A [partial] [error]: 1) :1",
			"response in <-B [info]: +OK",
		}},
		{"bulk without crlf", []step{
			out("*1\r\n$1\r\nA\r\n*1\r\n$1\r\nB\r\n"),
			in("$2\r\nabX\r\n+OK\r\n"),
		}, []string{
			"request out: A",
			"request out: B",
			`response in <-A [partial] [error]: "ab"`,
			"data in [error]: X\r | ",
			"response in <-B [info]: +OK",
		}},
		{"gap in a bulk", []step{
			out("*1\r\n$1\r\nA\r\n*1\r\n$1\r\nB\r\n"),
			in("$10\r\nabc"), {dir: event.In, gap: 5}, in("ij\r\n+OK\r\n"),
		}, []string{
			"request out: A",
			"request out: B",
			`response in <-A [partial] [gap]: "abc"`,
			"data in [gap]: ij\r | ",
			"response in <-B [info]: +OK",
		}},
		{"gap between commands", []step{
			out("*1\r\n$1\r\nA\r\n"), {dir: event.Out, gap: 14}, out("*1\r\n$1\r\nC\r\n"),
			in("+A\r\n+B\r\n+C\r\n"),
			out("*1\r\n$1\r\nD\r\n"), in("+D\r\n"),
		}, []string{
			"request out: A",
			"request out [gap]: C",
			"response in <-A [info]: +A",
			"response in <-C [info]: +B",
			"response in [info]: +C",
			// Every reply was in when D was sent: sure again.
			"request out: D",
			"response in <-D: +D",
		}},
		{"gap at the end", []step{out("*1\r\n$1\r\nA\r\n"), {dir: event.In, gap: 9}}, []string{
			"request out: A",
			"data in [partial] [gap]",
		}},
		{"partial at flush", []step{
			out("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"), in("*3\r\n$3\r\nabc\r\n$10\r\nxy"),
		}, []string{
			"request out: GET k",
			`response in <-GET [partial]: 1) "abc" | 2) "xy"`,
		}},
		{"partial command", []step{out("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n")}, []string{
			"request out [partial]: SET k",
		}},
		{"empty bulk and zero", []step{out("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"), in("$0\r\n\r\n")}, []string{
			`request out: ECHO ""`,
			`response in <-ECHO: ""`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summaries(feed(t, protocol.Limits{}, tt.steps))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
		})
	}
}

// TestPairing checks the request reference and latency of replies.
func TestPairing(t *testing.T) {
	msgs := feed(t, protocol.Limits{}, []step{
		out("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"), // at 1µs
		in("+O"),    // 2µs
		in("K\r\n"), // 3µs
	})
	if len(msgs) != 2 {
		t.Fatalf("%d messages; want 2", len(msgs))
	}
	r := msgs[1]
	if r.Request == nil || r.Request.Method != "SET" || r.Request.Target != "key" {
		t.Errorf("Request = %+v; want SET key", r.Request)
	}
	if r.Latency == nil || r.Latency.First != 1000 || r.Latency.Last != 2000 {
		t.Errorf("Latency = %+v; want first 1000, last 2000", r.Latency)
	}
	if r.Start != 2000 || r.End != 3000 || r.Size != 5 || string(r.Raw) != "+OK\r\n" {
		t.Errorf("Start %d End %d Size %d Raw %q", r.Start, r.End, r.Size, r.Raw)
	}
}

var _ protocol.Counter = (*redis.Parser)(nil)

// TestCounts checks what the parser counts beyond its messages.
func TestCounts(t *testing.T) {
	p := redis.New(protocol.Limits{})
	emit := func(*message.Message) {}
	for _, s := range []step{
		out("*1\r\n$1\r\nA\r\n"),
		in("?what\r\n+OK\r\n"),                             // 7 bytes skipped, one resync
		in(">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n"), // a push
		in("+OK\r\n"),                                      // no command waits for it
	} {
		p.Feed(s.dir, []byte(s.data), 1, emit)
	}
	p.Flush(protocol.Closed, emit)
	got := map[string]uint64{}
	p.Counts(func(name string, n uint64) { got[name] = n })
	want := map[string]uint64{"redis resyncs": 1, "redis bytes skipped": 7, "redis pushes": 1, "redis replies without a command": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Counts: %v; want %v", got, want)
	}
}
