package workload

import (
	"errors"
	"fmt"

	"github.com/tapir-dev/tapir/event"
)

// Kind names a workload.
type Kind string

const (
	// KeepAlive is 1,000 HTTP/1.1 connections of 100 exchanges each, from
	// several client processes over TLS (lib "openssl"). Each request is
	// written in one event; each response is read in pieces of 1 B to
	// 16 KiB, so most span several events. About 213 MB as JSON Lines.
	KeepAlive Kind = "keepalive"
	// Churn is 100,000 short HTTP/1.1 connections of one exchange each.
	// File descriptors are reused after close, as a real process does.
	Churn Kind = "churn"
	// Binary is connections carrying random, non-text payloads both ways,
	// for the raw parser.
	Binary Kind = "binary"
)

// Config tunes a workload. The zero value gives each Kind's defaults.
type Config struct {
	// Seed selects the random stream; the same seed gives the same
	// events. 0 means 1.
	Seed uint64
	// Conns is the number of connections; 0 means the Kind's default.
	Conns int
	// Exchanges is the number of request/response turns per connection;
	// 0 means the Kind's default.
	Exchanges int
	// Open is how many connections may be open at once (default 100). A
	// connection that has finished its exchanges stays open, idle, until
	// a new connection needs its place or the input ends. A negative
	// value, or one of at least Conns, means no limit: every connection
	// stays open until the very end, then all close.
	Open int
	// BodySize is the size of the uncompressed bodies of chunked-gzip
	// (default 256 KiB); other kinds ignore it.
	BodySize int
	// Parallel is how many connections exchange data at once, their
	// events interleaved at random (default 100, at most Open).
	Parallel int
}

// Spec describes one workload in the table of generators.
type Spec struct {
	Kind Kind
	// Doc is a one-paragraph description, for -h.
	Doc string
	// Conns and Exchanges are the defaults Config's zero fields take.
	Conns, Exchanges int
	gen              func(*generator) world
}

// DefaultOpen is the number of connections open at once when Config.Open
// is 0; DefaultParallel is the default of Config.Parallel.
const (
	DefaultOpen     = 100
	DefaultParallel = 100
)

// specs is the ordered table of generators. Later kinds (chunked-gzip,
// pipelined, http2, websocket) are added here.
var specs = []Spec{
	{
		Kind: KeepAlive,
		Doc: "HTTP/1.1 keep-alive: 1,000 connections x 100 exchanges from curl, python3, " +
			"nginx (as a proxy), api-client and node; GET, POST, PUT and DELETE with JSON " +
			"bodies; responses (JSON, HTML, 204, 304, 404) read in pieces of 1 B to 16 KiB; " +
			"the last request of a connection asks for Connection: close. About 213 MB as JSON Lines.",
		Conns: 1000, Exchanges: 100,
		gen: newHTTPWorld,
	},
	{
		Kind: Churn,
		Doc: "HTTP/1.1 connection churn: 100,000 connections x 1 exchange then close; " +
			"-open says how many are open at once (default 100, -1 keeps all open until the " +
			"end); file descriptors are reused after close.",
		Conns: 100000, Exchanges: 1,
		gen: newHTTPWorld,
	},
	{
		Kind: Binary,
		Doc: "Binary: 1,000 connections x 10 turns of random non-text payloads (16 B to " +
			"4 KiB written, 16 B to 16 KiB read in pieces); no text protocol matches them.",
		Conns: 1000, Exchanges: 10,
		gen: newBinaryWorld,
	},
	{
		Kind: ChunkedGzip,
		Doc: "HTTP/1.1 downloads: 50 connections x 20 responses of about 256 KB of JSON, " +
			"gzip-encoded and chunked (chunks of 4 to 32 KiB), read in pieces of 1 B to 16 KiB.",
		Conns: 50, Exchanges: 20,
		gen: newChunkedGzipWorld,
	},
	{
		Kind: Pipelined,
		Doc: "HTTP/1.1 pipelining: 200 connections x 50 writes of 1 to 8 requests each " +
			"(the keepalive mix); the responses come back back-to-back, read in pieces.",
		Conns: 200, Exchanges: 50,
		gen: newPipelinedWorld,
	},
	{Kind: WebSocket, Doc: wsDoc, Conns: 100, Exchanges: 100, gen: newWebSocketWorld},
	{Kind: HTTP2, Doc: http2Doc, Conns: 100, Exchanges: 100, gen: newHTTP2World},
	{Kind: GRPC, Doc: grpcDoc, Conns: 100, Exchanges: 100, gen: newGRPCWorld},
}

// Specs returns the table of workloads, in order.
func Specs() []Spec { return append([]Spec(nil), specs...) }

// Lookup returns the Spec of kind.
func Lookup(kind Kind) (Spec, bool) {
	for _, s := range specs {
		if s.Kind == kind {
			return s, true
		}
	}
	return Spec{}, false
}

// ErrUnknownKind is returned for a Kind not in the table.
var ErrUnknownKind = errors.New("unknown workload kind")

// Generate produces the events of workload kind and hands them, in capture
// order, to yield. The Event and its Data are valid only during the call
// to yield. An error from yield stops generation and is returned.
func Generate(kind Kind, cfg Config, yield func(*event.Event) error) error {
	s, ok := Lookup(kind)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownKind, kind)
	}
	cfg, err := s.resolve(cfg)
	if err != nil {
		return err
	}
	g := newGenerator(cfg, yield)
	return g.run(s.gen(g))
}

// Collect returns every event of workload kind, with Data copied, for
// benchmarks that want the whole input in memory.
func Collect(kind Kind, cfg Config) ([]event.Event, error) {
	var (
		evs   []event.Event
		arena []byte
	)
	err := Generate(kind, cfg, func(e *event.Event) error {
		c := *e
		if len(e.Data) > 0 {
			if len(arena)+len(e.Data) > cap(arena) {
				arena = make([]byte, 0, max(1<<20, len(e.Data)))
			}
			start := len(arena)
			arena = append(arena, e.Data...)
			c.Data = arena[start:len(arena):len(arena)]
		} else {
			c.Data = nil
		}
		evs = append(evs, c)
		return nil
	})
	return evs, err
}

// resolve fills cfg's zero fields with s's defaults and checks the rest.
func (s Spec) resolve(cfg Config) (Config, error) {
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Conns == 0 {
		cfg.Conns = s.Conns
	}
	if cfg.Exchanges == 0 {
		cfg.Exchanges = s.Exchanges
	}
	if cfg.Conns < 0 || cfg.Exchanges < 0 {
		return cfg, fmt.Errorf("workload %s: negative conns (%d) or exchanges (%d)", s.Kind, cfg.Conns, cfg.Exchanges)
	}
	switch {
	case cfg.Open == 0:
		cfg.Open = DefaultOpen
	case cfg.Open < 0 || cfg.Open > cfg.Conns:
		cfg.Open = max(cfg.Conns, 1)
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = DefaultParallel
	}
	cfg.Parallel = min(cfg.Parallel, cfg.Open)
	return cfg, nil
}
