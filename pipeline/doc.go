// Package pipeline turns events into ordered messages. A Pipeline routes
// each event by connection to one of several shards, each a goroutine that
// owns its connections without locks: it detects each connection's protocol,
// feeds its parser both directions in order, evicts idle connections, and
// bounds what each may hold. A merger puts the shards' messages back in
// input order, so that the same input gives the same output with any number
// of shards.
//
// Events are pushed in rounds: Push copies an event into the round being
// built; a full round is handed to every shard at once (each gets its own
// part, and the clock ticks that all shards share), and the merger takes
// each round's results from every shard in turn, sorts them by the input
// position of the event that completed them, and passes them on.
package pipeline
