#!/usr/bin/env python3
"""A tiny HTTP/1.1 server for the recordings: keep-alive, JSON, a form,
a chunked response and a gzip-encoded one.

    python3 pyserver.py PORT
"""
import gzip
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USERS = {
    "1": {"id": 1, "name": "Ada Okafor", "email": "ada@example.com", "role": "admin"},
    "2": {"id": 2, "name": "Lena Novak", "email": "lena@example.com", "role": "editor"},
    "7": {"id": 7, "name": "Hiro Tanaka", "email": "hiro@example.com", "role": "viewer"},
}

INDEX = b"""<!DOCTYPE html>
<html><head><title>tapir demo</title></head>
<body><h1>tapir demo</h1><p>A small page served by pyserver.py.</p></body></html>
"""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pyserver/1.0"

    def log_message(self, fmt, *args):
        sys.stderr.write("pyserver: " + (fmt % args) + "\n")

    def send_body(self, status, ctype, body, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, obj, extra=()):
        body = json.dumps(obj).encode() + b"\n"
        self.send_body(status, "application/json", body, extra)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path in ("/", "/index.html"):
            self.send_body(200, "text/html; charset=utf-8", INDEX)
        elif path.startswith("/api/users/"):
            user = USERS.get(path.rsplit("/", 1)[1])
            if user is None:
                self.send_json(404, {"error": "no such user"})
            else:
                self.send_json(200, user, [("Cache-Control", "max-age=30")])
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for line in (b"first line\n", b"second, a little longer line\n", b"third and last\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/gzip":
            doc = json.dumps({"users": list(USERS.values()), "page": 1}).encode()
            if "gzip" in self.headers.get("Accept-Encoding", ""):
                self.send_body(200, "application/json", gzip.compress(doc, mtime=0),
                               [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")])
            else:
                self.send_body(200, "application/json", doc, [("Vary", "Accept-Encoding")])
        else:
            self.send_json(404, {"error": "not found", "path": path})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            try:
                doc = json.loads(body)
            except ValueError as e:
                self.send_json(400, {"error": str(e)})
                return
            self.send_json(201, {"received": doc, "bytes": length}, [("Location", "/api/items/101")])
        elif ctype.startswith("application/x-www-form-urlencoded"):
            form = urllib.parse.parse_qs(body.decode())
            self.send_json(200, {"form": {k: v[0] for k, v in form.items()}})
        else:
            self.send_json(415, {"error": "unsupported content type", "type": ctype})


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
