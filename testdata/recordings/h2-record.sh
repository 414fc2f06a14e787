#!/usr/bin/env bash
# Regenerates the HTTP/2 and gRPC recordings in this folder (h2-*.jsonl)
# from real programs on loopback: Go's net/http and x/net/http2, grpc-go,
# and curl through recproxy. See the HTTP/2 section of README.md.
#
#   testdata/recordings/h2-record.sh            # from anywhere in the checkout
#   BASE_PORT=40300 testdata/recordings/h2-record.sh
#
# Needs go and curl (with HTTP/2, as Debian's is). recproxy finds curl's
# pid and fd through /proc, so run it as root or as the user running curl.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=${BASE_PORT:-38300}

(cd "$root" && go build -o "$tmp/recproxy" ./internal/record/cmd/recproxy && go build -o "$tmp/h2rec" ./internal/record/cmd/h2rec)

echo "h2-go-h2c.jsonl: net/http client -> net/http server, unencrypted HTTP/2"
"$tmp/h2rec" -kind go-h2c -o "$here/h2-go-h2c.jsonl"
echo "h2-go-tls.jsonl: x/net/http2 client -> x/net/http2 server over TLS, both ends"
"$tmp/h2rec" -kind go-tls -o "$here/h2-go-tls.jsonl"
echo "h2-grpc.jsonl: grpc-go client -> grpc-go server"
"$tmp/h2rec" -kind grpc -o "$here/h2-grpc.jsonl"
echo "h2-ws.jsonl: WebSockets over HTTP/2 (RFC 8441), x/net/http2 and coder/websocket, both ends"
GODEBUG=http2xconnect=1 "$tmp/h2rec" -kind ws -o "$here/h2-ws.jsonl"

p_server=$base p_proxy=$((base + 10))
"$tmp/h2rec" -serve "127.0.0.1:$p_server" 2>"$tmp/serve.log" &
servers+=($!)
for _ in $(seq 100); do
	if grep -q serving "$tmp/serve.log"; then break; fi
	sleep 0.1
done

url="http://127.0.0.1:$p_proxy"
echo "h2-curl-prior.jsonl: curl --http2-prior-knowledge -> h2rec -serve"
start_proxy "$p_proxy" "$p_server" "$here/h2-curl-prior.jsonl"
# One connection per curl: curl 7.88.1 fails to reuse a prior-knowledge
# connection to Go's server ("Error in the HTTP2 framing layer").
curl -sS --http2-prior-knowledge -o /dev/null "$url/api/items/42"
curl -sS --http2-prior-knowledge -o /dev/null --compressed "$url/report.html"
curl -sS --http2-prior-knowledge -o /dev/null -H 'Content-Type: application/json' -d '{"name":"green lamp","qty":2}' "$url/api/items"
curl -sS --http2-prior-knowledge -o /dev/null "$url/trailers"
stop_proxy "$proxy_pid" "$p_proxy"

echo "h2-curl-upgrade.jsonl: curl --http2 (HTTP/1.1 Upgrade: h2c) -> h2rec -serve"
start_proxy "$p_proxy" "$p_server" "$here/h2-curl-upgrade.jsonl"
curl -sS --http2 -o /dev/null -o /dev/null "$url/api/items/42" "$url/download"
stop_proxy "$proxy_pid" "$p_proxy"
