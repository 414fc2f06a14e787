package builtin

import (
	"github.com/tapir-dev/tapir/protocol"
	"github.com/tapir-dev/tapir/protocol/http1"
	"github.com/tapir-dev/tapir/protocol/http2"
	"github.com/tapir-dev/tapir/protocol/redis"
	"github.com/tapir-dev/tapir/protocol/websocket"
)

// Default is the detection order: protocols with unambiguous prefaces
// first. Connections nothing here recognises go to the raw parser.
var Default = protocol.List{http2.Spec, http1.Spec, websocket.Spec, redis.Spec}
