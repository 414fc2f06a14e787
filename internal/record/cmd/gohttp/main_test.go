package main

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

// TestRun records the session and checks the file with net/http's own
// parsers: every request and response is there, in order.
func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "go.jsonl")
	var stderr bytes.Buffer
	if err := run([]string{"-o", out}, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v; want 0600", st.Mode().Perm())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var reqs, resps bytes.Buffer
	closes := 0
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e struct {
			Kind, Dir, Data, Comm string
			FD                    int
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if e.FD < 0 || e.Comm == "" {
			t.Errorf("line %q: no fd or comm", l)
		}
		if e.Kind == "close" {
			closes++
			continue
		}
		d, err := base64.StdEncoding.DecodeString(e.Data)
		if err != nil {
			t.Fatal(err)
		}
		if e.Dir == "out" {
			reqs.Write(d)
		} else {
			resps.Write(d)
		}
	}
	if closes != 2 {
		t.Errorf("%d closes; want 2", closes)
	}
	rq, rs := bufio.NewReader(&reqs), bufio.NewReader(&resps)
	var statuses []int
	for {
		req, err := http.ReadRequest(rq)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, req.Body)
		for {
			resp, err := http.ReadResponse(rs, req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			statuses = append(statuses, resp.StatusCode)
			if resp.StatusCode != http.StatusContinue {
				break
			}
		}
	}
	want := []int{200, 304, 201, 200, 200, 204, 100, 200, 200, 200}
	if !slices.Equal(statuses, want) {
		t.Errorf("statuses %v; want %v", statuses, want)
	}
}
