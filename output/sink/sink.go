package sink

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// ErrUnsupported is returned, wrapped, for a target whose scheme names a
// sink that this build does not have.
var ErrUnsupported = errors.New("unsupported sink scheme")

// FileMode is the permission of files that Open creates or truncates.
const FileMode fs.FileMode = 0o600

// Open opens target for writing:
//
//   - "" or "-": standard output; closing the result does not close it.
//   - "file://PATH": the file at PATH, as below.
//   - "tcp://HOST:PORT": a TCP client that reconnects (NewTCP).
//   - "ws://HOST:PORT/PATH": a WebSocket server for clients to connect to
//     (NewWebSocket).
//   - any other "SCHEME://...": fails with ErrUnsupported.
//   - anything else: a file path, created or truncated with mode 0600. A
//     regular file that already exists with wider permissions is narrowed
//     to 0600.
//
// The caller closes what Open returns. Open is OpenWith with default
// options.
func Open(target string) (io.WriteCloser, error) { return OpenWith(target, nil) }

// OpenWith opens target as Open does, with options; a file with
// RotateSize or RotateEvery set is a rotating file (NewRotating). The
// network and rotating sinks take records whole (RecordWriter) and report
// Stats.
func OpenWith(target string, opts *Options) (io.WriteCloser, error) {
	if target == "" || target == "-" {
		return stdout{os.Stdout}, nil
	}
	path := target
	if scheme, rest, ok := strings.Cut(target, "://"); ok && isScheme(scheme) {
		switch strings.ToLower(scheme) {
		case "file":
			path = rest
		case "tcp":
			return NewTCP(rest, opts)
		case "ws":
			return NewWebSocket(target, opts)
		default:
			return nil, fmt.Errorf("sink: open %s: %w %q", target, ErrUnsupported, scheme)
		}
	}
	if opts != nil && (opts.RotateSize > 0 || opts.RotateEvery > 0) {
		return NewRotating(path, opts)
	}
	return openFile(path)
}

// isScheme reports whether s is a URL scheme (RFC 3986: a letter, then
// letters, digits, "+", "-" or "."), so that a path such as "./a://b" is
// not taken for a URL.
func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// openFile creates or truncates the file at path with FileMode.
func openFile(path string) (io.WriteCloser, error) {
	if path == "" {
		return nil, errors.New("sink: empty file path")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, FileMode)
	if err != nil {
		return nil, fmt.Errorf("sink: create %s: %w", path, unwrapPath(err))
	}
	// OpenFile's mode applies only to a file it creates: narrow an
	// existing one. Devices and pipes (/dev/null, a FIFO) are left alone.
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sink: stat %s: %w", path, unwrapPath(err))
	}
	if fi.Mode().IsRegular() && fi.Mode().Perm()&^FileMode != 0 {
		if err := f.Chmod(FileMode); err != nil {
			f.Close()
			return nil, fmt.Errorf("sink: restrict %s to mode %v: %w", path, FileMode, unwrapPath(err))
		}
	}
	return f, nil
}

// unwrapPath strips an *fs.PathError, whose text would repeat the path
// and the operation that the message already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// stdout writes to standard output and does not close it. It keeps the
// *os.File's methods, so a caller can still ask for its Fd (to tell a
// terminal).
type stdout struct{ *os.File }

// Close does nothing: standard output stays open for the process.
func (stdout) Close() error { return nil }
