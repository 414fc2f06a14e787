package workload_test

import (
	"fmt"

	"github.com/tapir-dev/tapir/event"
	"github.com/tapir-dev/tapir/internal/workload"
)

func ExampleGenerate() {
	var data, closes, bytes int
	err := workload.Generate(workload.Churn, workload.Config{Seed: 1, Conns: 10, Open: 4},
		func(e *event.Event) error {
			// e and e.Data are valid only during this call.
			if e.Kind == event.Close {
				closes++
			} else {
				data++
				bytes += len(e.Data)
			}
			return nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(closes, "connections closed")
	// Output: 10 connections closed
}
