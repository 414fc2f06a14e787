package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/output/pb"
)

// TestReadPBRoundTrip writes each recording as protobuf records, reads
// the records back with `tapir read`, and checks that the text is what
// reading the events gives.
func TestReadPBRoundTrip(t *testing.T) {
	inputs, _ := filepath.Glob("../../testdata/recordings/*.jsonl")
	inputs = append(inputs, "../../examples/curl-http.jsonl")
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			records := filepath.Join(t.TempDir(), "out.pb")
			if code, _, stderr := tapir(t, "", "read", "--format", "pb", "-o", records, in); code != ExitOK {
				t.Fatalf("read --format pb: exit %d: %s", code, stderr)
			}
			fi, err := os.Stat(records)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v; want 0600", records, fi.Mode().Perm())
			}
			code, want, _ := tapir(t, "", "read", "--color", "never", in)
			if code != ExitOK {
				t.Fatalf("read: exit %d", code)
			}
			code, got, stderr := tapir(t, "", "read", "--color", "never", records)
			if code != ExitOK {
				t.Fatalf("read of the records: exit %d: %s", code, stderr)
			}
			if got != want {
				t.Errorf("text from the records differs from text from the events:\n--- events\n%s\n--- records\n%s", want, got)
			}
		})
	}
}

func TestReadPBErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, "good.jsonl", pingPong)
	records := filepath.Join(dir, "out.pb")
	if code, _, stderr := tapir(t, "", "read", "-f", "pb", "-o", records, good); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(records)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.pb")
	if err := os.WriteFile(cut, data[:len(data)-3], 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := tapir(t, "", "read", "-f", "json", cut)
	if code != ExitInput || !strings.Contains(stderr, "cut.pb") || !strings.Contains(stderr, "unexpected EOF") {
		t.Errorf("cut stream: exit %d, stderr %q; want 1 and the error", code, stderr)
	}
	if n := strings.Count(out, "\n"); n != 1 {
		t.Errorf("cut stream: %d messages; want the first one, whole", n)
	}
}

func TestOutputFlagErrors(t *testing.T) {
	good := writeFile(t, "good.jsonl", pingPong)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--format", "xml"}, "use text, json, pb or har"},
		{[]string{"--rotate-size", "1MiB"}, "-o FILE only"},
		{[]string{"--rotate-every", "1h", "-o", "tcp://127.0.0.1:9"}, "-o FILE only"},
		{[]string{"--rotate-every", "-1h", "-o", "x"}, "must not be negative"},
		{[]string{"--ws-token", "t", "-o", "out.pb"}, "ws://"},
		{[]string{"-o", "udp://127.0.0.1:9"}, "unsupported"},
	}
	for _, tt := range tests {
		code, _, stderr := tapir(t, "", append(append([]string{"read"}, tt.args...), good)...)
		if code == ExitOK || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, %q; want an error saying %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestHAROutput checks that --format har writes one JSON document with
// an entry for each exchange.
func TestHAROutput(t *testing.T) {
	code, out, stderr := tapir(t, "", "read", "--format", "har", "../../testdata/recordings/curl-httpserver.jsonl")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var d struct {
		Log struct {
			Version string
			Entries []struct {
				Request  struct{ Method, URL string }
				Response struct{ Status int }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, out)
	}
	if d.Log.Version != "1.2" || len(d.Log.Entries) != 5 {
		t.Fatalf("version %q, %d entries; want 1.2 and 5", d.Log.Version, len(d.Log.Entries))
	}
	if e := d.Log.Entries[3]; e.Request.URL != "https://127.0.0.1:38210/missing.txt" || e.Response.Status != 404 {
		t.Errorf("fourth entry %+v", e)
	}
}

func TestRotateOutput(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := tapir(t, "", "read", "--format", "json", "--rotate-size", "1KiB", "--stats", "-o", filepath.Join(dir, "out.jsonl"), "../../testdata/recordings/curl-post.jsonl")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) < 2 {
		t.Fatalf("%d files; want the output rotated", len(ents))
	}
	lines := 0
	for _, e := range ents {
		fi, _ := e.Info()
		if fi.Mode().Perm() != 0o600 || !strings.HasPrefix(e.Name(), "out-") || !strings.HasSuffix(e.Name(), ".jsonl") {
			t.Errorf("%s: mode %v", e.Name(), fi.Mode().Perm())
		}
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		for l := range bytes.Lines(b) {
			if !json.Valid(l) {
				t.Errorf("%s: a line that is not JSON (a message split across files?): %q", e.Name(), l)
			}
			lines++
		}
	}
	if lines != 8 {
		t.Errorf("%d messages in all files; want 8", lines)
	}
	if !strings.Contains(stderr, "file sink: 8 records") {
		t.Errorf("--stats does not show the sink's counters:\n%s", stderr)
	}
}

// TestTCPOutput sends protobuf records to a TCP listener.
func TestTCPOutput(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(c)
		got <- b
	}()
	code, _, stderr := tapir(t, "", "read", "--format", "pb", "--stats", "-o", "tcp://"+ln.Addr().String(), "../../testdata/recordings/curl-post.jsonl")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	stream := <-got
	r := pb.NewReader(bytes.NewReader(stream))
	events := 0
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if e.GetEventPayload() != nil {
			events++
		}
	}
	if events != 8 {
		t.Errorf("%d event records; want 8", events)
	}
	if !strings.Contains(stderr, "tcp sink: ") || !strings.Contains(stderr, "0 dropped") {
		t.Errorf("--stats does not show the tcp sink's counters:\n%s", stderr)
	}
}
