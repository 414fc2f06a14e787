package record

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Owner is the process that holds one end of a TCP connection.
type Owner struct {
	PID uint32
	// FD is the socket's file descriptor in the process.
	FD   int32
	Comm string
}

// ErrNoOwner is returned when no socket, or no process holding it, is
// found.
var ErrNoOwner = errors.New("no process holds the socket")

// FindOwner returns the process holding the TCP socket whose own end is
// local and whose peer is remote: the socket's inode from /proc/net/tcp
// (or tcp6), then the process with a file descriptor on that inode among
// /proc/*/fd. Reading other processes' descriptors takes root, or the same
// user. It sees the sockets of the caller's network namespace only.
func FindOwner(local, remote netip.AddrPort) (Owner, error) {
	return findOwner("/proc", local, remote)
}

func findOwner(proc string, local, remote netip.AddrPort) (Owner, error) {
	inode, err := socketInode(proc, local, remote)
	if err != nil {
		return Owner{}, err
	}
	target := "socket:[" + strconv.FormatUint(inode, 10) + "]"
	procs, err := os.ReadDir(proc)
	if err != nil {
		return Owner{}, fmt.Errorf("find owner: %w", err)
	}
	for _, p := range procs {
		pid, err := strconv.ParseUint(p.Name(), 10, 32)
		if err != nil {
			continue
		}
		dir := filepath.Join(proc, p.Name(), "fd")
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue // gone, or not ours to read
		}
		for _, f := range fds {
			link, err := os.Readlink(filepath.Join(dir, f.Name()))
			if err != nil || link != target {
				continue
			}
			fd, err := strconv.ParseInt(f.Name(), 10, 32)
			if err != nil {
				continue
			}
			comm, _ := os.ReadFile(filepath.Join(proc, p.Name(), "comm"))
			return Owner{PID: uint32(pid), FD: int32(fd), Comm: strings.TrimSpace(string(comm))}, nil
		}
	}
	return Owner{}, fmt.Errorf("%w: inode %d of %v -> %v", ErrNoOwner, inode, local, remote)
}

// socketInode finds the inode of the TCP socket local -> remote.
func socketInode(proc string, local, remote netip.AddrPort) (uint64, error) {
	local = netip.AddrPortFrom(local.Addr().Unmap(), local.Port())
	remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	for _, name := range []string{"net/tcp", "net/tcp6"} {
		f, err := os.Open(filepath.Join(proc, name))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			l, r, inode, err := parseTCPLine(sc.Text())
			if err == nil && inode != 0 && l == local && r == remote {
				f.Close()
				return inode, nil
			}
		}
		f.Close()
	}
	return 0, fmt.Errorf("%w: no socket %v -> %v in %s/net/tcp", ErrNoOwner, local, remote, proc)
}

// parseTCPLine parses one socket line of /proc/net/tcp or tcp6:
//
//	sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
//
// Addresses are hexadecimal 32-bit words in the host's byte order, ports
// hexadecimal numbers. IPv4-mapped addresses are unmapped.
func parseTCPLine(line string) (local, remote netip.AddrPort, inode uint64, err error) {
	f := strings.Fields(line)
	if len(f) < 10 || !strings.HasSuffix(f[0], ":") {
		return local, remote, 0, fmt.Errorf("not a socket line: %q", line)
	}
	if local, err = parseHexAddr(f[1]); err != nil {
		return local, remote, 0, err
	}
	if remote, err = parseHexAddr(f[2]); err != nil {
		return local, remote, 0, err
	}
	inode, err = strconv.ParseUint(f[9], 10, 64)
	return local, remote, inode, err
}

// parseHexAddr parses "0100007F:1F90" or its 32-digit IPv6 form.
func parseHexAddr(s string) (netip.AddrPort, error) {
	host, port, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("bad socket address %q", s)
	}
	p, err := strconv.ParseUint(port, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad port in %q: %w", s, err)
	}
	raw, err := hex.DecodeString(host)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, fmt.Errorf("bad address in %q", s)
	}
	// Each 32-bit word was printed as a number in the host's byte order.
	var b [16]byte
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(b[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	var a netip.Addr
	if len(raw) == 4 {
		a = netip.AddrFrom4([4]byte(b[:4]))
	} else {
		a = netip.AddrFrom16(b).Unmap()
	}
	return netip.AddrPortFrom(a, uint16(p)), nil
}
