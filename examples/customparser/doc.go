// Command customparser shows how to teach tapir a protocol it does not
// know, without changing tapir: it writes a parser for the line protocol
// of testdata/recordings/echo_server.py (the client sends a command line,
// the server answers with one line), adds it to tapir's detection list
// after the Redis parser, and decodes event files with it.
//
//	go run ./examples/customparser [FILE...]
//
// With no FILE it reads testdata/recordings/line-echo.jsonl, a session
// recorded from echo_client.py.
package main
