package cli

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// GC tuning for the command (the library leaves the runtime alone). tapir's
// heap is mostly short-lived messages over a live set that is small — or,
// with very many open connections, large. Collecting at GOGC=400 makes the
// first cheap: reading the keep-alive workload's file takes about 20% less
// CPU than at 200, for 70 MB of memory instead of 45. A soft memory limit of
// the larger of 256 MiB and 1.5 times the live heap, followed as the heap
// grows, bounds both and keeps the second compact (the churn workload with
// 100,000 connections open: 267 MB) without ever making the collector
// thrash. GOGC or GOMEMLIMIT in the environment turn this off.
const (
	gcPercent   = 400
	gcFloor     = 256 << 20
	gcHeadroom  = 1.5
	gcWatchTick = 250 * time.Millisecond
)

// tuneGC applies the tuning until ctx is done.
func tuneGC(ctx context.Context) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(gcFloor)
	go func() {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(gcWatchTick)
		defer t.Stop()
		limit := int64(gcFloor)
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() != metrics.KindUint64 {
				return
			}
			want := max(int64(gcFloor), int64(float64(sample[0].Value.Uint64())*gcHeadroom))
			if want != limit {
				limit = want
				debug.SetMemoryLimit(limit)
			}
		}
	}()
}
