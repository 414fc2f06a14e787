package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skipf("needs Linux's /proc/net/tcp: %v", err)
	}
	// The server: answers one line with "pong\n".
	up, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	go func() {
		c, err := up.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := bufio.NewReader(c).ReadString('\n'); err == nil {
			io.WriteString(c, "pong\n")
		}
	}()

	out := filepath.Join(t.TempDir(), "rec.jsonl")
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"-listen", "127.0.0.1:0", "-to", up.Addr().String(), "-o", out, "-n", "1"}, pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatal("no output")
	}
	// "recproxy: listening on ADDR, forwarding to ..."
	first := lines.Text()
	addr, _, _ := strings.Cut(strings.TrimPrefix(first, "recproxy: listening on "), ",")
	var log []string
	logDone := make(chan struct{})
	go func() {
		for lines.Scan() {
			log = append(log, lines.Text())
		}
		close(logDone)
	}()

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %q (from %q): %v", addr, first, err)
	}
	io.WriteString(c, "ping\n")
	if got, err := bufio.NewReader(c).ReadString('\n'); err != nil || got != "pong\n" {
		t.Fatalf("got %q, %v", got, err)
	}
	c.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	<-logDone
	if len(log) != 2 || !strings.Contains(log[0], "pid ") || !strings.Contains(log[1], "1 connections recorded") {
		t.Errorf("log %q", log)
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
	var kinds []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e struct {
			Kind string `json:"kind"`
			Dir  string `json:"dir"`
			PID  int    `json:"pid"`
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if e.PID != os.Getpid() {
			t.Errorf("pid %d; want the client's, %d", e.PID, os.Getpid())
		}
		kinds = append(kinds, e.Kind+e.Dir)
	}
	if got := strings.Join(kinds, " "); got != "dataout datain close" {
		t.Errorf("events %q; want %q", got, "dataout datain close")
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want error
	}{
		{"help", []string{"-h"}, flag.ErrHelp},
		{"missing -to", []string{"-listen", "127.0.0.1:0", "-o", filepath.Join(t.TempDir(), "x")}, nil},
		{"bad listen", []string{"-listen", "256.0.0.1:0", "-to", "127.0.0.1:1", "-o", filepath.Join(t.TempDir(), "x")}, nil},
	}
	for _, tt := range tests {
		err := run(context.Background(), tt.args, io.Discard)
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: %v; want an error (%v)", tt.name, err, tt.want)
		}
	}
}
