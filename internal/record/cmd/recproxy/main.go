// Command recproxy is a TCP proxy that records each client connection to
// an event file, as the client sees it: what the client wrote (out) and
// what it was sent back (in), under the client's real pid, name and file
// descriptor, found through /proc.
//
//	recproxy -listen 127.0.0.1:PORT -to HOST:PORT -o FILE [-n N] [-linger D]
//
// It stops on SIGINT or SIGTERM, or after -n connections have ended, and
// then waits for open connections before closing the file. The file is
// readable by its owner only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/tapir-dev/tapir/internal/record"
	"github.com/tapir-dev/tapir/source/eventfile"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "recproxy:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("recproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		listen = fs.String("listen", "", "`address` to listen on, e.g. 127.0.0.1:8081 (port 0 picks one)")
		to     = fs.String("to", "", "server `address` to forward to, e.g. 127.0.0.1:8080")
		out    = fs.String("o", "", "event `file` to write (.gz and .zst compress)")
		n      = fs.Int("n", 0, "stop after this many client connections have ended (0: run until SIGINT or SIGTERM)")
		linger = fs.Duration("linger", 2*time.Second, "how long to wait for a server's last bytes after its client closed, and for open connections at the end")
		lib    = fs.String("lib", "recproxy", "the events' lib field")
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: recproxy -listen ADDR -to ADDR -o FILE [-n N] [-linger D]\n\n")
		fmt.Fprintf(stderr, "Forwards TCP connections and records each one to FILE from the client's point of view.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *listen == "" || *to == "" || *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("-listen, -to and -o are required, and no arguments are taken")
	}
	w, err := eventfile.Create(*out)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		w.Close()
		return err
	}
	fmt.Fprintf(stderr, "recproxy: listening on %s, forwarding to %s, recording to %s\n", ln.Addr(), *to, *out)

	var (
		mu      sync.Mutex
		conns   int
		missing int
	)
	p := &record.Proxy{
		To:       *to,
		Rec:      record.New(w),
		Lib:      *lib,
		MaxConns: *n,
		Linger:   *linger,
		OnConn: func(ci record.ConnInfo) {
			mu.Lock()
			defer mu.Unlock()
			conns++
			if ci.Err != nil {
				missing++
				fmt.Fprintf(stderr, "recproxy: %v -> %v: client process not found (%v); recording it as the proxy's own pid %d fd %d\n",
					ci.Client, ci.Server, ci.Err, ci.ID.PID, ci.ID.FD)
				return
			}
			fmt.Fprintf(stderr, "recproxy: %v -> %v: pid %d (%s) fd %d\n", ci.Client, ci.Server, ci.ID.PID, ci.ID.Comm, ci.ID.FD)
		},
		OnError: func(err error) {
			fmt.Fprintln(stderr, "recproxy:", err)
		},
	}
	err = p.Serve(ctx, ln)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	mu.Lock()
	fmt.Fprintf(stderr, "recproxy: %d connections recorded to %s (%d under the proxy's own pid)\n", conns, *out, missing)
	mu.Unlock()
	return err
}
