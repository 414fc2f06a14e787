package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stream is one connection of a recording: the bytes of each direction.
type stream struct {
	out, in []byte
	closed  bool
}

// readStreams reads an event file into its connections, by pid and fd.
func readStreams(t *testing.T, path string) []*stream {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	byFD := map[int]*stream{}
	var all []*stream
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e struct {
			Kind, Dir, Data, Comm, Lib string
			FD                         int
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if e.FD < 0 || e.Comm == "" {
			t.Fatalf("line %q: no fd or comm", l)
		}
		s := byFD[e.FD]
		if s == nil {
			s = &stream{}
			byFD[e.FD] = s
			all = append(all, s)
		}
		if e.Kind == "close" {
			s.closed = true
			continue
		}
		d, err := base64.StdEncoding.DecodeString(e.Data)
		if err != nil {
			t.Fatal(err)
		}
		if e.Dir == "out" {
			s.out = append(s.out, d...)
		} else {
			s.in = append(s.in, d...)
		}
	}
	return all
}

// frames walks the frames after an HTTP head and returns their opcodes,
// checking the masking rule (masked says which) and that the bytes end
// with the last frame; closeCode is the last close frame's status.
func frames(t *testing.T, b []byte, masked bool) (ops []byte, closeCode int) {
	t.Helper()
	i := bytes.Index(b, []byte("\r\n\r\n"))
	if i < 0 {
		t.Fatal("no HTTP head")
	}
	b = b[i+4:]
	for len(b) > 0 {
		if len(b) < 2 {
			t.Fatalf("%d bytes after the last frame", len(b))
		}
		op, m := b[0]&0x0f, b[1]&0x80 != 0
		n, h := uint64(b[1]&0x7f), 2
		switch n {
		case 126:
			n, h = uint64(binary.BigEndian.Uint16(b[2:])), 4
		case 127:
			n, h = binary.BigEndian.Uint64(b[2:]), 10
		}
		if m != masked {
			t.Fatalf("frame masked=%v; want %v", m, masked)
		}
		var key []byte
		if m {
			key, h = b[h:h+4], h+4
		}
		p := append([]byte(nil), b[h:h+int(n)]...)
		for j := range key {
			for k := j; k < len(p); k += 4 {
				p[k] ^= key[j]
			}
		}
		if op == 8 && len(p) >= 2 {
			closeCode = int(binary.BigEndian.Uint16(p))
		}
		ops = append(ops, op)
		b = b[h+int(n):]
	}
	return ops, closeCode
}

// check checks one recorded session: the upgrade, frames masked from the
// client only, pings answered, and the close handshake with 1000.
func check(t *testing.T, path string, conns int) {
	t.Helper()
	all := readStreams(t, path)
	if len(all) != conns {
		t.Fatalf("%d connections; want %d", len(all), conns)
	}
	for _, s := range all {
		if !s.closed {
			t.Error("a connection is never closed")
		}
		// The client's connection writes the request; the server's
		// reads it.
		client, server, clientOut := s.out, s.in, true
		if bytes.HasPrefix(s.in, []byte("GET ")) {
			client, server, clientOut = s.in, s.out, false
		}
		if !bytes.HasPrefix(client, []byte("GET /chat HTTP/1.1\r\n")) || !bytes.HasPrefix(server, []byte("HTTP/1.1 101 ")) {
			t.Fatalf("no upgrade (client view %v)", clientOut)
		}
		cops, ccode := frames(t, client, true)
		sops, scode := frames(t, server, false)
		if ccode != 1000 || scode != 1000 || cops[len(cops)-1] != 8 || sops[len(sops)-1] != 8 {
			t.Errorf("close codes %d, %d; last opcodes %d, %d", ccode, scode, cops[len(cops)-1], sops[len(sops)-1])
		}
		if !bytes.Contains(cops, []byte{9}) || !bytes.Contains(sops, []byte{10}) {
			t.Errorf("no ping answered: client %v, server %v", cops, sops)
		}
	}
}

// TestRun records each mode and checks the files.
func TestRun(t *testing.T) {
	for _, tt := range []struct {
		args  []string
		conns int
		ext   string
	}{
		{[]string{"-mode", "plain"}, 1, ""},
		{[]string{"-mode", "deflate"}, 1, "permessage-deflate\r\n"},
		{[]string{"-mode", "nocontext"}, 1, "permessage-deflate; client_no_context_takeover; server_no_context_takeover\r\n"},
		{[]string{"-mode", "deflate", "-server"}, 2, "permessage-deflate\r\n"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "ws.jsonl")
			var stderr bytes.Buffer
			if err := run(append(tt.args, "-o", out), &stderr); err != nil {
				t.Fatalf("run: %v\n%s", err, stderr.String())
			}
			st, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v; want 0600", st.Mode().Perm())
			}
			check(t, out, tt.conns)
			s := readStreams(t, out)[0]
			resp := s.in
			if !bytes.HasPrefix(resp, []byte("HTTP/")) {
				resp = s.out
			}
			head := resp[:bytes.Index(resp, []byte("\r\n\r\n"))+2]
			if got := bytes.Contains(head, []byte("Sec-Websocket-Extensions: "+tt.ext)); tt.ext != "" && !got || tt.ext == "" && bytes.Contains(head, []byte("Extensions")) {
				t.Errorf("response head:\n%s\nwant extensions %q", head, tt.ext)
			}
		})
	}
}

// TestRecordings checks the files in testdata/recordings that wsrec made.
func TestRecordings(t *testing.T) {
	files, _ := filepath.Glob("../../../../testdata/recordings/ws-*.jsonl")
	if len(files) != 4 {
		t.Fatalf("%d WebSocket recordings; want 4", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			conns := 1
			if strings.Contains(f, "server") {
				conns = 2
			}
			check(t, f, conns)
		})
	}
}
