package grpc

import (
	"testing"

	"github.com/tapir-dev/tapir/message"
)

func TestSplitPath(t *testing.T) {
	tests := []struct{ path, service, method string }{
		{"/tapir.test.Echo/Say", "tapir.test.Echo", "Say"},
		{"/grpc.health.v1.Health/Check", "grpc.health.v1.Health", "Check"},
		{"/Svc/", "Svc/", ""},
		{"/NoMethod", "NoMethod", ""},
		{"relative/Say", "relative/Say", ""},
		{"", "", ""},
		{"/", "", ""},
	}
	for _, tt := range tests {
		if s, m := SplitPath(tt.path); s != tt.service || m != tt.method {
			t.Errorf("SplitPath(%q) = %q, %q; want %q, %q", tt.path, s, m, tt.service, tt.method)
		}
	}
}

func TestSetStatus(t *testing.T) {
	tests := []struct {
		status, msg string
		want        message.GRPC
		ok          bool
	}{
		{"0", "", message.GRPC{HasStatus: true, StatusName: "OK"}, true},
		{"5", "item%207 not found", message.GRPC{HasStatus: true, Status: 5, StatusName: "NOT_FOUND", StatusMessage: "item 7 not found"}, true},
		{"99", "%zz", message.GRPC{HasStatus: true, Status: 99, StatusName: "CODE(99)", StatusMessage: "%zz"}, true},
		{"x", "gone", message.GRPC{}, false},
		{"-1", "", message.GRPC{}, false},
	}
	for _, tt := range tests {
		var g message.GRPC
		if ok := SetStatus(&g, tt.status, tt.msg); ok != tt.ok || g.HasStatus != tt.want.HasStatus || g.Status != tt.want.Status ||
			g.StatusName != tt.want.StatusName || g.StatusMessage != tt.want.StatusMessage {
			t.Errorf("SetStatus(%q, %q) = %v, %+v; want %v, %+v", tt.status, tt.msg, ok, g, tt.ok, tt.want)
		}
	}
}
