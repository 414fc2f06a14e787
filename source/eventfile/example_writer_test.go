package eventfile_test

import (
	"net/netip"
	"os"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/source/eventfile"
)

func ExampleNewWriter() {
	w := eventfile.NewWriter(os.Stdout)
	w.Write(&event.Event{Kind: event.Data, Time: 1732350000123456789, PID: 4242, TID: 4243, Comm: "redis-cli", FD: 3,
		Dir: event.Out, Dst: netip.MustParseAddrPort("127.0.0.1:6379"), Lib: "openssl", Data: []byte("*1\r\n$4\r\nPING\r\n")})
	w.Write(&event.Event{Kind: event.Close, Time: 1732350000223456789, PID: 4242, TID: 4243, FD: 3})
	w.Close()
	// Output:
	// {"kind":"data","ts":1732350000123456789,"pid":4242,"tid":4243,"comm":"redis-cli","fd":3,"dir":"out","dst":"127.0.0.1:6379","lib":"openssl","data":"KjENCiQ0DQpQSU5HDQo="}
	// {"kind":"close","ts":1732350000223456789,"pid":4242,"tid":4243,"fd":3}
}
