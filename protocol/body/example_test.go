package body_test

import (
	"bytes"
	"compress/gzip"
	"fmt"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/body"
)

func ExampleDecoder() {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write([]byte(`{"greeting":"hello, world"}`))
	w.Close()

	d := body.NewDecoder(protocol.Limits{})
	d.Reset("gzip", "application/json", -1)
	wire := z.Bytes()
	d.Write(wire[:10]) // bytes come as the connection brings them
	d.Write(wire[10:])
	var m message.Message
	b := d.Finish(&m, nil)
	fmt.Printf("%s (%d bytes on the wire, %d decoded, %s)\n", b.Data, b.Size, b.DecodedSize, b.Encoding)
	// Output:
	// {"greeting":"hello, world"} (51 bytes on the wire, 27 decoded, gzip)
}

func ExampleBinary() {
	fmt.Println(body.Binary("application/json", []byte(`{}`)))
	fmt.Println(body.Binary("image/png", []byte("\x89PNG\r\n\x1a\n")))
	fmt.Println(body.Binary("", []byte("\x00\x01\x02")))
	// Output:
	// false
	// true
	// true
}
