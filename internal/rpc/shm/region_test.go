package shm

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

func TestRegionAllocLookupAttach(t *testing.T) {
	r, err := Create(1 << 16)
	if err != nil {
		t.Skipf("no shared memory: %v", err)
	}
	defer r.Close()
	var offs []int64
	for _, n := range []int{1, 100, 64, 4096} {
		b, ok := r.Alloc(n)
		if !ok || len(b) != n {
			t.Fatalf("Alloc(%d) = %d bytes, %v", n, len(b), ok)
		}
		if uintptr(unsafe.Pointer(&b[0]))%align != 0 {
			t.Fatalf("Alloc(%d) not %d-byte aligned", n, align)
		}
		got, off, ok := Lookup(b)
		if !ok || got != r {
			t.Fatalf("Lookup of an allocation failed")
		}
		b[0] = byte(n)
		offs = append(offs, off)
	}
	if _, ok := r.Alloc(1 << 16); ok {
		t.Fatal("Alloc beyond capacity succeeded")
	}
	if _, _, ok := Lookup(make([]byte, 8)); ok {
		t.Fatal("Lookup found heap memory in a region")
	}
	m, err := Attach(r.Path(), int64(r.Size()))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for i, n := range []int{1, 100, 64, 4096} {
		b, err := m.Slice(offs[i], int64(n))
		if err != nil || b[0] != byte(n) {
			t.Fatalf("mapping at %d: %v, %v", offs[i], b[:1], err)
		}
	}
	if _, err := m.Slice(int64(r.Size())-1, 2); err == nil {
		t.Fatal("Slice past the end succeeded")
	}
	r.Reset()
	if b, ok := r.Alloc(8); !ok || &b[0] != &r.data[0] {
		t.Fatal("Reset did not rewind")
	}
	if err := r.Unlink(); err != nil {
		t.Fatal(err)
	}
	if b, err := m.Slice(offs[3], 1); err != nil || b[0] != byte(4096%256) {
		t.Fatalf("mapping after Unlink: %v, %v", b, err)
	}
	if _, err := Attach(r.Path(), int64(r.Size())); err == nil {
		t.Fatal("Attach after Unlink succeeded")
	}
	id, path := r.ID(), r.Path()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if Live(id) {
		t.Fatal("closed region still live")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("closed region's file remains: %v", err)
	}
}

func TestAttachErrors(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, make([]byte, 10), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		size int64
		want string
	}{
		{filepath.Join(dir, "missing"), 10, "no such file"},
		{small, 100, "holds 10 bytes, host said 100"},
		{small, 0, "invalid size 0"},
	} {
		if _, err := Attach(tc.path, tc.size); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Attach(%s, %d): err = %v, want %q", tc.path, tc.size, err, tc.want)
		}
	}
}

func TestCreateWithoutDir(t *testing.T) {
	old := Dir
	Dir = filepath.Join(t.TempDir(), "absent")
	defer func() { Dir = old }()
	if _, err := Create(64); err == nil {
		t.Fatal("Create in a missing directory succeeded")
	}
}

func TestSweepStale(t *testing.T) {
	old := Dir
	Dir = t.TempDir()
	defer func() { Dir = old }()
	// Pid 0x7ffffffe is beyond any pid_max, so it is dead.
	stale := filepath.Join(Dir, "tdw-2147483646-1")
	mine := filepath.Join(Dir, "tdw-"+strconv.Itoa(os.Getpid())+"-1")
	for _, p := range []string{stale, mine} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sweepStale()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatal("stale region survived")
	}
	if _, err := os.Stat(mine); err != nil {
		t.Fatal("live process's region was removed")
	}
}
