package message_test

import (
	"testing"

	"github.com/tapir-dev/tapir/message"
)

func TestWireTypeString(t *testing.T) {
	tests := []struct {
		w    message.WireType
		want string
	}{
		{message.WireVarint, "varint"},
		{message.WireFixed64, "fixed64"},
		{message.WireBytes, "bytes"},
		{message.WireGroup, "group"},
		{message.WireFixed32, "fixed32"},
		{4, "wire(4)"},
	}
	for _, tt := range tests {
		if got := tt.w.String(); got != tt.want {
			t.Errorf("WireType(%d).String() = %q; want %q", tt.w, got, tt.want)
		}
	}
}
