#!/usr/bin/env python3
"""A plaintext line protocol server, for the raw parser: each command line
gets one reply line; BYE ends the session.

    python3 echo_server.py PORT
"""
import socketserver
import sys
import time


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        store = {}
        for raw in self.rfile:
            words = raw.decode().split()
            if not words:
                continue
            cmd, args = words[0].upper(), words[1:]
            if cmd == "HELLO":
                reply = "WELCOME " + " ".join(args)
            elif cmd == "ECHO":
                reply = " ".join(args)
            elif cmd == "STORE" and len(args) >= 2:
                store[args[0]] = " ".join(args[1:])
                reply = "STORED " + args[0]
            elif cmd == "FETCH" and args:
                reply = "VALUE " + store.get(args[0], "(none)")
            elif cmd == "CLOCK":
                reply = "CLOCK %d" % time.time()
            elif cmd == "BYE":
                self.wfile.write(b"GOODBYE\n")
                return
            else:
                reply = "ERROR unknown command " + cmd
            self.wfile.write(reply.encode() + b"\n")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True


if __name__ == "__main__":
    Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
