package sink_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/tapir-dev/tapir/message"
)

// lineFormatter formats a message as "<Proto>\n"; it stands for any
// stateless formatter.
type lineFormatter struct{}

func (lineFormatter) Append(dst []byte, m *message.Message) []byte {
	return append(append(dst, m.Proto...), '\n')
}

// docFormatter stands for HAR: a document with an opening written before
// the first message, a closing part (Finish) and a fresh start (Reset).
type docFormatter struct{ started bool }

func (d *docFormatter) Append(dst []byte, m *message.Message) []byte {
	if m.Proto == "" {
		return dst // held back, as HAR holds a request until its response
	}
	if !d.started {
		d.started = true
		dst = append(dst, "["...)
	} else {
		dst = append(dst, ","...)
	}
	return append(dst, m.Proto...)
}

func (d *docFormatter) Finish(dst []byte) []byte {
	if !d.started {
		dst = append(dst, "["...)
	}
	return append(dst, "]\n"...)
}

func (d *docFormatter) Reset() { d.started = false }

// beatFormatter has heartbeats.
type beatFormatter struct{ lineFormatter }

func (beatFormatter) AppendHeartbeat(dst []byte, now time.Time, count int64, records uint64) []byte {
	return fmt.Appendf(dst, "beat %d at %s after %d\n", count, now.UTC().Format(time.TimeOnly), records)
}

func msg(proto string) *message.Message { return &message.Message{Proto: proto} }

// logs collects Logf lines on a channel.
type logs chan string

func (l logs) logf(format string, args ...any) { l <- fmt.Sprintf(format, args...) }

// waitFor reads log lines until one contains s.
func (l logs) waitFor(s string) string {
	for line := range l {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}
