package output_test

import (
	"fmt"
	"os"

	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/output"
)

// csv is a Formatter of its own: one line a message, and, as a Finisher,
// a total when the Writer is closed.
type csv struct{ n int }

func (c *csv) Append(dst []byte, m *message.Message) []byte {
	c.n++
	return fmt.Appendf(dst, "%s,%s,%s,%d\n", m.Proto, m.Type, m.Dir, m.Size)
}

func (c *csv) Finish(dst []byte) []byte {
	return fmt.Appendf(dst, "# %d messages\n", c.n)
}

func ExampleNewWriter() {
	w := output.NewWriter(os.Stdout, &csv{})
	w.Write(&message.Message{Proto: "redis", Type: message.Request, Size: 38})
	w.Write(&message.Message{Proto: "redis", Type: message.Response, Size: 5})
	w.Close() // the Finisher's part, then a flush
	// Output:
	// redis,request,out,38
	// redis,response,out,5
	// # 2 messages
}
