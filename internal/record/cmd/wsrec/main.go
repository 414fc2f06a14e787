// Command wsrec records a WebSocket session between a Go client and a Go
// server, both using github.com/coder/websocket, over loopback: the
// client dials through record.Conn, so the event file holds what the
// client wrote and read, as a capture of its TLS library would; with
// -server the server's accepted connection is recorded too.
//
//	wsrec -mode plain|deflate|nocontext [-server] -o FILE
//
// The session, after the handshake (subprotocol "chat.v1", and
// permessage-deflate unless -mode plain; with context takeover for
// deflate, without for nocontext): the client sends a short text, a
// 256-byte binary message, a text message in three fragments, a ping,
// two JSON documents of about 2 KB that differ in a few bytes (with
// context takeover the second refers to the first), a 291-byte text
// (16-bit length) and a text asking the server to answer in fragments;
// the server echoes each message back, the last one in three fragments;
// then the client closes with 1000 "bye" and the server answers the
// close.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/tapir-dev/tapir/internal/record"
	"github.com/tapir-dev/tapir/internal/record/testserver"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "wsrec:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("wsrec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "event `file` to write")
	mode := fs.String("mode", "deflate", "compression: plain, deflate (context takeover) or nocontext")
	srv := fs.Bool("server", false, "record the server's connection too")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errors.New("-o FILE is required")
	}
	cm, ok := map[string]websocket.CompressionMode{
		"plain":     websocket.CompressionDisabled,
		"deflate":   websocket.CompressionContextTakeover,
		"nocontext": websocket.CompressionNoContextTakeover,
	}[*mode]
	if !ok {
		return fmt.Errorf("unknown -mode %q", *mode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, err := record.ToFile(*out, func(rec *record.Recorder) (int, error) {
		return session(ctx, rec, cm, *srv)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wsrec: %d messages echoed, recorded to %s\n", n, *out)
	return nil
}

// listener records the connections it accepts.
type listener struct {
	net.Listener
	rec *record.Recorder
}

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.rec.Wrap(c), nil
}

// session runs the server and the client, and returns how many messages
// came back.
func session(ctx context.Context, rec *record.Recorder, cm websocket.CompressionMode, recordServer bool) (int, error) {
	var ln net.Listener
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	base := ln.Addr().String()
	if recordServer {
		ln = listener{Listener: ln, rec: rec}
	}
	done := make(chan error, 1)
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done <- serve(w, r, cm)
	})}
	go srv.Serve(ln)
	defer srv.Close()

	var dialer net.Dialer
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return rec.Wrap(c), nil
		},
	}}
	c, _, err := websocket.Dial(ctx, "ws://"+base+"/chat", &websocket.DialOptions{
		HTTPClient:      client,
		Subprotocols:    []string{"chat.v1"},
		CompressionMode: cm,
	})
	if err != nil {
		return 0, fmt.Errorf("dial: %w", err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)

	// A reader goroutine, so that pongs and the close are read while the
	// client writes.
	type msg struct {
		typ  websocket.MessageType
		data []byte
	}
	echoes := make(chan msg)
	readErr := make(chan error, 1)
	go func() {
		for {
			typ, data, err := c.Read(ctx)
			if err != nil {
				readErr <- err
				close(echoes)
				return
			}
			echoes <- msg{typ, data}
		}
	}()

	bin := make([]byte, 256)
	for i := range bin {
		bin[i] = byte(i)
	}
	doc := func(user string) []byte {
		var b strings.Builder
		b.WriteString(`{"type":"roster","room":"general","members":[`)
		for i := range 24 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":%d,"name":"member-%02d","status":"online","last_seen":"2024-11-23T08:%02d:00Z"}`, 1000+i, i, i)
		}
		fmt.Fprintf(&b, `],"requested_by":%q}`, user)
		return []byte(b.String())
	}
	steps := []struct {
		typ   websocket.MessageType
		parts [][]byte // written as fragments when more than one
		ping  bool
	}{
		{typ: websocket.MessageText, parts: [][]byte{[]byte("hello, websocket")}},
		{typ: websocket.MessageBinary, parts: [][]byte{bin}},
		{typ: websocket.MessageText, parts: [][]byte{[]byte("part one, "), []byte("part two, "), []byte("part three")}},
		{ping: true},
		{typ: websocket.MessageText, parts: [][]byte{doc("ada")}},
		{typ: websocket.MessageText, parts: [][]byte{doc("grace")}},
		{typ: websocket.MessageText, parts: [][]byte{[]byte(strings.Repeat("sixteen-bit len ", 18) + "end")}},
		{typ: websocket.MessageText, parts: [][]byte{[]byte("frag: answer me in pieces, please; " + strings.Repeat("la ", 60))}},
	}
	n := 0
	for i, s := range steps {
		if s.ping {
			if err := c.Ping(ctx); err != nil {
				return n, fmt.Errorf("step %d: ping: %w", i, err)
			}
			continue
		}
		w, err := c.Writer(ctx, s.typ)
		if err != nil {
			return n, fmt.Errorf("step %d: %w", i, err)
		}
		var want []byte
		for _, p := range s.parts {
			if _, err := w.Write(p); err != nil {
				return n, fmt.Errorf("step %d: write: %w", i, err)
			}
			want = append(want, p...)
		}
		if err := w.Close(); err != nil {
			return n, fmt.Errorf("step %d: close writer: %w", i, err)
		}
		m, ok := <-echoes
		if !ok {
			return n, fmt.Errorf("step %d: read: %w", i, <-readErr)
		}
		if m.typ != s.typ || string(m.data) != string(want) {
			return n, fmt.Errorf("step %d: echo differs (%v, %d bytes)", i, m.typ, len(m.data))
		}
		n++
	}
	if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		return n, fmt.Errorf("close: %w", err)
	}
	if err := <-done; err != nil {
		return n, fmt.Errorf("server: %w", err)
	}
	return n, rec.Err()
}

// serve echoes every message back with its type; a text starting with
// "frag:" is answered in three fragments.
func serve(w http.ResponseWriter, r *http.Request, cm websocket.CompressionMode) error {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:    []string{"chat.v1"},
		CompressionMode: cm,
	})
	if err != nil {
		return err
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	return testserver.Echo(r.Context(), c)
}
