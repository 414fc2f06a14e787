//go:build linux && amd64

package ebpf_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/source/ebpf"
)

// staticClient is a minimal OpenSSL client: it sends a GET for argv[2] to
// 127.0.0.1:argv[1] and prints the response.
const staticClient = `#include <openssl/ssl.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(fd, (void *)&a, sizeof a)) return 1;
	SSL *s = SSL_new(ctx);
	SSL_set_fd(s, fd);
	if (SSL_connect(s) != 1) return 2;
	char req[512];
	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", argv[2]);
	SSL_write(s, req, strlen(req));
	char buf[4096];
	int n;
	while ((n = SSL_read(s, buf, sizeof buf)) > 0) fwrite(buf, 1, n, stdout);
	SSL_free(s);
	close(fd);
	return 0;
}
`

// buildStatic compiles staticClient statically linked with OpenSSL, or
// skips the test saying what is missing.
func buildStatic(t *testing.T, strip bool) string {
	t.Helper()
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "sslclient.c"), filepath.Join(dir, "sslclient")
	if err := os.WriteFile(src, []byte(staticClient), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-static", "-O1", "-o", bin, src, "-lssl", "-lcrypto", "-lpthread"}
	if strip {
		args = append(args, "-s")
	}
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Skipf("cannot build a static OpenSSL client (needs gcc and libssl-dev's libssl.a): %v: %.300s", err, out)
	}
	return bin
}

// TestStaticBinary: --libssl on a program statically linked with OpenSSL
// probes it through its symbol table; a stripped one is refused, saying so.
func TestStaticBinary(t *testing.T) {
	needCapture(t)
	bin := buildStatic(t, false)
	c, err := ebpf.Open(&ebpf.Options{Libs: []string{bin}, NoDiscover: true, Comms: []string{"sslclient"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ts := c.Targets(); len(ts) != 1 || ts[0].Path != bin || len(ts[0].Symbols) != 5 {
		t.Errorf("targets %v; want %s with 5 symbols", ts, bin)
	}

	tok := token(t)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "static %s", r.URL.Path)
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	cmd := exec.Command(bin, strconv.Itoa(port), "/s/"+tok)
	out, err := cmd.Output()
	if err != nil || !bytes.Contains(out, []byte("static /s/"+tok)) {
		t.Fatalf("client: %v: %q", err, out)
	}
	c.Stop()
	var evs []event.Event
	for {
		e, err := c.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if e.PID == uint32(cmd.Process.Pid) {
			cp := *e
			cp.Data = bytes.Clone(e.Data)
			evs = append(evs, cp)
		}
	}
	outb, _ := stream(evs, event.Out)
	in, _ := stream(evs, event.In)
	if !bytes.HasPrefix(outb, []byte("GET /s/"+tok+" HTTP/1.1\r\n")) || !bytes.Contains(in, []byte("static /s/"+tok)) || !closed(evs) {
		t.Errorf("static client's events:\n%s", describe(evs))
	}

	stripped := buildStatic(t, true)
	_, err = ebpf.Open(&ebpf.Options{Libs: []string{stripped}, NoDiscover: true})
	if err == nil || !strings.Contains(err.Error(), "no SSL_write symbol") {
		t.Errorf("stripped binary: %v; want a missing-symbol error", err)
	}
}
