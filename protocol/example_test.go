package protocol_test

import (
	"bytes"
	"fmt"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/message"
	"github.com/tapir-dev/tapir/protocol"
)

// greeting is a made-up line protocol whose client opens with "HELO ".
var greeting = protocol.Spec{
	Name: "greeting",
	Doc:  "a line protocol that opens with HELO",
	Detect: func(s protocol.Sample) protocol.Verdict {
		head := s.Head(s.First)
		switch {
		case bytes.HasPrefix(head, []byte("HELO ")):
			return protocol.Yes
		case bytes.HasPrefix([]byte("HELO "), head):
			return protocol.NeedMore // "HE": too early to tell
		}
		return protocol.No
	},
	New: func(protocol.Config) protocol.Parser { return &lines{} },
}

// lines emits one message per line of either direction.
type lines struct{ buf [2][]byte }

func (p *lines) Feed(dir event.Dir, b []byte, at uint64, emit protocol.Emit) error {
	p.buf[dir] = append(p.buf[dir], b...)
	for {
		i := bytes.IndexByte(p.buf[dir], '\n')
		if i < 0 {
			return nil
		}
		line := bytes.Clone(p.buf[dir][:i])
		p.buf[dir] = p.buf[dir][i+1:]
		emit(&message.Message{Proto: "greeting", Dir: dir, Start: at, End: at, Size: int64(i + 1),
			Body: &message.Body{Data: line, Size: int64(i + 1)}})
	}
}

func (p *lines) Gap(event.Dir, int, uint64, protocol.Emit) {}

func (p *lines) Flush(protocol.End, protocol.Emit) {}

func ExampleList_Insert() {
	base := protocol.List{http1Like, redisLike}
	l, err := base.Insert(greeting, protocol.After("http1"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Names())

	// A name clash is an error, and so is an anchor that is not there.
	_, err = l.Insert(greeting, protocol.First())
	fmt.Println(err)
	_, err = base.Insert(greeting, protocol.Before("smtp"))
	fmt.Println(err)
	// Output:
	// [http1 greeting redis]
	// insert protocol "greeting": duplicate protocol name
	// insert protocol "greeting" before smtp: unknown protocol "smtp" (have [http1 redis])
}

func ExampleList_Without() {
	l := protocol.List{http1Like, greeting, redisLike}
	l, err := l.Without("redis")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Names())
	_, err = l.Without("http3")
	fmt.Println(err)
	// Output:
	// [http1 greeting]
	// unknown protocol "http3" (have [http1 greeting])
}

func ExampleList_Detect() {
	l := protocol.List{http1Like, greeting}
	for _, head := range []string{"HE", "HELO example.org\n", "EHLO example.org\n"} {
		spec, v := l.Detect(protocol.Sample{Out: []byte(head), First: event.Out}, false)
		if v == protocol.Yes {
			fmt.Printf("%q: %v, %s\n", head, v, spec.Name)
		} else {
			fmt.Printf("%q: %v\n", head, v)
		}
	}
	// Output:
	// "HE": need-more
	// "HELO example.org\n": yes, greeting
	// "EHLO example.org\n": no
}

// http1Like and redisLike stand in for real Specs in the examples above.
var (
	http1Like = prefix("http1", "GET ")
	redisLike = prefix("redis", "*1\r\n")
)

func prefix(name, p string) protocol.Spec {
	return protocol.Spec{
		Name: name,
		Detect: func(s protocol.Sample) protocol.Verdict {
			if bytes.HasPrefix(s.Out, []byte(p)) {
				return protocol.Yes
			}
			return protocol.No
		},
		New: func(protocol.Config) protocol.Parser { return &lines{} },
	}
}
