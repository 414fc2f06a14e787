// Command gohttp records a Go net/http client talking to a Go net/http
// server over loopback: the client dials through record.Conn, so the event
// file holds what the client wrote and read, as a capture of its TLS
// library would.
//
//	gohttp -o FILE
//
// The exchanges: a GET answered with JSON and an ETag, a conditional GET
// answered 304, a POST with a JSON body answered 201, a chunked response,
// a gzip-encoded response, a DELETE answered 204, a PUT that sends
// "Expect: 100-continue" and waits for the 100, and a request with
// "Connection: close"; then one more GET on a new connection.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/tapir-dev/tapir/internal/record"
	"github.com/tapir-dev/tapir/internal/record/testserver"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "gohttp:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("gohttp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "event `file` to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errors.New("-o FILE is required")
	}
	n, err := record.ToFile(*out, session)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "gohttp: %d exchanges recorded to %s\n", n, *out)
	return nil
}

// session runs the server and the client's requests, and returns how many
// exchanges were made.
func session(rec *record.Recorder) (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{Handler: handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	var dialer net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return rec.Wrap(c), nil
		},
		MaxIdleConnsPerHost:   1,
		ExpectContinueTimeout: 5 * time.Second,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()

	type step struct {
		method, path string
		header       map[string]string
		body         string
		close        bool
		want         int
	}
	steps := []step{
		{method: "GET", path: "/api/items/42", header: map[string]string{"Accept": "application/json"}, want: 200},
		{method: "GET", path: "/api/items/42", header: map[string]string{"Accept": "application/json", "If-None-Match": `"item-42-v3"`}, want: 304},
		{method: "POST", path: "/api/items", header: map[string]string{"Content-Type": "application/json"},
			body: `{"name":"blue widget","price_cents":1299,"tags":["blue","small"]}`, want: 201},
		{method: "GET", path: "/events", want: 200},
		{method: "GET", path: "/report.html", want: 200},
		{method: "DELETE", path: "/api/items/41", want: 204},
		{method: "PUT", path: "/upload/notes.txt", header: map[string]string{"Expect": "100-continue", "Content-Type": "text/plain"},
			body: strings.Repeat("The quick brown fox jumps over the lazy dog.\n", 20), want: 200},
		{method: "GET", path: "/api/items/43", close: true, want: 200},
		{method: "GET", path: "/api/items/44", want: 200},
	}
	for i, s := range steps {
		var body io.Reader
		if s.body != "" {
			body = strings.NewReader(s.body)
		}
		req, err := http.NewRequest(s.method, base+s.path, body)
		if err != nil {
			return i, err
		}
		for k, v := range s.header {
			req.Header.Set(k, v)
		}
		req.Close = s.close
		resp, err := client.Do(req)
		if err != nil {
			return i, fmt.Errorf("%s %s: %w", s.method, s.path, err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return i, fmt.Errorf("%s %s: body: %w", s.method, s.path, err)
		}
		if resp.StatusCode != s.want {
			return i, fmt.Errorf("%s %s: status %d; want %d", s.method, s.path, resp.StatusCode, s.want)
		}
	}
	tr.CloseIdleConnections()
	return len(steps), rec.Err()
}

// handler serves the session's paths.
func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		etag := `"item-` + r.PathValue("id") + `-v3"`
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "max-age=60")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
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
	mux.HandleFunc("DELETE /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		// No Content-Length and several flushes: chunked.
		w.Header().Set("Content-Type", "application/x-ndjson")
		rc := http.NewResponseController(w)
		for i := range 4 {
			fmt.Fprintf(w, "{\"seq\":%d,\"event\":\"tick\",\"load\":%.2f}\n", i, 0.25*float64(i+1))
			if err := rc.Flush(); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("GET /report.html", func(w http.ResponseWriter, r *http.Request) {
		var page bytes.Buffer
		page.WriteString("<!DOCTYPE html>\n<html><head><title>Quarterly report</title></head><body>\n<h1>Quarterly report</h1>\n")
		for i := range 12 {
			fmt.Fprintf(&page, "<p>Region %d: orders grew, returns fell, and the warehouse shipped on time.</p>\n", i+1)
		}
		page.WriteString("</body></html>\n")
		testserver.WriteHTML(w, r, page.Bytes())
	})
	mux.HandleFunc("PUT /upload/{name}", func(w http.ResponseWriter, r *http.Request) {
		// Reading the body makes the server send "100 Continue" first.
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		testserver.WriteJSON(w, http.StatusOK, map[string]any{"name": r.PathValue("name"), "bytes": n})
	})
	return mux
}
