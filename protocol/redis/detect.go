package redis

import (
	"bytes"
	"slices"

	"github.com/tapir-dev/tapir/protocol"
)

// Detection bounds.
const (
	maxName       = 64   // longest command name of an array command
	maxInlineWait = 1024 // bytes of an inline line detection waits for
)

// Detect tells Redis from the first bytes of either direction:
//
//   - an array of bulk strings whose first is a command-like name,
//     "*3\r\n$3\r\nSET\r\n" — what every Redis client library sends — is
//     Yes;
//   - an inline command, a line whose first word is a known Redis command
//     ("PING\r\n", "get key\n"), is Yes when the other direction answers
//     with a RESP reply ("+PONG\r\n"), NeedMore until it answers, and No
//     otherwise: text protocols and HTTP start with words too.
//
// It says NeedMore while the bytes are a proper prefix of either form.
func Detect(s protocol.Sample) protocol.Verdict {
	return protocol.Either(detectDir(s.Head(s.First), s.Head(s.First.Other())),
		detectDir(s.Head(s.First.Other()), s.Head(s.First)))
}

// detectDir judges cmd as the client's bytes and reply as the server's.
func detectDir(cmd, reply []byte) protocol.Verdict {
	if len(cmd) == 0 {
		return protocol.No
	}
	if cmd[0] == tArray {
		return detectArray(cmd)
	}
	return detectInline(cmd, reply)
}

// detectArray checks "*N\r\n$L\r\nNAME\r\n".
func detectArray(b []byte) protocol.Verdict {
	b = b[1:]
	n, rest, v := detectNumber(b, 7)
	if v != protocol.Yes || n < 1 {
		return notYes(v)
	}
	if rest, v = detectCRLF(rest); v != protocol.Yes {
		return v
	}
	if len(rest) == 0 {
		return protocol.NeedMore
	}
	if rest[0] != tBulk {
		return protocol.No
	}
	l, rest, v := detectNumber(rest[1:], 2)
	if v != protocol.Yes || l < 1 || l > maxName {
		return notYes(v)
	}
	if rest, v = detectCRLF(rest); v != protocol.Yes {
		return v
	}
	name := rest[:min(int(l), len(rest))]
	for i, c := range name {
		if !(isLetter(c) || i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '|')) {
			return protocol.No
		}
	}
	if len(rest) < int(l) {
		return protocol.NeedMore
	}
	_, v = detectCRLF(rest[l:])
	return v
}

// notYes maps a number that was not a number to No.
func notYes(v protocol.Verdict) protocol.Verdict {
	if v == protocol.NeedMore {
		return v
	}
	return protocol.No
}

// detectNumber reads 1 to max decimal digits ending before a CR.
func detectNumber(b []byte, max int) (int64, []byte, protocol.Verdict) {
	var n int64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if i == max {
			return 0, nil, protocol.No
		}
		n = n*10 + int64(b[i]-'0')
	}
	switch {
	case i == len(b):
		return 0, nil, protocol.NeedMore
	case i == 0 || b[i] != '\r':
		return 0, nil, protocol.No
	}
	return n, b[i:], protocol.Yes
}

// detectCRLF checks that b starts with CRLF and returns what follows.
func detectCRLF(b []byte) ([]byte, protocol.Verdict) {
	switch {
	case len(b) == 0 || len(b) == 1 && b[0] == '\r':
		return nil, protocol.NeedMore
	case b[0] == '\r' && b[1] == '\n':
		return b[2:], protocol.Yes
	}
	return nil, protocol.No
}

// detectInline checks for a known command on a line of text, answered
// with a RESP reply.
func detectInline(cmd, reply []byte) protocol.Verdict {
	end := bytes.IndexByte(cmd, '\n')
	line := cmd
	if end >= 0 {
		line = cmd[:end]
	} else if len(cmd) > maxInlineWait {
		return protocol.No
	}
	w := 0
	for w < len(line) && !isSpace(line[w]) {
		w++
	}
	word := bytes.ToUpper(line[:w])
	if w == len(line) && end < 0 {
		// The first word may still be growing.
		if !knownPrefix(word) {
			return protocol.No
		}
		return protocol.NeedMore
	}
	if !known(word) {
		return protocol.No
	}
	for _, c := range bytes.TrimSuffix(line, []byte{'\r'}) {
		if c < ' ' && c != '\t' || c == 0x7f {
			return protocol.No
		}
	}
	if end < 0 {
		return protocol.NeedMore
	}
	if len(reply) == 0 {
		return protocol.NeedMore
	}
	if validType(reply[0]) {
		return protocol.Yes
	}
	return protocol.No
}

// known reports whether w, upper case, is a Redis command.
func known(w []byte) bool {
	_, ok := slices.BinarySearch(commands, string(w))
	return ok
}

// knownPrefix reports whether w, upper case, begins a Redis command.
func knownPrefix(w []byte) bool {
	i, _ := slices.BinarySearch(commands, string(w))
	return i < len(commands) && bytes.HasPrefix([]byte(commands[i]), w)
}

// commands are the top-level Redis commands (Redis 7), sorted, for
// detecting inline commands.
var commands = []string{
	"ACL", "APPEND", "ASKING", "AUTH", "BGREWRITEAOF", "BGSAVE", "BITCOUNT",
	"BITFIELD", "BITFIELD_RO", "BITOP", "BITPOS", "BLMOVE", "BLMPOP", "BLPOP",
	"BRPOP", "BRPOPLPUSH", "BZMPOP", "BZPOPMAX", "BZPOPMIN", "CLIENT",
	"CLUSTER", "COMMAND", "CONFIG", "COPY", "DBSIZE", "DEBUG", "DECR",
	"DECRBY", "DEL", "DISCARD", "DUMP", "ECHO", "EVAL", "EVALSHA",
	"EVALSHA_RO", "EVAL_RO", "EXEC", "EXISTS", "EXPIRE", "EXPIREAT",
	"EXPIRETIME", "FAILOVER", "FCALL", "FCALL_RO", "FLUSHALL", "FLUSHDB",
	"FUNCTION", "GEOADD", "GEODIST", "GEOHASH", "GEOPOS", "GEORADIUS",
	"GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO", "GEORADIUS_RO", "GEOSEARCH",
	"GEOSEARCHSTORE", "GET", "GETBIT", "GETDEL", "GETEX", "GETRANGE",
	"GETSET", "HDEL", "HELLO", "HEXISTS", "HGET", "HGETALL", "HINCRBY",
	"HINCRBYFLOAT", "HKEYS", "HLEN", "HMGET", "HMSET", "HRANDFIELD", "HSCAN",
	"HSET", "HSETNX", "HSTRLEN", "HVALS", "INCR", "INCRBY", "INCRBYFLOAT",
	"INFO", "KEYS", "LASTSAVE", "LATENCY", "LCS", "LINDEX", "LINSERT", "LLEN",
	"LMOVE", "LMPOP", "LOLWUT", "LPOP", "LPOS", "LPUSH", "LPUSHX", "LRANGE",
	"LREM", "LSET", "LTRIM", "MEMORY", "MGET", "MIGRATE", "MODULE", "MONITOR",
	"MOVE", "MSET", "MSETNX", "MULTI", "OBJECT", "PERSIST", "PEXPIRE",
	"PEXPIREAT", "PEXPIRETIME", "PFADD", "PFCOUNT", "PFDEBUG", "PFMERGE",
	"PFSELFTEST", "PING", "PSETEX", "PSUBSCRIBE", "PSYNC", "PTTL", "PUBLISH",
	"PUBSUB", "PUNSUBSCRIBE", "QUIT", "RANDOMKEY", "READONLY", "READWRITE",
	"RENAME", "RENAMENX", "REPLCONF", "REPLICAOF", "RESET", "RESTORE",
	"RESTORE-ASKING", "ROLE", "RPOP", "RPOPLPUSH", "RPUSH", "RPUSHX", "SADD",
	"SAVE", "SCAN", "SCARD", "SCRIPT", "SDIFF", "SDIFFSTORE", "SELECT", "SET",
	"SETBIT", "SETEX", "SETNX", "SETRANGE", "SHUTDOWN", "SINTER", "SINTERCARD",
	"SINTERSTORE", "SISMEMBER", "SLAVEOF", "SLOWLOG", "SMEMBERS", "SMISMEMBER",
	"SMOVE", "SORT", "SORT_RO", "SPOP", "SPUBLISH", "SRANDMEMBER", "SREM",
	"SSCAN", "SSUBSCRIBE", "STRLEN", "SUBSCRIBE", "SUBSTR", "SUNION",
	"SUNIONSTORE", "SUNSUBSCRIBE", "SWAPDB", "SYNC", "TIME", "TOUCH", "TTL",
	"TYPE", "UNLINK", "UNSUBSCRIBE", "UNWATCH", "WAIT", "WAITAOF", "WATCH",
	"XACK", "XADD", "XAUTOCLAIM", "XCLAIM", "XDEL", "XGROUP", "XINFO", "XLEN",
	"XPENDING", "XRANGE", "XREAD", "XREADGROUP", "XREVRANGE", "XSETID",
	"XTRIM", "ZADD", "ZCARD", "ZCOUNT", "ZDIFF", "ZDIFFSTORE", "ZINCRBY",
	"ZINTER", "ZINTERCARD", "ZINTERSTORE", "ZLEXCOUNT", "ZMPOP", "ZMSCORE",
	"ZPOPMAX", "ZPOPMIN", "ZRANDMEMBER", "ZRANGE", "ZRANGEBYLEX",
	"ZRANGEBYSCORE", "ZRANGESTORE", "ZRANK", "ZREM", "ZREMRANGEBYLEX",
	"ZREMRANGEBYRANK", "ZREMRANGEBYSCORE", "ZREVRANGE", "ZREVRANGEBYLEX",
	"ZREVRANGEBYSCORE", "ZREVRANK", "ZSCAN", "ZSCORE", "ZUNION",
	"ZUNIONSTORE",
}
