// Command h2rec records real HTTP/2 and gRPC programs talking on
// loopback, for tests: Go clients and servers whose plaintext side goes
// through record.Conn, so the event file holds what each endpoint wrote
// and read, as a capture of its TLS library would.
//
//	h2rec -kind go-h2c -o FILE   # net/http client -> net/http server, unencrypted HTTP/2
//	h2rec -kind go-tls -o FILE   # x/net/http2 client -> net/http handler over TLS; both ends
//	h2rec -kind grpc -o FILE     # google.golang.org/grpc client -> server
//	GODEBUG=http2xconnect=1 h2rec -kind ws -o FILE  # WebSockets over HTTP/2 (RFC 8441); both ends
//	h2rec -serve ADDR            # an h2c server (prior knowledge and Upgrade) for curl
//
// -serve runs until SIGINT or SIGTERM and records nothing: curl is
// recorded by recproxy in front of it.
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
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"

	"github.com/tapir-dev/tapir/internal/record"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "h2rec:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("h2rec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "event `file` to write")
	kind := fs.String("kind", "", "what to record: go-h2c, go-tls, grpc or ws")
	serve := fs.String("serve", "", "serve h2c on `address` (loopback) until SIGTERM, recording nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *serve != "" {
		return serveH2C(ctx, *serve, stderr)
	}
	if *out == "" || *kind == "" {
		fs.Usage()
		return errors.New("-kind and -o FILE are required")
	}
	sessions := map[string]func(*record.Recorder) (int, error){
		"go-h2c": goH2C,
		"go-tls": goTLS,
		"grpc":   grpcSession,
		"ws":     wsSession,
	}
	session, ok := sessions[*kind]
	if !ok {
		return fmt.Errorf("unknown -kind %q", *kind)
	}
	n, err := record.ToFile(*out, session)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "h2rec: %d exchanges recorded to %s\n", n, *out)
	return nil
}

// serveH2C serves the test handler over h2c, with prior knowledge or
// after an HTTP/1.1 Upgrade, until ctx ends.
func serveH2C(ctx context.Context, addr string, stderr io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// net/http serves prior-knowledge HTTP/2 itself; h2c's handler takes
	// the HTTP/1.1 requests that ask for an upgrade.
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: h2c.NewHandler(handler(), &http2.Server{}), Protocols: &protos,
		ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stderr, "h2rec: serving h2c on %s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
