//go:build linux

package ebpf

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// systemDirs are where a distribution keeps its libssl.
var systemDirs = []string{
	"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
	"/usr/lib64", "/lib64", "/usr/lib", "/lib",
	"/usr/local/lib64", "/usr/local/lib",
}

// systemNames are the sonames looked for in systemDirs, newest first.
var systemNames = []string{"libssl.so.3", "libssl.so.1.1"}

// fileID names a file whatever path reaches it: uprobes attach to inodes.
type fileID struct{ dev, ino uint64 }

func idOf(path string) (fileID, bool) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return fileID{}, false
	}
	return fileID{uint64(st.Dev), st.Ino}, true
}

// Discover finds the OpenSSL libraries to attach to: the system's
// libssl, and every libssl mapped by a running process, including those of
// other mount namespaces (containers), reached through /proc/PID/root. A
// file reachable by several paths is listed once, by its host path when it
// has one.
func Discover() ([]Target, error) {
	return discover("/proc")
}

func discover(proc string) ([]Target, error) {
	var out []Target
	index := map[fileID]int{}
	add := func(path string, procs int) {
		id, ok := idOf(path)
		if !ok {
			return
		}
		if i, seen := index[id]; seen {
			out[i].Procs += procs
			return
		}
		index[id] = len(out)
		out = append(out, Target{Path: path, Procs: procs})
	}
	for _, dir := range systemDirs {
		for _, name := range systemNames {
			add(filepath.Join(dir, name), 0)
		}
	}
	ents, err := os.ReadDir(proc)
	if err != nil {
		return out, err
	}
	var pids []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	for _, pid := range pids {
		for _, lib := range mappedLibSSL(filepath.Join(proc, strconv.Itoa(pid), "maps")) {
			// The process's own view of the file: right in its mount
			// namespace, whatever the host has at that path.
			inNS := filepath.Join(proc, strconv.Itoa(pid), "root", lib)
			id, ok := idOf(inNS)
			if !ok {
				continue
			}
			if hid, ok := idOf(lib); ok && hid == id {
				add(lib, 1)
			} else {
				add(inNS, 1)
			}
		}
	}
	return out, nil
}

// mappedLibSSL returns the libssl paths in a /proc/PID/maps file.
func mappedLibSSL(maps string) []string {
	data, err := os.ReadFile(maps)
	if err != nil {
		return nil // the process exited, or is not ours to read
	}
	var libs []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.IndexByte(line, '/')
		if i < 0 {
			continue
		}
		path := line[i:]
		if strings.HasSuffix(path, " (deleted)") {
			continue
		}
		if !strings.HasPrefix(filepath.Base(path), "libssl.so") {
			continue
		}
		if len(libs) > 0 && libs[len(libs)-1] == path {
			continue // the next segment of the same mapping
		}
		dup := false
		for _, l := range libs {
			dup = dup || l == path
		}
		if !dup {
			libs = append(libs, path)
		}
	}
	return libs
}
