// Package testserver holds what the recorders' test servers (cmd/gohttp,
// cmd/h2rec, cmd/wsrec) answer alike: JSON replies, a page gzipped when
// the client accepts it, and a WebSocket echo.
package testserver

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/coder/websocket"
)

// WriteJSON answers with status and v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// WriteHTML answers with page, gzipped (with its Content-Length) when the
// request's Accept-Encoding offers gzip.
func WriteHTML(w http.ResponseWriter, r *http.Request, page []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "Accept-Encoding")
	if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Write(page)
		return
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(page)
	zw.Close()
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Content-Length", strconv.Itoa(z.Len()))
	w.Write(z.Bytes())
}

// Echo sends every message of c back with its type until the peer closes
// normally; a message starting with "frag:" goes back in three fragments.
func Echo(ctx context.Context, c *websocket.Conn) error {
	for {
		typ, data, err := c.Read(ctx)
		if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
			return nil
		}
		if err != nil {
			return err
		}
		parts := [][]byte{data}
		if strings.HasPrefix(string(data), "frag:") {
			third := len(data) / 3
			parts = [][]byte{data[:third], data[third : 2*third], data[2*third:]}
		}
		wr, err := c.Writer(ctx, typ)
		if err != nil {
			return err
		}
		for _, p := range parts {
			if _, err := wr.Write(p); err != nil {
				return err
			}
		}
		if err := wr.Close(); err != nil {
			return err
		}
	}
}
