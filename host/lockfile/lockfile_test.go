package lockfile

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestAcquireRefusesSecondHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v", ".lock")
	l, err := Acquire(path, "first")
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to open file descriptions: a second open in the same
	// process conflicts just as another process would.
	_, err = Acquire(path, "second")
	if !errors.Is(err, ErrHeld) {
		t.Fatalf("second Acquire: got %v, want ErrHeld", err)
	}
	if !strings.Contains(err.Error(), `"first"`) {
		t.Errorf("error %q does not name the holder", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	l2, err := Acquire(path, "third")
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	l2.Release()
}

// TestHelperHold is run as a child process by TestKilledHolderReleases.
func TestHelperHold(t *testing.T) {
	path := os.Getenv("LOCKFILE_HELPER_PATH")
	if path == "" {
		t.Skip("helper process only")
	}
	if _, err := Acquire(path, "helper"); err != nil {
		os.Exit(3)
	}
	os.Stdout.WriteString("held\n")
	time.Sleep(time.Minute)
}

func TestKilledHolderReleases(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHold$")
	cmd.Env = append(os.Environ(), "LOCKFILE_HELPER_PATH="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := out.Read(buf); err != nil || string(buf[:4]) != "held" {
		cmd.Process.Kill()
		t.Fatalf("helper did not take the lock: %q %v", buf, err)
	}
	if _, err := Acquire(path, "parent"); !errors.Is(err, ErrHeld) {
		cmd.Process.Kill()
		t.Fatalf("lock held by a live child: got %v, want ErrHeld", err)
	}
	cmd.Process.Kill() // SIGKILL: no cleanup runs in the child
	cmd.Wait()
	l, err := Acquire(path, "parent")
	if err != nil {
		t.Fatalf("lock still held after holder was killed: %v", err)
	}
	l.Release()
}

// nobody is the user a root test process drops to, so that a folder's mode
// bits apply to it.
const nobody = 65534

// TestHelperReadOnly is run as a child process by TestReadOnlyFolder: as a
// user who may not write the folder, it tries to take the lock and prints
// what Acquire said.
func TestHelperReadOnly(t *testing.T) {
	path := os.Getenv("LOCKFILE_HELPER_RO")
	if path == "" {
		t.Skip("helper process only")
	}
	if os.Geteuid() == 0 {
		if err := syscall.Setgid(nobody); err != nil {
			fmt.Println("setgid:", err)
			os.Exit(3)
		}
		if err := syscall.Setuid(nobody); err != nil {
			fmt.Println("setuid:", err)
			os.Exit(3)
		}
	}
	l, err := Acquire(path, "helper")
	if err == nil {
		l.Release()
		fmt.Println("acquired")
		os.Exit(0)
	}
	var ro *ReadOnlyError
	fmt.Printf("readonly=%v held=%v %v\n", errors.As(err, &ro), errors.Is(err, ErrHeld), err)
	os.Exit(0)
}

// TestReadOnlyFolder: a lock in a folder the process may not write is
// reported as a read-only folder (or lock file), naming it, and not as a
// lock held by another process. Root writes any folder whatever its mode,
// so the attempt runs in a child process that drops to an ordinary user.
func TestReadOnlyFolder(t *testing.T) {
	base := t.TempDir()
	// The child must be able to reach the folders: open the way to them.
	for d := base; d != filepath.Dir(d) && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ro := filepath.Join(base, "results", "fam", "v")
	stale := filepath.Join(base, "results", "fam", "old")
	for _, d := range []string{ro, stale} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A variant locked once before the folder became read-only keeps its
	// lock file.
	if err := os.WriteFile(filepath.Join(stale, ".lock"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{ro, stale, filepath.Dir(ro)} {
		if err := os.Chmod(d, 0o555); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, d := range []string{ro, stale, filepath.Dir(ro)} {
			os.Chmod(d, 0o755)
		}
	})
	for _, c := range []struct{ lock, want string }{
		{filepath.Join(ro, ".lock"), "folder " + ro + " is read-only: cannot take the lock " + filepath.Join(ro, ".lock") + ": permission denied"},
		{filepath.Join(ro, "analysis", ".lock"), "folder " + ro + " is read-only: cannot take the lock " + filepath.Join(ro, "analysis", ".lock") + ": permission denied"},
		{filepath.Join(filepath.Dir(ro), "new", ".lock"), "folder " + filepath.Dir(ro) + " is read-only: cannot take the lock"},
		{filepath.Join(stale, ".lock"), "lock file " + filepath.Join(stale, ".lock") + " is read-only: cannot take the lock"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperReadOnly$")
		cmd.Env = append(os.Environ(), "LOCKFILE_HELPER_RO="+c.lock)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("helper: %v: %s", err, out)
		}
		got := strings.TrimSpace(string(out))
		if !strings.HasPrefix(got, "readonly=true held=false ") || !strings.Contains(got, c.want) {
			t.Errorf("lock %s:\ngot  %s\nwant readonly=true held=false %s...", c.lock, got, c.want)
		}
	}
}

// TestReadOnlyFileSystem: EROFS, which no mode bit can produce, is a
// read-only folder too.
func TestReadOnlyFileSystem(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, ".lock")
	err := openError(lock, &os.PathError{Op: "open", Path: lock, Err: syscall.EROFS})
	var ro *ReadOnlyError
	if !errors.As(err, &ro) || errors.Is(err, ErrHeld) || !errors.Is(err, syscall.EROFS) ||
		err.Error() != "folder "+dir+" is read-only: cannot take the lock "+lock+": read-only file system" {
		t.Errorf("EROFS: %v", err)
	}
	// Any other failure is passed on as it is.
	err = openError(lock, &os.PathError{Op: "open", Path: lock, Err: syscall.EIO})
	if errors.As(err, &ro) || !errors.Is(err, syscall.EIO) {
		t.Errorf("EIO: %v", err)
	}
}
