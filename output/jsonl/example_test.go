package jsonl_test

import (
	"net/netip"
	"os"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output"
	"github.com/tapir-dev/tapir/output/jsonl"
)

func Example() {
	w := output.NewWriter(os.Stdout, jsonl.New(jsonl.Options{}))
	defer w.Close()
	w.Write(&message.Message{
		Conn: &message.Conn{
			PID: 4242, FD: 5, Comm: "curl", Serial: 1,
			Src: netip.MustParseAddrPort("10.0.0.7:50514"), Dst: netip.MustParseAddrPort("93.184.216.34:443"),
		},
		Proto: "raw", Type: message.Data, Dir: event.Out,
		Start: 1732350000123456789, End: 1732350000123456789, Size: 6,
		Body: &message.Body{Data: []byte("PING\r\n"), Size: 6},
	})
	// Output:
	// {"ts":1732350000123456789,"end":1732350000123456789,"conn":{"pid":4242,"fd":5,"comm":"curl","src":"10.0.0.7:50514","dst":"93.184.216.34:443","serial":1},"proto":"raw","type":"data","dir":"out","size":6,"body":{"text":"PING\r\n","size":6}}
}
