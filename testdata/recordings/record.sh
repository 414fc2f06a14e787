#!/usr/bin/env bash
# Regenerates the event files in this folder, and examples/curl-http.jsonl,
# by recording real programs on loopback: curl, python3, Go net/http and,
# when it is installed, nginx. See README.md beside this script.
#
#   testdata/recordings/record.sh            # from anywhere in the checkout
#   BASE_PORT=40000 testdata/recordings/record.sh
#
# Needs go, curl and python3; nginx is optional (apt-get install -y nginx).
# recproxy finds each client's pid and fd through /proc, so run it as root
# or as the user that runs the clients.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=${BASE_PORT:-38200}

# Ports: servers from $base, recording proxies from $base+10.
p_httpserver=$base p_pyserver=$((base + 1)) p_echo=$((base + 2)) p_nginx=$((base + 3))
p_proxy=$((base + 10)) p_upstream=$((base + 11))

(cd "$root" && go build -o "$tmp/recproxy" ./internal/record/cmd/recproxy && go build -o "$tmp/gohttp" ./internal/record/cmd/gohttp)

# The files python3 -m http.server (and nginx) serve.
mkdir -p "$tmp/www"
cat >"$tmp/www/index.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>tapir recordings</title><link rel="stylesheet" href="/style.css"></head>
<body><h1>Recorded pages</h1><p>Served to curl on loopback.</p></body></html>
EOF
cat >"$tmp/www/data.json" <<'EOF'
{"service":"inventory","version":"2.4.1","regions":["eu-west","us-east"],"healthy":true}
EOF
cat >"$tmp/www/style.css" <<'EOF'
body { font-family: sans-serif; margin: 2em auto; max-width: 40em; color: #222; }
h1 { font-size: 1.6em; border-bottom: 1px solid #ccc; }
p { line-height: 1.5; }
EOF

python3 -m http.server --protocol HTTP/1.1 --bind 127.0.0.1 --directory "$tmp/www" "$p_httpserver" >"$tmp/httpserver.log" 2>&1 &
servers+=($!)
python3 "$here/pyserver.py" "$p_pyserver" 2>"$tmp/pyserver.log" &
servers+=($!)
python3 "$here/echo_server.py" "$p_echo" 2>"$tmp/echo.log" &
servers+=($!)
wait_port "$p_httpserver"
wait_port "$p_pyserver"
wait_port "$p_echo"

url="http://127.0.0.1:$p_proxy"

echo "curl-httpserver.jsonl: curl -> python3 -m http.server"
start_proxy "$p_proxy" "$p_httpserver" "$here/curl-httpserver.jsonl"
curl -sS -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
	"$url/" "$url/data.json" "$url/style.css" "$url/missing.txt" \
	--next -sS -o /dev/null -I "$url/data.json"
stop_proxy "$proxy_pid" "$p_proxy"

echo "curl-post.jsonl: curl -> pyserver.py"
start_proxy "$p_proxy" "$p_pyserver" "$here/curl-post.jsonl"
curl -sS -o /dev/null -H 'Content-Type: application/json' -d '{"name":"blue mug","qty":3}' "$url/api/items" \
	--next -sS -o /dev/null -d 'user=ada&role=admin&note=hello+world' "$url/api/form" \
	--next -sS -o /dev/null --compressed "$url/gzip" \
	--next -sS -o /dev/null "$url/chunked"
stop_proxy "$proxy_pid" "$p_proxy"

echo "python-client.jsonl: python3 http.client -> pyserver.py"
start_proxy "$p_proxy" "$p_pyserver" "$here/python-client.jsonl"
python3 "$here/pyclient.py" 127.0.0.1 "$p_proxy"
stop_proxy "$proxy_pid" "$p_proxy"

echo "line-echo.jsonl: echo_client.py -> echo_server.py"
start_proxy "$p_proxy" "$p_echo" "$here/line-echo.jsonl"
python3 "$here/echo_client.py" 127.0.0.1 "$p_proxy"
stop_proxy "$proxy_pid" "$p_proxy"

echo "go-nethttp.jsonl: Go net/http client -> Go net/http server"
"$tmp/gohttp" -o "$here/go-nethttp.jsonl"

echo "ws-*.jsonl: Go coder/websocket client -> Go coder/websocket server"
(cd "$root" && go run ./internal/record/cmd/wsrec -mode plain -o "$here/ws-plain.jsonl" &&
	go run ./internal/record/cmd/wsrec -mode deflate -o "$here/ws-deflate.jsonl" &&
	go run ./internal/record/cmd/wsrec -mode nocontext -o "$here/ws-nocontext.jsonl" &&
	go run ./internal/record/cmd/wsrec -mode deflate -server -o "$here/ws-server.jsonl")

echo "examples/curl-http.jsonl: curl -> pyserver.py"
start_proxy "$p_proxy" "$p_pyserver" "$root/examples/curl-http.jsonl"
curl -sS -o /dev/null "$url/api/users/1" \
	--next -sS -o /dev/null -H 'Content-Type: application/json' -d '{"name":"green lamp","qty":2}' "$url/api/items" \
	--next -sS -o /dev/null "$url/api/users/9" \
	--next -sS -o /dev/null "$url/"
stop_proxy "$proxy_pid" "$p_proxy"

if ! command -v nginx >/dev/null; then
	echo "nginx is not installed: curl-nginx.jsonl and nginx-upstream.jsonl are left as they are"
	exit 0
fi

echo "curl-nginx.jsonl: curl -> nginx; nginx-upstream.jsonl: nginx -> pyserver.py"
p_front=$((base + 12))
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    gzip on;
    gzip_min_length 20;
    gzip_types text/css application/json;
    upstream pyserver {
        server 127.0.0.1:$p_upstream;
        keepalive 4;
    }
    server {
        listen 127.0.0.1:$p_nginx;
        root $tmp/www;
        location = /old { return 301 /index.html; }
        location /api/ {
            proxy_pass http://pyserver;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
        }
    }
}
EOF
chmod -R a+rX "$tmp"
start_proxy "$p_upstream" "$p_pyserver" "$here/nginx-upstream.jsonl"
upstream_pid=$proxy_pid
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
servers+=($nginx_pid)
wait_port "$p_nginx"
start_proxy "$p_front" "$p_nginx" "$here/curl-nginx.jsonl"
front="http://127.0.0.1:$p_front"
curl -sS -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
	"$front/" "$front/old" "$front/nope.html" "$front/api/users/1" \
	--next -sS -o /dev/null --compressed "$front/style.css" \
	--next -sS -o /dev/null -I "$front/data.json" \
	--next -sS -o /dev/null -H 'Content-Type: application/json' -d '{"name":"red chair","qty":1}' "$front/api/items" \
	--next -sS -o /dev/null "$front/api/users/2"
stop_proxy "$proxy_pid" "$p_front"
# Stopping nginx closes its keep-alive connection to the upstream.
kill -QUIT "$nginx_pid"
wait "$nginx_pid" || true
stop_proxy "$upstream_pid" "$p_upstream"
