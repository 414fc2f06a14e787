package sink_test

import (
	"bytes"
	"errors"
	"os"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tapir-dev/tapir/output/sink"
)

// lockedBuffer is a bytes.Buffer that counts writes and is safe to read
// while the Writer's ticker writes.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// records is a RecordWriter that keeps each record.
type records struct {
	mu   sync.Mutex
	recs []string
}

func (r *records) WriteRecord(p []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, string(p))
	return nil
}

func (r *records) Write(p []byte) (int, error) { return len(p), r.WriteRecord(p) }

func TestWriterHeartbeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out lockedBuffer
		w := sink.NewWriter(&out, beatFormatter{}, &sink.WriterOptions{Heartbeat: 10 * time.Second})
		time.Sleep(25 * time.Second)
		synctest.Wait()
		if err := w.Write(msg("http1")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		// Heartbeats flush at once: the stream is live.
		want := "beat 0 at 00:00:10 after 0\nbeat 1 at 00:00:20 after 0\n"
		if got := out.String(); got != want+"http1\nbeat 2 at 00:00:30 after 1\n" {
			t.Errorf("output so far:\n%s\nwant heartbeats flushed as they go, with the message", got)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute) // no heartbeat after Close
		if got := out.String(); got != want+"http1\nbeat 2 at 00:00:30 after 1\n" {
			t.Errorf("after Close:\n%s", got)
		}
	})
}

func TestWriterNoHeartbeatWithoutOption(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out lockedBuffer
		w := sink.NewWriter(&out, beatFormatter{}, nil)
		time.Sleep(time.Hour)
		w.Write(msg("a"))
		w.Close()
		if got := out.String(); got != "a\n" {
			t.Errorf("output %q; want no heartbeats", got)
		}
	})
}

func TestWriterBuffering(t *testing.T) {
	tests := []struct {
		name       string
		live       bool
		wantWrites int // after two messages, before Close
	}{
		{"buffered", false, 0},
		{"live", true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out lockedBuffer
			w := sink.NewWriter(&out, lineFormatter{}, &sink.WriterOptions{Live: tt.live})
			w.Write(msg("a"))
			w.Write(msg("b"))
			if out.writes != tt.wantWrites {
				t.Errorf("%d writes before Close; want %d", out.writes, tt.wantWrites)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if out.String() != "a\nb\n" {
				t.Errorf("output %q", out.String())
			}
			if err := w.Write(msg("c")); !errors.Is(err, os.ErrClosed) {
				t.Errorf("Write after Close = %v; want os.ErrClosed", err)
			}
		})
	}
}

// TestWriterRecords checks that a RecordWriter gets one record a message,
// the closing part as its own record, and nothing for a message the
// formatter holds back.
func TestWriterRecords(t *testing.T) {
	var r records
	w := sink.NewWriter(&r, &docFormatter{}, nil)
	w.Write(msg("a"))
	w.Write(msg(""))
	w.Write(msg("b"))
	w.Close()
	want := []string{"[a", ",b", "]\n"}
	if len(r.recs) != len(want) {
		t.Fatalf("records %q; want %q", r.recs, want)
	}
	for i := range want {
		if r.recs[i] != want[i] {
			t.Errorf("record %d = %q; want %q", i, r.recs[i], want[i])
		}
	}
}
