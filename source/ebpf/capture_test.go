//go:build linux && amd64

package ebpf_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/source/ebpf"
)

// waitFor bounds how long a test waits for events that should come at once.
const waitFor = 30 * time.Second

// testMaxCall is the shared capture's per-call cap: small enough that the
// large-write test sees a call cut.
const testMaxCall = 1 << 20

// Probes are attached once per test binary (detaching a dozen uprobes takes
// about a second): the first test that needs them opens the shared capture;
// TestMain closes it.
var shared struct {
	once sync.Once
	cap  *ebpf.Capture
	err  error
	hub  *hub
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.cap != nil {
		shared.cap.Stop()
		<-shared.hub.done
		shared.cap.Close()
	}
	os.Exit(code)
}

// needCapture returns the shared capture's events, skipping the test where
// live capture cannot run (with the reason) and failing it in CI, which is
// root and must run it.
func needCapture(t testing.TB) *hub {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must run live capture tests as root")
		}
		t.Skip("live capture needs root to load BPF programs")
	}
	for _, tool := range []string{"curl", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("live capture tests need %s: %v", tool, err)
		}
	}
	shared.once.Do(func() {
		shared.cap, shared.err = ebpf.Open(&ebpf.Options{MaxCall: testMaxCall, RingBuffer: 64 << 20})
		if shared.err == nil {
			shared.hub = newHub(shared.cap)
		}
	})
	if shared.err != nil {
		if errors.Is(shared.err, ebpf.ErrUnsupported) {
			t.Skip(shared.err)
		}
		t.Fatalf("open: %v", shared.err)
	}
	return shared.hub
}

// hub reads the capture and keeps a copy of every event for the tests,
// or hands them to a consumer (benchmarks).
type hub struct {
	mu      sync.Mutex
	events  []event.Event
	changed chan struct{} // closed and replaced when events grow
	consume func(*event.Event)
	done    chan struct{}
}

func newHub(c *ebpf.Capture) *hub {
	h := &hub{changed: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for {
			e, err := c.Next()
			if err != nil {
				return
			}
			h.mu.Lock()
			if h.consume != nil {
				h.consume(e)
			} else {
				cp := *e
				cp.Data = bytes.Clone(e.Data)
				h.events = append(h.events, cp)
				close(h.changed)
				h.changed = make(chan struct{})
			}
			h.mu.Unlock()
		}
	}()
	return h
}

// setConsumer routes events to fn instead of keeping them; nil restores.
func (h *hub) setConsumer(fn func(*event.Event)) {
	h.mu.Lock()
	h.consume = fn
	h.mu.Unlock()
}

// of returns the events of one process so far.
func (h *hub) of(pid int) []event.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []event.Event
	for _, e := range h.events {
		if e.PID == uint32(pid) {
			out = append(out, e)
		}
	}
	return out
}

// wait returns pid's events once done says they are all there, or fails.
func (h *hub) wait(t testing.TB, pid int, what string, done func([]event.Event) bool) []event.Event {
	t.Helper()
	timeout := time.NewTimer(waitFor)
	defer timeout.Stop()
	for {
		h.mu.Lock()
		ch := h.changed
		h.mu.Unlock()
		evs := h.of(pid)
		if done(evs) {
			return evs
		}
		select {
		case <-ch:
		case <-timeout.C:
			t.Fatalf("no %s from pid %d after %v; got %d events:\n%s", what, pid, waitFor, len(evs), describe(evs))
		}
	}
}

// closed reports whether a close event is among evs.
func closed(evs []event.Event) bool {
	for _, e := range evs {
		if e.Kind == event.Close {
			return true
		}
	}
	return false
}

func describe(evs []event.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "  %s %s fd=%d %s→%s %dB orig=%d %.60q\n", e.Kind, e.Dir, e.FD, e.Src, e.Dst, len(e.Data), e.OrigLen, e.Data)
	}
	return b.String()
}

// stream concatenates the data of one direction and sums its lost bytes.
func stream(evs []event.Event, dir event.Dir) (data []byte, lost int) {
	for _, e := range evs {
		if e.Kind == event.Data && e.Dir == dir {
			data = append(data, e.Data...)
			lost += e.Lost()
		}
	}
	return data, lost
}

func token(t testing.TB) string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// certFiles writes a self-signed certificate for 127.0.0.1 and its key.
func certFiles(t testing.TB) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "tapir test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// socketFD finds the fd of pid's TCP socket whose local port is port, from
// /proc: the ground truth the captured fd is checked against.
func socketFD(pid, port int) (int, error) {
	inode := ""
	for _, f := range []string{"net/tcp", "net/tcp6"} {
		data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), f))
		if err != nil {
			return -1, err
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) < 10 {
				continue
			}
			local := fs[1]
			p, err := strconv.ParseUint(local[strings.IndexByte(local, ':')+1:], 16, 16)
			if err == nil && int(p) == port {
				inode = fs[9]
			}
		}
	}
	if inode == "" {
		return -1, fmt.Errorf("no socket on local port %d", port)
	}
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return -1, err
	}
	for _, e := range ents {
		if l, _ := os.Readlink(filepath.Join(dir, e.Name())); l == "socket:["+inode+"]" {
			return strconv.Atoi(e.Name())
		}
	}
	return -1, fmt.Errorf("pid %d has no fd for socket inode %s", pid, inode)
}

// runPython starts a python3 script written to a temp file.
func runPython(t testing.TB, script string, args ...string) (*exec.Cmd, io.Reader) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "script.py")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", append([]string{path}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
