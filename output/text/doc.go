// Package text formats messages for people reading a terminal or a log: a
// header line naming the time, process, connection, protocol and size of
// each message, then its HTTP head and decoded body, or a hex dump.
//
// Every byte that came from a capture is escaped before it is written, so
// captured plaintext cannot move the cursor, change colours or retitle the
// terminal it is printed on. Colour, when asked for, uses ANSI sequences of
// the formatter's own.
package text
