package websocket_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/eventtest"
	"github.com/tapir-dev/tapir/internal/golden"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output/jsonl"
	"github.com/tapir-dev/tapir/output/text"
	"github.com/tapir-dev/tapir/pipeline"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/builtin"
	"github.com/tapir-dev/tapir/protocol/websocket"
)

const recordings = "../../testdata/recordings"

// wsRecordings returns the WebSocket recordings.
func wsRecordings(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(recordings, "ws-*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no WebSocket recordings in " + recordings)
	}
	return files
}

// process runs evs through a pipeline with the built-in protocols and
// returns the messages.
func process(t testing.TB, evs []event.Event, lim protocol.Limits, frames bool) []*message.Message {
	t.Helper()
	msgs, _ := eventtest.Run(t, pipeline.Options{Shards: 1, Protocols: builtin.Default, Limits: lim, Frames: frames, Idle: -1}, evs)
	return msgs
}

// render formats msgs as text and as JSON Lines.
func render(msgs []*message.Message) (txt, js []byte) {
	tf := text.New(text.Options{})
	jf := jsonl.New(jsonl.Options{})
	for _, m := range msgs {
		txt = tf.Append(txt, m)
		js = jf.Append(js, m)
	}
	return txt, js
}

// checkGolden compares got with testdata/golden/name (golden.Check).
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", "golden", name), got)
}

// TestRecordingsGolden decodes every WebSocket recording, the handshake
// through HTTP/1 and the rest after the hand-over, and compares text and
// JSON output with golden files; once more with --frames and a 64-byte
// display limit.
func TestRecordingsGolden(t *testing.T) {
	for _, f := range wsRecordings(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".jsonl")
		t.Run(name, func(t *testing.T) {
			evs := eventtest.Load(t, f)
			txt, js := render(process(t, evs, protocol.Limits{}, false))
			checkGolden(t, name+".text", txt)
			checkGolden(t, name+".json", js)
			txt, js = render(process(t, evs, protocol.Limits{Display: 64}, true))
			checkGolden(t, name+".frames.text", txt)
			checkGolden(t, name+".frames.json", js)
		})
	}
}

// sent is a message of the recorded session, as the client sent it.
type sent struct {
	op   string
	data string
}

// session returns what wsrec's client sends (and the server echoes).
func session() []sent {
	bin := make([]byte, 256)
	for i := range bin {
		bin[i] = byte(i)
	}
	doc := func(user string) string {
		var b strings.Builder
		b.WriteString(`{"type":"roster","room":"general","members":[`)
		for i := range 24 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"id":` + itoa(1000+i) + `,"name":"member-` + pad(i) + `","status":"online","last_seen":"2024-11-23T08:` + pad(i) + `:00Z"}`)
		}
		b.WriteString(`],"requested_by":"` + user + `"}`)
		return b.String()
	}
	return []sent{
		{"text", "hello, websocket"},
		{"binary", string(bin)},
		{"text", "part one, part two, part three"},
		{"text", doc("ada")},
		{"text", doc("grace")},
		{"text", strings.Repeat("sixteen-bit len ", 18) + "end"},
		{"text", "frag: answer me in pieces, please; " + strings.Repeat("la ", 60)},
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func pad(n int) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}

// TestRecordingsContent checks the decoded session against what the
// client sent: each message, whole, in each direction, then a ping and
// its pong, and the close handshake with 1000 "bye"; no notes.
func TestRecordingsContent(t *testing.T) {
	want := session()
	for _, f := range wsRecordings(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			msgs := process(t, eventtest.Load(t, f), protocol.Limits{}, false)
			// Per connection, per direction: the data messages and the
			// control frames.
			type key struct {
				serial uint64
				dir    event.Dir
			}
			data := map[key][]sent{}
			ctl := map[key][]string{}
			var serials []uint64
			for _, m := range msgs {
				if m.Proto != websocket.Name {
					if m.Proto != "http1" {
						t.Errorf("a %s message", m.Proto)
					}
					continue
				}
				if len(m.Notes) > 0 || m.Partial {
					t.Errorf("%s %s message with notes %v", m.Dir, m.WS.Opcode, m.Notes)
				}
				k := key{m.Connection().Serial, m.Dir}
				if !slices.Contains(serials, k.serial) {
					serials = append(serials, k.serial)
				}
				switch m.WS.Opcode {
				case "text", "binary":
					data[k] = append(data[k], sent{m.WS.Opcode, string(m.Body.Data)})
				case "close":
					ctl[k] = append(ctl[k], m.WS.Opcode+" "+itoa(m.WS.CloseCode)+" "+m.WS.CloseReason)
				default:
					ctl[k] = append(ctl[k], m.WS.Opcode)
				}
			}
			if len(serials) == 0 {
				t.Fatal("no WebSocket messages")
			}
			for _, s := range serials {
				for _, d := range []event.Dir{event.Out, event.In} {
					k := key{s, d}
					if diff := cmp.Diff(want, data[k], cmp.AllowUnexported(sent{})); diff != "" {
						t.Errorf("conn %d %s: messages differ (-want +got):\n%s", s, d, diff)
					}
					if len(ctl[k]) != 2 || !strings.HasPrefix(ctl[k][0], "p") || ctl[k][1] != "close 1000 bye" && ctl[k][1] != "close 1000 " {
						t.Errorf("conn %d %s: control frames %q; want a ping or pong, then the close", s, d, ctl[k])
					}
				}
			}
		})
	}
}
