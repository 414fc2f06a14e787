//go:build linux

package ebpf

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDiscover runs discovery on a fake /proc: one process maps a libssl
// that exists only in its own mount namespace (reached through its root),
// two map the same file, and one maps none.
func TestDiscover(t *testing.T) {
	proc := t.TempDir()
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const lib = "/opt/tapir-test-ns/lib/libssl.so.3" // absent on the host
	maps := "7f0000000000-7f0000001000 r--p 00000000 08:01 1234 " + lib + "\n" +
		"7f0000001000-7f0000002000 r-xp 00001000 08:01 1234 " + lib + "\n" +
		"7f0000003000-7f0000004000 r--p 00000000 08:01 99 /usr/lib/libcrypto.so.3\n" +
		"7f0000005000-7f0000006000 r--p 00000000 08:01 77 /old/libssl.so.1.1 (deleted)\n" +
		"7ffd00000000-7ffd00001000 rw-p 00000000 00:00 0 [stack]\n"
	for _, pid := range []string{"100", "200"} {
		write(filepath.Join(proc, pid, "maps"), maps)
	}
	// 200 shares 100's mount namespace: its root leads to the same file.
	write(filepath.Join(proc, "100", "root", lib), "not really ELF")
	if err := os.Symlink(filepath.Join(proc, "100", "root"), filepath.Join(proc, "200", "root")); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(proc, "300", "maps"), "7ffd00000000-7ffd00001000 rw-p 00000000 00:00 0 [stack]\n")
	write(filepath.Join(proc, "self"), "") // not a pid

	got, err := discover(proc)
	if err != nil {
		t.Fatal(err)
	}
	var ns *Target
	for i := range got {
		if got[i].Procs > 0 && filepath.Base(got[i].Path) == "libssl.so.3" && got[i].Path != lib {
			ns = &got[i]
		}
	}
	want := filepath.Join(proc, "100", "root", lib)
	if ns == nil || ns.Path != want || ns.Procs != 2 {
		t.Fatalf("targets %+v; want %s mapped by 2 processes", got, want)
	}
}

func TestMappedLibSSL(t *testing.T) {
	tests := []struct {
		maps string
		want []string
	}{
		{"", nil},
		{"1-2 r--p 0 08:01 1 /usr/lib/libssl.so.3\n1-2 r-xp 0 08:01 1 /usr/lib/libssl.so.3\n", []string{"/usr/lib/libssl.so.3"}},
		{"1-2 r--p 0 08:01 1 /a/libssl.so.1.1\n1-2 r--p 0 08:01 1 /b/libcrypto.so.3\n1-2 r--p 0 08:01 1 /c/libssl.so.3\n1-2 r--p 0 08:01 1 /a/libssl.so.1.1\n",
			[]string{"/a/libssl.so.1.1", "/c/libssl.so.3"}},
		{"1-2 r--p 0 08:01 1 /d/libssl.so.3 (deleted)\n1-2 rw-p 0 00:00 0 [heap]\n", nil},
	}
	for _, tt := range tests {
		p := filepath.Join(t.TempDir(), "maps")
		if err := os.WriteFile(p, []byte(tt.maps), 0o600); err != nil {
			t.Fatal(err)
		}
		got := mappedLibSSL(p)
		if len(got) != len(tt.want) {
			t.Errorf("%q: %q; want %q", tt.maps, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%q: %q; want %q", tt.maps, got, tt.want)
			}
		}
	}
}
