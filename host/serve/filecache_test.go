package serve

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestFileCache: a file is parsed again only when its size or modification
// time changed, and a failed parse is not kept.
func TestFileCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	write := func(body string, mod time.Time) os.FileInfo {
		t.Helper()
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	var c fileCache[string]
	loads := 0
	load := func() (string, error) {
		loads++
		b, err := os.ReadFile(path)
		return string(b), err
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, step := range []struct {
		body, want string
		mod        time.Time
		wantLoads  int
	}{
		{"one", "one", t0, 1},
		{"one", "one", t0, 1},                      // unchanged: cached
		{"two", "one", t0, 1},                      // same size and time: the cached value (the documented limit)
		{"three", "three", t0, 2},                  // size changed
		{"threx", "threx", t0.Add(time.Second), 3}, // time changed
	} {
		got, err := c.get("k", write(step.body, step.mod), load)
		if err != nil {
			t.Fatal(err)
		}
		if got != step.want || loads != step.wantLoads {
			t.Errorf("step %d: %q after %d loads, want %q after %d", i, got, loads, step.want, step.wantLoads)
		}
	}
	fi := write("fails", t0.Add(2*time.Second))
	bad := errors.New("parse error")
	if _, err := c.get("k", fi, func() (string, error) { return "", bad }); !errors.Is(err, bad) {
		t.Fatalf("failing load: %v", err)
	}
	if got, _ := c.get("k", fi, load); got != "fails" {
		t.Errorf("after a failed load: %q, want the file parsed again", got)
	}
}
