package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
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
