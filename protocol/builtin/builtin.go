package builtin

import (
	"github.com/tapir-dev/tapir/protocol"
)

// Default is the detection order: protocols with unambiguous prefaces
// first. Connections nothing here recognises go to the raw parser.
var Default = protocol.List{}
