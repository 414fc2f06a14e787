package pb_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGenerated regenerates tapir.pb.go where protoc and protoc-gen-go
// are installed and checks that the committed file is what they make
// (but for the versions in its header).
func TestGenerated(t *testing.T) {
	for _, tool := range []string{"protoc", "protoc-gen-go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: the committed tapir.pb.go is not checked", tool)
		}
	}
	dir := t.TempDir()
	cmd := exec.Command("protoc", "--go_out="+dir, "--go_opt=paths=source_relative", "tapir.proto")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "tapir.pb.go"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("tapir.pb.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stripVersions(got), stripVersions(want)) {
		t.Error("tapir.pb.go is not what tapir.proto generates: run go generate ./output/pb")
	}
}

// stripVersions drops the "// \tprotoc... vX" lines of a generated file.
func stripVersions(b []byte) []byte {
	var out [][]byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if bytes.HasPrefix(l, []byte("// \tprotoc")) {
			continue
		}
		out = append(out, l)
	}
	return bytes.Join(out, []byte("\n"))
}
