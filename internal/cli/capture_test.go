//go:build linux && amd64

package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// notifyBuffer is a buffer written by one goroutine and watched by another.
type notifyBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newNotifyBuffer() *notifyBuffer { return &notifyBuffer{changed: make(chan struct{})} }

func (n *notifyBuffer) Write(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	close(n.changed)
	n.changed = make(chan struct{})
	return n.b.Write(p)
}

func (n *notifyBuffer) String() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.b.String()
}

// waitUntil returns once ok holds for the buffer's content, or fails.
func (n *notifyBuffer) waitUntil(t *testing.T, what string, ok func(string) bool) {
	t.Helper()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for {
		n.mu.Lock()
		s, ch := n.b.String(), n.changed
		n.mu.Unlock()
		if ok(s) {
			return
		}
		select {
		case <-ch:
		case <-timeout.C:
			t.Fatalf("no %s after 30s; have:\n%s", what, s)
		}
	}
}

// TestCaptureWriteThenRead runs 'tapir capture' while curl and python3
// make requests: the kernel's --comm filter keeps only curl, the live
// output shows its exchange, and 'tapir read' of the --write file prints
// the same output.
func TestCaptureWriteThenRead(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must run live capture tests as root")
		}
		t.Skip("live capture needs root to load BPF programs")
	}
	for _, tool := range []string{"curl", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	tok := fmt.Sprintf("%x", time.Now().UnixNano())
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "token %s for %s\n", tok, r.URL.Path)
	}))
	defer srv.Close()

	// A copy of curl under a name of its own, so that curl run by other
	// tests at the same time does not pass the filter.
	curlPath, err := exec.LookPath("curl")
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(curlPath)
	if err != nil {
		t.Fatal(err)
	}
	const comm = "curl-tapirtest"
	mycurl := filepath.Join(t.TempDir(), comm)
	if err := os.WriteFile(mycurl, bin, 0o700); err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(t.TempDir(), "session.jsonl")
	stdout, stderr := newNotifyBuffer(), newNotifyBuffer()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"capture", "--comm", comm, "-f", "json", "--write", file}, env{
			stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, isTTY: func(any) bool { return false },
		})
	}()
	stderr.waitUntil(t, "startup line", func(s string) bool {
		select {
		case code := <-done:
			t.Fatalf("capture exited with %d: %s", code, stderr.String())
		default:
		}
		return strings.Contains(s, "capturing OpenSSL through ")
	})
	if line := stderr.String(); !strings.Contains(line, "libssl.so") || !strings.Contains(line, "SSL_write") || !strings.Contains(line, "only comm "+comm) {
		t.Errorf("startup line %q; want the library, its symbols and the filter", line)
	}

	for _, c := range [][]string{
		{mycurl, "-sSk", "--http1.1", srv.URL + "/curl/" + tok},
		{"python3", "-c", `import ssl, sys, urllib.request as u; u.urlopen(sys.argv[1], context=ssl._create_unverified_context()).read()`, srv.URL + "/python/" + tok},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", c[0], err, out)
		}
	}
	stdout.waitUntil(t, "curl's response", func(s string) bool {
		return strings.Count(s, "\n") >= 2 && strings.Contains(s, "token "+tok+" for /curl/")
	})
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("capture exited with %d: %s", code, stderr.String())
	}
	live := stdout.String()
	if strings.Contains(live, "/python/") {
		t.Errorf("python3's traffic passed --comm %s:\n%s", comm, live)
	}

	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("--write file mode %v; want 0600", fi.Mode().Perm())
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if !strings.Contains(line, `"comm":"`+comm+`"`) || !strings.Contains(line, `"lib":"openssl"`) {
			t.Errorf("recorded event not from curl through openssl: %s", line)
		}
	}
	code, replay, errs := tapir(t, "", "read", "-f", "json", file)
	if code != ExitOK {
		t.Fatalf("read exited with %d: %s", code, errs)
	}
	if replay != live {
		t.Errorf("tapir read of the --write file differs from the live output:\nlive:\n%s\nread:\n%s", live, replay)
	}
}

func TestCaptureUsage(t *testing.T) {
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"capture", "--ringbuf", "1KiB"}, "--ringbuf"},
		{[]string{"capture", "--comm", "a-name-longer-than-15"}, "15 bytes"},
		{[]string{"capture", "extra"}, "unknown command"},
		{[]string{"capture", "--format", "xml"}, "--format"},
	}
	for _, tt := range tests {
		code, _, errs := tapir(t, "", tt.args...)
		if code != ExitUsage || !strings.Contains(errs, tt.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errs, ExitUsage, tt.stderr)
		}
	}
}
