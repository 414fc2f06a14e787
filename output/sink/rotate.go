package sink

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Rotating writes records to a series of files: it starts a new one
// before a record would take the current one past Options.RotateSize, or
// at the first record after the current one is Options.RotateEvery old.
// Each file is named after the path it was given with the UTC time it
// was opened inserted before the extension — "out.pb" becomes
// "out-20241123T081912.123Z.pb" — and created with mode 0600, never over
// an existing file: when the name is taken, or the last file opened in
// the same millisecond, the time in the name moves on a millisecond, so
// names sort in the order the files were written. A record is never
// split across files. Writes are buffered (64 KiB) until Flush, a
// rotation or Close. It is safe for concurrent use.
type Rotating struct {
	mu     sync.Mutex
	base   string // path without extension
	ext    string
	size   int64
	every  time.Duration
	logf   func(string, ...any)
	f      *os.File
	bw     *bufio.Writer // over f
	name   string
	n      int64 // bytes in f
	opened time.Time
	stamp  time.Time // in the current file's name
	st     Stats
	closed bool
}

// NewRotating opens the first file of the series named by path.
func NewRotating(path string, opts *Options) (*Rotating, error) {
	if path == "" {
		return nil, errors.New("sink: empty file path")
	}
	o := opts.withDefaults(0)
	ext := filepath.Ext(path)
	if strings.ContainsRune(ext, os.PathSeparator) {
		ext = ""
	}
	r := &Rotating{
		base:  strings.TrimSuffix(path, ext),
		ext:   ext,
		size:  o.RotateSize,
		every: o.RotateEvery,
		logf:  o.Logf,
		st:    Stats{Kind: "file"},
	}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

// open opens the next file.
func (r *Rotating) open() error {
	now := time.Now().UTC()
	// Names keep apart and in order: a file opened in the same
	// millisecond as the last, or whose name is taken, is named a
	// millisecond later.
	stamp := now.Truncate(time.Millisecond)
	if !stamp.After(r.stamp) {
		stamp = r.stamp.Add(time.Millisecond)
	}
	for i := 0; ; i++ {
		name := r.base + "-" + stamp.Format("20060102T150405.000Z") + r.ext
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
		if errors.Is(err, fs.ErrExist) && i < 1000 {
			stamp = stamp.Add(time.Millisecond)
			continue
		}
		if err != nil {
			return fmt.Errorf("sink: create %s: %w", name, unwrapPath(err))
		}
		r.f, r.name, r.n, r.opened, r.stamp = f, name, 0, now, stamp
		if r.bw == nil {
			r.bw = bufio.NewWriterSize(f, 64<<10)
		} else {
			r.bw.Reset(f)
		}
		r.st.Files++
		return nil
	}
}

// Name returns the name of the file being written.
func (r *Rotating) Name() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.name
}

// rotateDue reports whether a record of n bytes goes to a new file. A
// file that is still empty is never left for a new one.
func (r *Rotating) rotateDue(n int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.due(n)
}

func (r *Rotating) due(n int) bool {
	if r.closed || r.n == 0 {
		return false
	}
	return (r.size > 0 && r.n+int64(n) > r.size) || (r.every > 0 && time.Since(r.opened) >= r.every)
}

// rotate closes the current file and opens the next.
func (r *Rotating) rotate() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rotateLocked()
}

func (r *Rotating) rotateLocked() error {
	if r.closed {
		return os.ErrClosed
	}
	old := r.name
	if err := r.bw.Flush(); err != nil {
		r.f.Close()
		r.closed = true
		return fmt.Errorf("sink: write %s: %w", old, unwrapPath(err))
	}
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("sink: close %s: %w", old, unwrapPath(err))
	}
	if err := r.open(); err != nil {
		r.closed = true
		return err
	}
	r.logf("rotated %s; writing %s", old, r.name)
	return nil
}

// WriteRecord writes p to the current file, first moving to a new one if
// rotation is due.
func (r *Rotating) WriteRecord(p []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return os.ErrClosed
	}
	if r.due(len(p)) {
		if err := r.rotateLocked(); err != nil {
			return err
		}
	}
	n, err := r.bw.Write(p)
	r.n += int64(n)
	r.st.Records++
	r.st.Bytes += uint64(n)
	if err != nil {
		return fmt.Errorf("sink: write %s: %w", r.name, unwrapPath(err))
	}
	return nil
}

// Write writes p as one record.
func (r *Rotating) Write(p []byte) (int, error) {
	if err := r.WriteRecord(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes out what is buffered for the current file.
func (r *Rotating) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	if err := r.bw.Flush(); err != nil {
		return fmt.Errorf("sink: write %s: %w", r.name, unwrapPath(err))
	}
	return nil
}

// Stats returns the counters.
func (r *Rotating) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st
}

// Close flushes and closes the current file. It is safe to call twice.
func (r *Rotating) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	ferr := r.bw.Flush()
	if err := r.f.Close(); ferr == nil {
		ferr = err
	}
	if ferr != nil {
		return fmt.Errorf("sink: close %s: %w", r.name, unwrapPath(ferr))
	}
	return nil
}
