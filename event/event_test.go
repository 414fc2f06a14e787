package event

import "testing"

func TestID(t *testing.T) {
	tests := []struct {
		name string
		ev   Event
		want ConnID
	}{
		{"pid and fd", Event{PID: 7, TID: 9, FD: 3}, ConnID{PID: 7, FD: 3}},
		{"tid ignored", Event{PID: 7, TID: 10, FD: 3}, ConnID{PID: 7, FD: 3}},
		{"conn wins", Event{PID: 7, FD: 3, Conn: "c1"}, ConnID{Name: "c1"}},
	}
	for _, tt := range tests {
		if got := tt.ev.ID(); got != tt.want {
			t.Errorf("%s: ID() = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestLost(t *testing.T) {
	e := Event{Kind: Data, Data: []byte("abc"), OrigLen: 10}
	if got := e.Lost(); got != 7 {
		t.Errorf("Lost() = %d; want 7", got)
	}
	e.OrigLen = 0
	if got := e.Lost(); got != 0 {
		t.Errorf("Lost() with OrigLen 0 = %d; want 0", got)
	}
}
