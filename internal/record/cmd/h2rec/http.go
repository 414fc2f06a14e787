package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"

	"github.com/tapir-dev/tapir/internal/record"
	"github.com/tapir-dev/tapir/internal/record/testserver"
)

// handler serves the paths of the HTTP/2 sessions.
func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"item-`+r.PathValue("id")+`-v3"`)
		w.Header().Set("Cache-Control", "max-age=60")
		testserver.WriteJSON(w, http.StatusOK, map[string]any{
			"id": r.PathValue("id"), "name": "red widget", "price_cents": 999, "in_stock": true,
		})
	})
	mux.HandleFunc("POST /api/items", func(w http.ResponseWriter, r *http.Request) {
		var item map[string]any
		if err := json.NewDecoder(r.Body).Decode(&item); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		item["id"] = "43"
		w.Header().Set("Location", "/api/items/43")
		testserver.WriteJSON(w, http.StatusCreated, item)
	})
	mux.HandleFunc("GET /report.html", func(w http.ResponseWriter, r *http.Request) {
		var page bytes.Buffer
		page.WriteString("<!DOCTYPE html>\n<html><head><title>Quarterly report</title></head><body>\n")
		for i := range 12 {
			fmt.Fprintf(&page, "<p>Region %d: orders grew, returns fell, and the warehouse shipped on time.</p>\n", i+1)
		}
		page.WriteString("</body></html>\n")
		testserver.WriteHTML(w, r, page.Bytes())
	})
	mux.HandleFunc("GET /download", func(w http.ResponseWriter, r *http.Request) {
		// About 24 KB in writes of 8 KiB: several DATA frames, read in
		// pieces.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		var b bytes.Buffer
		for i := 0; b.Len() < 24000; i++ {
			fmt.Fprintf(&b, "line %05d: the quick brown fox jumps over the lazy dog\n", i)
		}
		w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
		for p := b.Bytes(); len(p) > 0; {
			n := min(len(p), 8192)
			w.Write(p[:n])
			p = p[n:]
		}
	})
	mux.HandleFunc("GET /trailers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Rows, X-Checksum")
		w.Header().Set("Content-Type", "text/csv")
		w.WriteHeader(http.StatusOK)
		rows := "id,name\n1,ada\n2,grace\n3,edsger\n"
		io.WriteString(w, rows)
		w.Header().Set("X-Rows", "3")
		w.Header().Set("X-Checksum", "sha256:5e1c0ffee")
	})
	mux.HandleFunc("GET /slow/{n}", func(w http.ResponseWriter, r *http.Request) {
		// Three flushed pieces a few milliseconds apart: the responses of
		// concurrent requests interleave.
		w.Header().Set("Content-Type", "application/x-ndjson")
		rc := http.NewResponseController(w)
		for i := range 3 {
			fmt.Fprintf(w, "{\"req\":%s,\"part\":%d}\n", r.PathValue("n"), i)
			rc.Flush()
			time.Sleep(3 * time.Millisecond)
		}
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		// Lines until the client gives up (it resets the stream).
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		for i := range 200 {
			if _, err := fmt.Fprintf(w, "data: tick %d\n\n", i); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
			select {
			case <-r.Context().Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	mux.HandleFunc("GET /big-header", func(w http.ResponseWriter, r *http.Request) {
		testserver.WriteJSON(w, http.StatusOK, map[string]any{"x-big": len(r.Header.Get("X-Big"))})
	})
	return mux
}

// step is one request of a session.
type step struct {
	method, path string
	header       map[string]string
	body         string
	want         int
}

// do makes one request and reads its response whole.
func do(ctx context.Context, client *http.Client, base string, s step) error {
	var body io.Reader
	if s.body != "" {
		body = strings.NewReader(s.body)
	}
	req, err := http.NewRequestWithContext(ctx, s.method, base+s.path, body)
	if err != nil {
		return err
	}
	for k, v := range s.header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", s.method, s.path, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("%s %s: body: %w", s.method, s.path, err)
	}
	if resp.StatusCode != s.want {
		return fmt.Errorf("%s %s: status %d; want %d", s.method, s.path, resp.StatusCode, s.want)
	}
	if resp.ProtoMajor != 2 {
		return fmt.Errorf("%s %s: %s, not HTTP/2", s.method, s.path, resp.Proto)
	}
	return nil
}

// exchanges runs the session's requests on client: one at a time, then
// six at once, then a stream the client cancels; it returns how many
// requests were made.
func exchanges(client *http.Client, base string, big bool) (int, error) {
	ctx := context.Background()
	steps := []step{
		{method: "GET", path: "/api/items/42", header: map[string]string{"Accept": "application/json"}, want: 200},
		{method: "POST", path: "/api/items", header: map[string]string{"Content-Type": "application/json"},
			body: `{"name":"blue widget","price_cents":1299,"tags":["blue","small"]}`, want: 201},
		{method: "GET", path: "/report.html", want: 200},
		{method: "GET", path: "/api/items/43", header: map[string]string{"Accept": "application/json"}, want: 200},
		{method: "GET", path: "/download", want: 200},
		{method: "GET", path: "/trailers", want: 200},
		{method: "GET", path: "/missing", want: 404},
	}
	if big {
		// A header block longer than a frame: HEADERS and CONTINUATION.
		steps = append(steps, step{method: "GET", path: "/big-header",
			header: map[string]string{"X-Big": strings.Repeat("0123456789abcdef", 1500)}, want: 200})
	}
	n := 0
	for _, s := range steps {
		if err := do(ctx, client, base, s); err != nil {
			return n, err
		}
		n++
	}
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- do(ctx, client, base, step{method: "GET", path: "/slow/" + strconv.Itoa(i+1), want: 200})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return n, err
		}
		n++
	}
	// A stream the client cancels after a few events: RST_STREAM.
	cctx, cancel := context.WithCancel(ctx)
	req, _ := http.NewRequestWithContext(cctx, "GET", base+"/stream", nil)
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		return n, err
	}
	buf := make([]byte, 64)
	for read := 0; read < 40; {
		k, err := resp.Body.Read(buf)
		read += k
		if err != nil {
			break
		}
	}
	cancel()
	resp.Body.Close()
	n++
	// Let the reset reach the server before the connection closes.
	time.Sleep(50 * time.Millisecond)
	return n, nil
}

// goH2C records net/http's client talking unencrypted HTTP/2 (prior
// knowledge) to net/http's server. The server announces a header table of
// 1 KiB, so the client's encoder shrinks its table.
func goH2C(rec *record.Recorder) (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: handler(), Protocols: &protos, ReadHeaderTimeout: 5 * time.Second,
		HTTP2: &http.HTTP2Config{MaxDecoderHeaderTableSize: 1024}}
	go srv.Serve(ln)
	defer srv.Close()

	var dialer net.Dialer
	tr := &http.Transport{
		Protocols: &protos,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return rec.Wrap(c), nil
		},
	}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	n, err := exchanges(client, "http://"+ln.Addr().String(), true)
	tr.CloseIdleConnections()
	if err != nil {
		return n, err
	}
	return n, rec.Err()
}

// goTLS records x/net/http2's client talking to x/net/http2's server (the
// net/http handler) over TLS with ALPN h2. Both ends are recorded, on
// the plaintext side of crypto/tls, with lib "gotls".
func goTLS(rec *record.Recorder) (int, error) {
	cert, pool, err := selfSigned()
	if err != nil {
		return 0, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	var served sync.WaitGroup
	h := handler()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			served.Add(1)
			go func() {
				defer served.Done()
				tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}})
				if err := tc.Handshake(); err != nil {
					c.Close()
					return
				}
				id := rec.Wrap(c).Identity()
				id.Lib = "gotls"
				rc := rec.WrapAs(tc, id)
				(&http2.Server{}).ServeConn(rc, &http2.ServeConnOpts{Handler: h, BaseConfig: &http.Server{}})
				rc.Close()
			}()
		}
	}()

	var dialer net.Dialer
	tr := &http2.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: []string{"h2"}},
		DialTLSContext: func(ctx context.Context, network, _ string, cfg *tls.Config) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, ln.Addr().String())
			if err != nil {
				return nil, err
			}
			tc := tls.Client(c, cfg)
			if err := tc.HandshakeContext(ctx); err != nil {
				c.Close()
				return nil, err
			}
			id := rec.Wrap(c).Identity()
			id.Lib = "gotls"
			return rec.WrapAs(tc, id), nil
		},
	}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	n, err := exchanges(client, "https://localhost:"+strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), false)
	tr.CloseIdleConnections()
	served.Wait()
	if err != nil {
		return n, err
	}
	return n, rec.Err()
}

// selfSigned makes a certificate for localhost and a pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
