# shellcheck shell=bash
# Shell helpers shared by the record scripts in this folder (record.sh,
# record-redis.sh, h2-record.sh). Sourced, not run: each script starts with
#
#   set -euo pipefail
#   . "$(dirname "$0")/lib.sh"
#
# which sets here (this folder) and root (the checkout), makes files 0600,
# and makes tmp, a scratch directory removed at exit. A script appends the
# pid of each server it starts in the background to servers; they are
# killed at exit.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # root is for the scripts
root=$(cd "$here/../.." && pwd)
umask 077

tmp=$(mktemp -d)
servers=()
cleanup() {
	for pid in "${servers[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# wait_port PORT: wait until a server listens on 127.0.0.1:PORT.
wait_port() {
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "${0##*/}: nothing listens on port $1" >&2
	return 1
}

# start_proxy LISTEN TO FILE: start $tmp/recproxy, which the script has
# built, recording to FILE what goes through 127.0.0.1:LISTEN to
# 127.0.0.1:TO; sets proxy_pid.
# shellcheck disable=SC2034 # proxy_pid is for the scripts
start_proxy() {
	local log="$tmp/recproxy-$1.log"
	"$tmp/recproxy" -listen "127.0.0.1:$1" -to "127.0.0.1:$2" -o "$3" 2>"$log" &
	proxy_pid=$!
	for _ in $(seq 100); do
		if grep -q listening "$log"; then return 0; fi
		sleep 0.1
	done
	cat "$log" >&2
	return 1
}

# stop_proxy PID LISTEN: stop recproxy, which waits for open connections
# and closes its file, then show what it recorded.
stop_proxy() {
	kill -TERM "$1"
	wait "$1"
	sed 's/^/  /' "$tmp/recproxy-$2.log"
}
