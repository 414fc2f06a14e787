package ebpf

import "testing"

func TestTargetString(t *testing.T) {
	for _, tt := range []struct {
		procs int
		want  string
	}{
		{0, "/usr/lib/libssl.so.3 (SSL_write, SSL_read)"},
		{1, "/usr/lib/libssl.so.3 (SSL_write, SSL_read; mapped by 1 process)"},
		{3, "/usr/lib/libssl.so.3 (SSL_write, SSL_read; mapped by 3 processes)"},
	} {
		tg := Target{Path: "/usr/lib/libssl.so.3", Symbols: []string{"SSL_write", "SSL_read"}, Procs: tt.procs}
		if got := tg.String(); got != tt.want {
			t.Errorf("Target with %d processes = %q; want %q", tt.procs, got, tt.want)
		}
	}
}
