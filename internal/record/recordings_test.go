package record

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// recorded is one connection of a recording.
type recorded struct {
	comm    string
	out, in []byte
	closed  bool
}

// readRecording reads an event file made by record.sh, checking the rules
// of EVENTS.md that replay depends on, and returns its connections in the
// order they opened.
func readRecording(t *testing.T, path string) []*recorded {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ pid, fd int }
	open := map[key]*recorded{}
	var conns []*recorded
	var last uint64
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		var e struct {
			Kind, Comm, Dir, Src, Dst, Lib, Data string
			TS                                   uint64
			PID, TID, FD                         int
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%s:%d: %v", path, i+1, err)
		}
		if e.TS < last || e.PID <= 0 || e.TID <= 0 || e.FD < 0 || e.Comm == "" {
			t.Fatalf("%s:%d: bad time or identity: %s", path, i+1, line)
		}
		last = e.TS
		k := key{e.PID, e.FD}
		c := open[k]
		if e.Kind == "close" {
			if c == nil {
				t.Fatalf("%s:%d: close of a connection not open", path, i+1)
			}
			c.closed = true
			delete(open, k)
			continue
		}
		if c == nil {
			c = &recorded{comm: e.Comm}
			open[k] = c
			conns = append(conns, c)
		}
		if e.Src == "" || e.Dst == "" || e.Lib == "" {
			t.Fatalf("%s:%d: no addresses or lib", path, i+1)
		}
		d, err := base64.StdEncoding.DecodeString(e.Data)
		if err != nil || len(d) == 0 {
			t.Fatalf("%s:%d: data %q: %v", path, i+1, e.Data, err)
		}
		switch e.Dir {
		case "out":
			c.out = append(c.out, d...)
		case "in":
			c.in = append(c.in, d...)
		default:
			t.Fatalf("%s:%d: dir %q", path, i+1, e.Dir)
		}
	}
	for _, c := range conns {
		if !c.closed {
			t.Errorf("%s: a connection of %s is never closed", path, c.comm)
		}
	}
	return conns
}

// httpStatuses parses a connection's two streams with net/http and
// returns the status of each response, interim ones included.
func httpStatuses(t *testing.T, c *recorded) []int {
	t.Helper()
	reqs, resps := bufio.NewReader(bytes.NewReader(c.out)), bufio.NewReader(bytes.NewReader(c.in))
	var got []int
	for {
		req, err := http.ReadRequest(reqs)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("request: %v", err)
		}
		io.Copy(io.Discard, req.Body)
		for {
			resp, err := http.ReadResponse(resps, req)
			if err != nil {
				t.Fatalf("response to %s %s: %v", req.Method, req.URL, err)
			}
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				t.Fatalf("response to %s %s: body: %v", req.Method, req.URL, err)
			}
			got = append(got, resp.StatusCode)
			if resp.StatusCode != http.StatusContinue {
				break
			}
		}
	}
	if resps.Buffered() > 0 {
		t.Errorf("%d bytes after the last response", resps.Buffered())
	}
	return got
}

// TestRecordings checks the files record.sh made from real programs: they
// follow EVENTS.md, and net/http reads every exchange in them.
func TestRecordings(t *testing.T) {
	root := filepath.Join("..", "..")
	tests := []struct {
		file string
		comm string
		// statuses holds, per connection, the status of each response;
		// nil for a recording that is not HTTP.
		statuses [][]int
	}{
		{"testdata/recordings/curl-httpserver.jsonl", "curl", [][]int{{200, 200, 200, 404}, {200}}},
		{"testdata/recordings/curl-post.jsonl", "curl", [][]int{{201, 200, 200, 200}}},
		{"testdata/recordings/python-client.jsonl", "python3", [][]int{{200, 200, 200, 201, 200}}},
		{"testdata/recordings/go-nethttp.jsonl", "gohttp", [][]int{{200, 304, 201, 200, 200, 204, 100, 200, 200}, {200}}},
		{"testdata/recordings/curl-nginx.jsonl", "curl", [][]int{{200, 301, 404, 200, 200, 200, 201, 200}}},
		{"testdata/recordings/nginx-upstream.jsonl", "nginx", [][]int{{200, 201, 200}}},
		{"testdata/recordings/line-echo.jsonl", "python3", nil},
		{"examples/curl-http.jsonl", "curl", [][]int{{200, 201, 404, 200}}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			conns := readRecording(t, filepath.Join(root, tt.file))
			for _, c := range conns {
				if c.comm != tt.comm {
					t.Errorf("comm %q; want %q", c.comm, tt.comm)
				}
			}
			if tt.statuses == nil {
				if len(conns) != 1 || !strings.HasSuffix(string(conns[0].in), "GOODBYE\n") {
					t.Errorf("want one line session ending with GOODBYE")
				}
				return
			}
			if len(conns) != len(tt.statuses) {
				t.Fatalf("%d connections; want %d", len(conns), len(tt.statuses))
			}
			for i, c := range conns {
				got := httpStatuses(t, c)
				if !slices.Equal(got, tt.statuses[i]) {
					t.Errorf("connection %d: statuses %v; want %v", i, got, tt.statuses[i])
				}
			}
		})
	}
}
