#!/usr/bin/env python3
"""The client of echo_server.py: one session of commands, each reply read
before the next command is sent.

    python3 echo_client.py HOST PORT
"""
import socket
import sys

COMMANDS = [
    "HELLO client=echo_client.py version=1",
    "ECHO the quick brown fox",
    "STORE color deep blue",
    "FETCH color",
    "CLOCK",
    "FROB something",
    "BYE",
]

with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10) as s:
    f = s.makefile("rwb")
    for cmd in COMMANDS:
        f.write(cmd.encode() + b"\n")
        f.flush()
        reply = f.readline()
        assert reply, "connection closed early"
