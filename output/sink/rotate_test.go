package sink_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tapir-dev/tapir/output/sink"
)

// files returns the names and contents of the files in dir, sorted.
func files(t *testing.T, dir string) (names, contents []string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v; want 0600", e.Name(), fi.Mode().Perm())
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, e.Name())
		contents = append(contents, string(b))
	}
	return names, contents
}

func TestRotateSize(t *testing.T) {
	tests := []struct {
		name    string
		size    int64
		records []string
		want    []string // file contents, in order
	}{
		{"two a file", 8, []string{"aaaa", "bbbb", "cccc", "dddd", "ee"}, []string{"aaaabbbb", "ccccdddd", "ee"}},
		{"big record alone", 4, []string{"aa", "bbbbbbbb", "cc", "dd"}, []string{"aa", "bbbbbbbb", "ccdd"}},
		{"never split", 5, []string{"aaa", "bbb", "ccc"}, []string{"aaa", "bbb", "ccc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			w, err := sink.OpenWith(filepath.Join(dir, "out.pb"), &sink.Options{RotateSize: tt.size})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range tt.records {
				if _, err := w.Write([]byte(r)); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			names, contents := files(t, dir)
			if strings.Join(contents, "|") != strings.Join(tt.want, "|") {
				t.Errorf("files hold %q; want %q", contents, tt.want)
			}
			re := regexp.MustCompile(`^out-\d{8}T\d{6}\.\d{3}Z\.pb$`)
			for _, n := range names {
				if !re.MatchString(n) {
					t.Errorf("file name %q does not match %s", n, re)
				}
			}
			if st := w.(interface{ Stats() sink.Stats }).Stats(); st.Files != uint64(len(tt.want)) || st.Records != uint64(len(tt.records)) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestRotateEvery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		r, err := sink.NewRotating(filepath.Join(dir, "capture"), &sink.Options{RotateEvery: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		write := func(s string) {
			if err := r.WriteRecord([]byte(s)); err != nil {
				t.Fatal(err)
			}
		}
		write("a")
		time.Sleep(59 * time.Minute)
		write("b")
		time.Sleep(time.Minute)
		write("c") // an hour after the first file opened
		time.Sleep(3 * time.Hour)
		write("d") // one file for the quiet hours
		r.Close()
		names, contents := files(t, dir)
		if got := strings.Join(contents, "|"); got != "ab|c|d" {
			t.Errorf("files hold %q; want ab|c|d", got)
		}
		// synctest's clock starts at 2000-01-01 00:00:00 UTC.
		want := []string{"capture-20000101T000000.000Z", "capture-20000101T010000.000Z", "capture-20000101T040000.000Z"}
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("names %q; want %q", names, want)
		}
	})
}

// TestRotateSameInstant checks names stay apart when files open in the
// same millisecond.
func TestRotateSameInstant(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		r, err := sink.NewRotating(filepath.Join(dir, "x.json"), &sink.Options{RotateSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"1", "2", "3"} {
			r.WriteRecord([]byte(s))
		}
		r.Close()
		names, contents := files(t, dir)
		want := []string{"x-20000101T000000.000Z.json", "x-20000101T000000.001Z.json", "x-20000101T000000.002Z.json"}
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("names %q; want %q", names, want)
		}
		if strings.Join(contents, "") != "123" {
			t.Errorf("contents %q", contents)
		}
	})
}

// TestWriterRotatesDocuments checks that a formatter with a closing part
// gets a whole document in every file.
func TestWriterRotatesDocuments(t *testing.T) {
	dir := t.TempDir()
	r, err := sink.NewRotating(filepath.Join(dir, "doc.har"), &sink.Options{RotateSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	w := sink.NewWriter(r, &docFormatter{}, nil)
	for _, p := range []string{"aaa", "bbb", "ccc", "ddd", "eee"} {
		if err := w.Write(msg(p)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	_, got := files(t, dir)
	want := []string{"[aaa,bbb]\n", "[ccc,ddd]\n", "[eee]\n"}
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("documents %q; want %q", got, want)
	}
}
