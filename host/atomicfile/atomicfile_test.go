package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestWriteFileReplaces(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "m.json")
	if err := WriteFile(dest, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(dest, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(dest)
	if string(b) != "new" {
		t.Fatalf("content %q, want new", b)
	}
	assertNoTemp(t, filepath.Dir(dest))
}

func TestFailedWriteKeepsOld(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "m.json")
	if err := WriteFile(dest, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteWith(dest, 0o644, func(w io.Writer) error {
		w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
	b, _ := os.ReadFile(dest)
	if string(b) != "old" {
		t.Fatalf("content %q after failed write, want old", b)
	}
	assertNoTemp(t, filepath.Dir(dest))
}

func TestCreateInMissingDir(t *testing.T) {
	_, err := Create(filepath.Join(t.TempDir(), "nope", "x"), 0o644)
	if err == nil {
		t.Fatal("Create in a missing directory succeeded")
	}
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %v, want only the destination", names)
	}
}

// TestHelperKilledWrite is run as a child process by
// TestKilledWriteLeftoverRemoved: it starts writing a file and waits to be
// killed.
func TestHelperKilledWrite(t *testing.T) {
	dest := os.Getenv("ATOMICFILE_HELPER_DEST")
	if dest == "" {
		t.Skip("helper process only")
	}
	f, err := Create(dest, 0o644)
	if err != nil {
		os.Exit(3)
	}
	f.Write([]byte("half"))
	os.Stdout.WriteString("writing\n")
	time.Sleep(time.Minute)
}

// TestKilledWriteLeftoverRemoved: the temporary file of a write killed with
// SIGKILL is removed by the next write of the same file.
func TestKilledWriteLeftoverRemoved(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "m.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperKilledWrite$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_HELPER_DEST="+dest)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := io.ReadFull(out, buf); err != nil || string(buf) != "writing" {
		cmd.Process.Kill()
		t.Fatalf("helper did not start writing: %q %v", buf, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(dest), ".m.json.tmp-"+strconv.Itoa(cmd.Process.Pid)+"-*"))
	if len(left) != 1 {
		t.Fatalf("the killed write left %v, want one .m.json.tmp-PID-* file", left)
	}
	if err := WriteFile(dest, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	assertNoTemp(t, filepath.Dir(dest))
}

// TestLeftoversKept: the next write removes only its own file's leftovers,
// and none of a write that may still be in progress.
func TestLeftoversKept(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "m.json")
	// A write in progress in this process.
	inProgress, err := Create(dest, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	hourAgo := time.Now().Add(-time.Hour)
	files := []struct {
		name  string
		mtime time.Time
		kept  bool
	}{
		{fmt.Sprintf(".m.json.tmp-%d-1", dead.Process.Pid), hourAgo, false},
		{fmt.Sprintf(".m.json.tmp-%d-2", os.Getppid()), hourAgo, true}, // a running process's
		{".m.json.tmp-4242424242", hourAgo, false},                     // no PID, older than this process
		{".m.json.tmp-4242424243", time.Now().Add(time.Hour), true},    // no PID, changed since this process started
		{fmt.Sprintf(".other.json.tmp-%d-3", dead.Process.Pid), hourAgo, true},
		{".m.json.tmp-x-4", hourAgo, true}, // not a name this package makes
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte("left"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, f.mtime, f.mtime); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteFile(dest, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		_, err := os.Stat(filepath.Join(dir, f.name))
		if kept := err == nil; kept != f.kept {
			t.Errorf("%s: kept %v, want %v", f.name, kept, f.kept)
		}
	}
	if _, err := os.Stat(inProgress.Name()); err != nil {
		t.Errorf("the write in progress lost its temporary file: %v", err)
	}
	inProgress.Write([]byte("later"))
	if err := inProgress.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dest); string(b) != "later" {
		t.Errorf("content %q, want later", b)
	}
	ents, _ := os.ReadDir(dir)
	names := []string{}
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Contains(names, "m.json") || len(names) != 5 {
		t.Errorf("directory holds %v", names)
	}
}
