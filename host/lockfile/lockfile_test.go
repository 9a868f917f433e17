package lockfile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
