#!/usr/bin/env bash
# Regenerates the redis-*.jsonl event files in this folder by recording
# redis-cli talking to a real redis-server on loopback through recproxy.
# See the Redis section of README.md beside this script.
#
#   testdata/recordings/record-redis.sh            # from anywhere in the checkout
#   BASE_PORT=40020 testdata/recordings/record-redis.sh
#
# Needs go, redis-server and redis-cli (apt-get install -y redis-server
# redis-tools). recproxy finds each client's pid and fd through /proc, so
# run it as root or as the user that runs the clients.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=${BASE_PORT:-38220}

p_redis=$base p_proxy=$((base + 1))

(cd "$root" && go build -o "$tmp/recproxy" ./internal/record/cmd/recproxy)

# A throw-away server: no persistence, DEBUG allowed from loopback (for
# DEBUG PROTOCOL, which answers with each RESP3 type), and COMMAND renamed
# away: redis-cli 7.0 asks COMMAND DOCS for its hints on every session,
# whose 240 KB answer would make each file big; it gets an error instead
# and uses its built-in help.
redis-server --bind 127.0.0.1 --port "$p_redis" --save '' --appendonly no \
	--dir "$tmp" --enable-debug-command local --rename-command COMMAND '' >"$tmp/redis.log" 2>&1 &
servers+=($!)
wait_port "$p_redis"

cli() { redis-cli -h 127.0.0.1 -p "$p_proxy" "$@"; }
direct() { redis-cli -h 127.0.0.1 -p "$p_redis" "$@"; }

echo "redis-cli.jsonl: redis-cli (RESP2, one command at a time) -> redis-server"
start_proxy "$p_proxy" "$p_redis" "$here/redis-cli.jsonl"
blob=$(printf 'tapir%.0s' $(seq 200)) # 1000 bytes
cli >/dev/null <<EOF
PING
SET greeting "hello world"
GET greeting
GET missing
INCR visits
INCRBY visits 41
INCR greeting
FROBNICATE now
RPUSH queue job:1 job:2 job:3
LRANGE queue 0 -1
HSET user:1 name Ada role admin
HGETALL user:1
SADD tags go redis
ZADD scores 1.5 ada 2.25 bob
ZRANGE scores 0 -1 WITHSCORES
MSET a 1 b 2
MGET a b nope
SET bin "\x00\x01\xff\ttab"
GET bin
SET blob $blob
STRLEN blob
EXPIRE greeting 100
TTL greeting
MULTI
SET k v
INCR k
LPUSH l x
EXEC
MULTI
SET never v
DISCARD
EXEC
DEL greeting queue user:1 tags scores a b bin blob k l visits
EOF
stop_proxy "$proxy_pid" "$p_proxy"

echo "redis-pipeline.jsonl: redis-cli --pipe (pipelined RESP arrays and inline commands) -> redis-server"
start_proxy "$p_proxy" "$p_redis" "$here/redis-pipeline.jsonl"
# RESP arrays as clients send them, then inline commands (a line of words,
# as typed into telnet), all written at once; --pipe adds an ECHO of a
# random marker at the end and reads every reply.
printf '%s' \
	$'*3\r\n$3\r\nSET\r\n$4\r\nkey1\r\n$6\r\nvalue1\r\n' \
	$'*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n' \
	$'*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n' \
	$'*3\r\n$6\r\nINCRBY\r\n$7\r\ncounter\r\n$2\r\n10\r\n' \
	$'*2\r\n$3\r\nGET\r\n$4\r\nkey1\r\n' \
	$'SET key2 "two words"\r\n' \
	$'PING\r\n' \
	$'GET key2\r\n' \
	$'LPUSH jobs a b c\r\n' \
	$'LRANGE jobs 0 -1\r\n' \
	$'GET key1 extra\r\n' \
	$'*2\r\n$3\r\nDEL\r\n$4\r\njobs\r\n' \
	$'*4\r\n$3\r\nDEL\r\n$4\r\nkey1\r\n$4\r\nkey2\r\n$7\r\ncounter\r\n' |
	cli --pipe >"$tmp/pipe.out" || grep -q 'errors: 1, replies: 13' "$tmp/pipe.out" # GET key1 extra is an error
cat "$tmp/pipe.out"
stop_proxy "$proxy_pid" "$p_proxy"

echo "redis-resp3.jsonl: redis-cli -3 (HELLO 3, RESP3 reply types), bash on /dev/tcp (big number, attribute, invalidation push) -> redis-server"
start_proxy "$p_proxy" "$p_redis" "$here/redis-resp3.jsonl"
cli -3 >/dev/null <<'EOF'
HSET user:2 name Grace lang COBOL
HGETALL user:2
SADD langs go
SMEMBERS langs
ZADD z 3.5 x
ZSCORE z x
GET nothing
DEBUG PROTOCOL string
DEBUG PROTOCOL integer
DEBUG PROTOCOL double
DEBUG PROTOCOL null
DEBUG PROTOCOL array
DEBUG PROTOCOL set
DEBUG PROTOCOL map
DEBUG PROTOCOL push
DEBUG PROTOCOL verbatim
DEBUG PROTOCOL true
DEBUG PROTOCOL false
DEBUG PROTOCOL nope
DEL user:2 langs z
EOF
# redis-cli 7.0 cannot read a big number or an attribute ("Unknown reply
# type", even with --pipe), so bash talks to the server itself on a second
# connection: HELLO 3, those two types, and a client-tracking invalidation
# push after changing a key it read; it reads until the PONG at the end.
(
	exec 3<>"/dev/tcp/127.0.0.1/$p_proxy"
	printf '%s' \
		$'HELLO 3\r\n' \
		$'DEBUG PROTOCOL bignum\r\n' \
		$'DEBUG PROTOCOL attrib\r\n' \
		$'CLIENT TRACKING on\r\n' \
		$'GET tracked\r\n' \
		$'SET tracked 1\r\n' \
		$'DEL tracked\r\n' \
		$'PING\r\n' >&3
	while IFS= read -r -t 5 line <&3; do
		if [ "$line" = $'+PONG\r' ]; then break; fi
	done
)
stop_proxy "$proxy_pid" "$p_proxy"

echo "redis-pubsub.jsonl: redis-cli SUBSCRIBE (RESP2 and RESP3) and PUBLISH -> redis-server"
start_proxy "$p_proxy" "$p_redis" "$here/redis-pubsub.jsonl"
# numsub CHANNEL N: wait until N clients subscribe to CHANNEL (asked of the
# server directly, so that the question is not recorded).
numsub() {
	for _ in $(seq 100); do
		if [ "$(direct PUBSUB NUMSUB "$1" | sed -n 2p)" = "$2" ]; then return 0; fi
		sleep 0.1
	done
	echo "record-redis.sh: no $2 subscribers on $1" >&2
	return 1
}
cli SUBSCRIBE news alerts >"$tmp/sub2.out" &
sub2=$!
numsub news 1
cli -3 SUBSCRIBE news >"$tmp/sub3.out" &
sub3=$!
numsub news 2
cli >/dev/null <<'EOF'
PUBLISH news "tapir 1.0 released"
PUBLISH alerts "disk 91% full"
PUBSUB NUMSUB news alerts
EOF
# Each subscriber prints what it got; stop them once both messages are in.
for _ in $(seq 100); do
	if grep -q 'disk 91' "$tmp/sub2.out" && grep -q 'tapir 1.0' "$tmp/sub3.out"; then break; fi
	sleep 0.1
done
kill -TERM "$sub2" "$sub3"
wait "$sub2" "$sub3" || true
stop_proxy "$proxy_pid" "$p_proxy"
