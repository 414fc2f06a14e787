package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/encoding/gzip" // registers the gzip compressor
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tapir-dev/tapir/internal/record"
)

// The test service, defined without protoc: its messages are protobuf's
// well-known wrapper and struct types.
//
//	service tapir.test.Echo {
//	  rpc Say(google.protobuf.StringValue) returns (google.protobuf.StringValue);
//	  rpc Lookup(google.protobuf.Struct) returns (google.protobuf.Struct);
//	  rpc Count(google.protobuf.Int64Value) returns (stream google.protobuf.Int64Value);
//	  rpc Sum(stream google.protobuf.Int64Value) returns (google.protobuf.Int64Value);
//	}
const echoService = "tapir.test.Echo"

var echoDesc = grpc.ServiceDesc{
	ServiceName: echoService,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Say", Handler: sayHandler},
		{MethodName: "Lookup", Handler: lookupHandler},
	},
	Streams: []grpc.StreamDesc{
		{StreamName: "Count", Handler: countHandler, ServerStreams: true},
		{StreamName: "Sum", Handler: sumHandler, ClientStreams: true},
	},
}

func sayHandler(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	in := new(wrapperspb.StringValue)
	if err := dec(in); err != nil {
		return nil, err
	}
	if in.Value == "" {
		return nil, status.Error(codes.InvalidArgument, "name is empty: say who — «quelqu'un»")
	}
	return wrapperspb.String("hello, " + in.Value), nil
}

func lookupHandler(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	in := new(structpb.Struct)
	if err := dec(in); err != nil {
		return nil, err
	}
	id := in.Fields["id"].GetNumberValue()
	if id != 42 {
		return nil, status.Errorf(codes.NotFound, "item %v not found", id)
	}
	return structpb.NewStruct(map[string]any{
		"id": 42, "name": "red widget", "in_stock": true, "tags": []any{"red", "small"},
		"dimensions": map[string]any{"w": 12.5, "h": 3},
	})
}

func countHandler(_ any, ss grpc.ServerStream) error {
	in := new(wrapperspb.Int64Value)
	if err := ss.RecvMsg(in); err != nil {
		return err
	}
	for i := int64(1); i <= in.Value; i++ {
		if err := ss.SendMsg(wrapperspb.Int64(i * i)); err != nil {
			return err
		}
	}
	return nil
}

func sumHandler(_ any, ss grpc.ServerStream) error {
	var sum int64
	for {
		in := new(wrapperspb.Int64Value)
		err := ss.RecvMsg(in)
		if errors.Is(err, io.EOF) {
			return ss.SendMsg(wrapperspb.Int64(sum))
		}
		if err != nil {
			return err
		}
		sum += in.Value
	}
}

// grpcSession records a grpc-go client calling a grpc-go server over
// plaintext HTTP/2: the health service's Check, the echo service's unary
// calls (one gzip-compressed, one failing), a server stream and a client
// stream.
func grpcSession(rec *record.Recorder) (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := grpc.NewServer()
	srv.RegisterService(&echoDesc, struct{}{})
	hs := health.NewServer()
	hs.SetServingStatus(echoService, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go srv.Serve(ln)
	defer srv.Stop()

	var dialer net.Dialer
	conn, err := grpc.NewClient("passthrough:///echo",
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, "tcp", ln.Addr().String())
			if err != nil {
				return nil, err
			}
			return rec.Wrap(c), nil
		}))
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := 0
	hc, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: echoService})
	if err != nil || hc.Status != healthpb.HealthCheckResponse_SERVING {
		return n, fmt.Errorf("health check: %v %v", hc, err)
	}
	n++
	out := new(wrapperspb.StringValue)
	if err := conn.Invoke(ctx, "/"+echoService+"/Say", wrapperspb.String("ada"), out); err != nil || out.Value != "hello, ada" {
		return n, fmt.Errorf("Say: %q %v", out.Value, err)
	}
	n++
	if err := conn.Invoke(ctx, "/"+echoService+"/Say", wrapperspb.String("grace, compressed"), out, grpc.UseCompressor("gzip")); err != nil {
		return n, fmt.Errorf("Say gzip: %v", err)
	}
	n++
	if err := conn.Invoke(ctx, "/"+echoService+"/Say", wrapperspb.String(""), out); status.Code(err) != codes.InvalidArgument {
		return n, fmt.Errorf("Say empty: %v", err)
	}
	n++
	q, _ := structpb.NewStruct(map[string]any{"id": 42, "fields": []any{"name", "tags"}})
	st := new(structpb.Struct)
	if err := conn.Invoke(ctx, "/"+echoService+"/Lookup", q, st); err != nil {
		return n, fmt.Errorf("Lookup: %v", err)
	}
	n++
	q, _ = structpb.NewStruct(map[string]any{"id": 7})
	if err := conn.Invoke(ctx, "/"+echoService+"/Lookup", q, st); status.Code(err) != codes.NotFound {
		return n, fmt.Errorf("Lookup 7: %v", err)
	}
	n++
	cs, err := conn.NewStream(ctx, &echoDesc.Streams[0], "/"+echoService+"/Count")
	if err != nil {
		return n, err
	}
	if err := cs.SendMsg(wrapperspb.Int64(5)); err != nil {
		return n, err
	}
	cs.CloseSend()
	for got := 0; ; got++ {
		v := new(wrapperspb.Int64Value)
		if err := cs.RecvMsg(v); errors.Is(err, io.EOF) {
			if got != 5 {
				return n, fmt.Errorf("Count: %d messages", got)
			}
			break
		} else if err != nil {
			return n, err
		}
	}
	n++
	ss, err := conn.NewStream(ctx, &echoDesc.Streams[1], "/"+echoService+"/Sum")
	if err != nil {
		return n, err
	}
	for _, v := range []int64{3, 4, 35} {
		if err := ss.SendMsg(wrapperspb.Int64(v)); err != nil {
			return n, err
		}
	}
	ss.CloseSend()
	sum := new(wrapperspb.Int64Value)
	if err := ss.RecvMsg(sum); err != nil || sum.Value != 42 {
		return n, fmt.Errorf("Sum: %v %v", sum, err)
	}
	n++
	if err := conn.Close(); err != nil {
		return n, err
	}
	return n, rec.Err()
}
