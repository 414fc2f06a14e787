package eventfile

import (
	"errors"
	"os"
	"strconv"
)

// Errors that a LineError wraps, for callers to test with errors.Is.
var (
	// ErrSyntax marks a line that is not one valid JSON object.
	ErrSyntax = errors.New("invalid JSON")
	// ErrMissingField marks a line that lacks a required field.
	ErrMissingField = errors.New("missing field")
	// ErrBadField marks a field whose value has the wrong type or is out
	// of range: an unknown kind, a bad dir, a bad address, bad base64, a
	// number that does not fit.
	ErrBadField = errors.New("bad field")
	// ErrLineTooLong marks a line longer than the reader's limit; the
	// rest of such a line is skipped.
	ErrLineTooLong = errors.New("line too long")
	// ErrClosed is returned by Next after Close.
	ErrClosed = os.ErrClosed
)

// LineError reports a line of an event file that could not be decoded. By
// default a Reader counts it, hands it to Options.OnError and goes on to
// the next line; with Options.Strict, Next returns it.
type LineError struct {
	// File is the name the reader was opened with ("stdin" for "-").
	File string
	// Line is the 1-based line number.
	Line int
	// Err says what is wrong; it wraps one of ErrSyntax, ErrMissingField,
	// ErrBadField or ErrLineTooLong.
	Err error
}

// Error returns "FILE:LINE: what is wrong".
func (e *LineError) Error() string {
	return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Err.Error()
}

// Unwrap returns e.Err.
func (e *LineError) Unwrap() error { return e.Err }
