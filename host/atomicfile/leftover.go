package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A write killed before Commit or Abort leaves its temporary file behind.
// Temporary files are named .NAME.tmp-PID-RANDOM after the writing process,
// so that the next write of NAME can tell a leftover (its process is gone)
// from a write in progress (in this process or another) and remove it.

// started is when this process started, near enough: a temporary file
// without a PID in its name that is older than it is no write in progress
// here.
var started = time.Now()

// tempPrefix is the name prefix of dest's temporary files.
func tempPrefix(dest string) string { return "." + filepath.Base(dest) + ".tmp-" }

// tempPattern is the os.CreateTemp pattern of this process's temporary
// files for dest.
func tempPattern(dest string) string { return tempPrefix(dest) + strconv.Itoa(os.Getpid()) + "-*" }

// removeLeftovers removes the temporary files of dest that writes killed
// before they finished left behind: those named after a process that no
// longer runs, and those named without a process (by tdw before names
// carried one) last changed before this process started. Failures are
// ignored: a leftover costs disk space, never correctness.
func removeLeftovers(dest string) {
	dir, prefix := filepath.Dir(dest), tempPrefix(dest)
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	for _, n := range names {
		if rest, ok := strings.CutPrefix(n, prefix); ok && leftover(filepath.Join(dir, n), rest) {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// leftover reports whether the temporary file at path, whose name ends in
// rest after ".NAME.tmp-", belongs to no write in progress.
func leftover(path, rest string) bool {
	pidText, _, named := strings.Cut(rest, "-")
	if !named {
		fi, err := os.Lstat(path)
		return err == nil && fi.Mode().IsRegular() && fi.ModTime().Before(started)
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return false // not a name this package makes
	}
	return pid != os.Getpid() && !running(pid)
}

// running reports whether a process with this ID exists on this machine.
func running(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
