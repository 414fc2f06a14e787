package grpc_test

import (
	"fmt"

	"github.com/tapir-dev/tapir/protocol/grpc"
)

// A protobuf message rendered without its schema.
func ExampleAppendProto() {
	// 1: 150, 2: "testing", 3 { 1: 150 }
	msg := []byte("\x08\x96\x01\x12\x07testing\x1a\x03\x08\x96\x01")
	fmt.Print(string(grpc.AppendProto(nil, msg, 1024)))
	// Output:
	// 1: 150
	// 2: "testing"
	// 3 {
	//   1: 150
	// }
}
