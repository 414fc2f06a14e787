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

// The same message decoded into fields, as JSON and protobuf output carry
// it.
func ExampleFields() {
	// 1: 150, 2: "testing", 3 { 1: 150 }
	msg := []byte("\x08\x96\x01\x12\x07testing\x1a\x03\x08\x96\x01")
	fields, cut := grpc.Fields(msg, grpc.MaxFields, 1<<20)
	for _, f := range fields {
		fmt.Printf("%d %s value=%d text=%q nested=%d\n", f.Number, f.Wire, f.Value, f.Text, len(f.Fields))
	}
	fmt.Println("cut:", cut)
	// Output:
	// 1 varint value=150 text="" nested=0
	// 2 bytes value=0 text="testing" nested=0
	// 3 bytes value=0 text="" nested=1
	// cut: 0
}

func ExampleSplitPath() {
	fmt.Println(grpc.SplitPath("/tapir.test.Echo/Say"))
	// Output: tapir.test.Echo Say
}
