#!/usr/bin/env python3
"""Python's http.client on one keep-alive connection: a page, a chunked
response, a gzip-encoded response, a JSON POST and a last GET.

    python3 pyclient.py HOST PORT
"""
import gzip
import http.client
import json
import sys

conn = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=10)


def get(path, headers=None):
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    return resp, resp.read()


resp, body = get("/", {"Accept": "text/html"})
assert resp.status == 200, resp.status
resp, body = get("/chunked")
assert resp.getheader("Transfer-Encoding") == "chunked" and body.count(b"\n") == 3, body
resp, body = get("/gzip", {"Accept-Encoding": "gzip"})
assert resp.getheader("Content-Encoding") == "gzip"
assert json.loads(gzip.decompress(body))["page"] == 1
conn.request("POST", "/api/items", body=json.dumps({"name": "green lamp", "qty": 2}),
             headers={"Content-Type": "application/json"})
resp = conn.getresponse()
assert resp.status == 201 and json.loads(resp.read())["bytes"] > 0
resp, body = get("/api/users/7")
assert json.loads(body)["id"] == 7
conn.close()
