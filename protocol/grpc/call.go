package grpc

import (
	"strconv"
	"strings"

	"github.com/tapir-dev/tapir/message"
)

// SplitPath splits a gRPC :path, "/package.Service/Method", into its
// service and method. A path of another shape is returned whole, less a
// leading slash, as the service.
func SplitPath(path string) (service, method string) {
	p := strings.TrimPrefix(path, "/")
	if i := strings.LastIndexByte(p, '/'); i > 0 && i < len(p)-1 && strings.HasPrefix(path, "/") {
		return p[:i], p[i+1:]
	}
	return p, ""
}

// SetStatus sets g's status from the values of a response's grpc-status
// and grpc-message fields. It reports false, leaving g as it is, when
// status is not a decimal code.
func SetStatus(g *message.GRPC, status, msg string) bool {
	code, err := strconv.Atoi(strings.TrimSpace(status))
	if err != nil || code < 0 {
		return false
	}
	g.HasStatus, g.Status, g.StatusName = true, code, StatusName(code)
	g.StatusMessage = DecodeMessage(msg)
	return true
}
