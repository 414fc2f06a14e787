package text

import (
	"testing"
	"time"
)

func TestAppendDuration(t *testing.T) {
	tests := []struct {
		ns   uint64
		want string
	}{
		{0, "0ns"},
		{850, "850ns"},
		{999, "999ns"},
		{1000, "1.0µs"},
		{1249, "1.2µs"},
		{12_400, "12µs"},
		{999_400, "999µs"},
		{999_700, "1.0ms"},
		{1_250_000, "1.3ms"},
		{9_490_000, "9.5ms"},
		{9_960_000, "10ms"},
		{345_600_000, "346ms"},
		{2_500_000_000, "2.5s"},
		{75_300_000_000, "75s"},
		{3_600_000_000_000, "3600s"},
		// Each side of each unit's edge.
		{999_499, "999µs"},
		{999_500, "1.0ms"},
		{9_499, "9.5µs"},
		{9_500, "10µs"},
		{999_499_999, "999ms"},
		{999_500_000, "1.0s"},
		{9_499_999_999, "9.5s"},
		{9_500_000_000, "10s"},
	}
	for _, tt := range tests {
		if got := string(appendDuration(nil, tt.ns)); got != tt.want {
			t.Errorf("appendDuration(%d) = %q; want %q", tt.ns, got, tt.want)
		}
	}
}

func TestAppendClock(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("east", 5*3600+1800), time.FixedZone("west", -7*3600)}
	times := []time.Time{
		time.Date(2024, 11, 23, 8, 19, 12, 123456789, time.UTC),
		time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1970, 1, 1, 2, 0, 0, 1000, time.UTC),
	}
	for _, loc := range zones {
		for _, tm := range times {
			want := tm.In(loc).Format("15:04:05.000000")
			if got := string(appendClock(nil, uint64(tm.UnixNano()), loc)); got != want {
				t.Errorf("appendClock(%v, %v) = %q; want %q", tm, loc, got, want)
			}
		}
	}
}
