// Package lockfile gives one process at a time exclusive use of a directory,
// such as a variant being trained or analyzed.
//
// The lock is an flock(2) on a file: the kernel drops it when the holder
// exits, however it exits (kill -9 included), so a dead process never holds a
// variant forever. The file also records who holds it (process, host and
// Slurm job), for the refusal message a second process prints.
//
// On a shared filesystem the lock is only as good as the filesystem's flock:
// NFS emulates it with POSIX locks (node-local under nolock or local_lock),
// Lustre keeps it node-local under localflock (docs/sweeps.md).
package lockfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Holder describes the process that holds a lock.
type Holder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
	// Host is the holder's host name; a PID means nothing on another host.
	Host string `json:"host,omitempty"`
	// SlurmJob is the holder's Slurm job ("JOB" or "ARRAYJOB_TASK") when it
	// runs under Slurm, so that a holder on another node can be looked up.
	SlurmJob string `json:"slurm_job,omitempty"`
}

// ErrHeld is wrapped by the error Acquire returns when another process holds
// the lock.
var ErrHeld = errors.New("locked by another process")

// ReadOnlyError is the error Acquire returns when the lock file cannot be
// created or opened for writing because its folder (or the file itself, or
// the file system) is read-only: a state of the folder to report as such,
// not a lock held by another process.
type ReadOnlyError struct {
	// What names what is read-only: "folder DIR" or "lock file FILE".
	What string
	// Lock is the lock file's path.
	Lock string
	// Err is the system's error (EROFS, EACCES or EPERM).
	Err error
}

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("%s is read-only: cannot take the lock %s: %v", e.What, e.Lock, e.Err)
}

// Unwrap returns the system's error.
func (e *ReadOnlyError) Unwrap() error { return e.Err }

// Lock is a held lock. Release it with Release.
type Lock struct {
	f    *os.File
	path string
}

// Acquire takes the lock file at path without waiting, creating it if needed.
// what says what the caller is doing (e.g. "tdw-host analyze") and is shown to
// a process that is refused. If another live process holds the lock, the
// returned error wraps ErrHeld and names the holder; if the folder or the
// file is read-only, it is a *ReadOnlyError.
func Acquire(path, what string) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, openError(path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, openError(path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w (%s)", path, ErrHeld, describe(path))
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The holder record is advisory text; the flock is the lock.
	h := Holder{PID: os.Getpid(), Command: what, Since: time.Now().UTC().Truncate(time.Second), Host: hostname(), SlurmJob: slurmJob()}
	b, _ := json.Marshal(h)
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(append(b, '\n'), 0)
	}
	return &Lock{f: f, path: path}, nil
}

// openError says why the lock file at path could not be created or opened:
// a *ReadOnlyError naming the folder or file that refused the write, or err
// as it is.
func openError(path string, err error) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) || (errno != syscall.EROFS && errno != syscall.EACCES && errno != syscall.EPERM) {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	// The file that failed (the lock file, or a folder MkdirAll created) if
	// it exists is what refused the write; otherwise the folder it was to be
	// created in.
	failed := path
	var pe *os.PathError
	if errors.As(err, &pe) {
		failed = pe.Path
	}
	what := "folder " + filepath.Dir(failed)
	if fi, serr := os.Stat(failed); serr == nil {
		what = "lock file " + failed
		if fi.IsDir() {
			what = "folder " + failed
		}
	}
	return &ReadOnlyError{What: what, Lock: path, Err: errno}
}

// describe reads the holder record for an error message.
func describe(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "holder unknown"
	}
	var h Holder
	if json.Unmarshal(b, &h) != nil || h.PID == 0 {
		return "holder unknown"
	}
	return h.String()
}

// Release drops the lock. The file stays, so that a concurrent Acquire never
// races an unlink; it holds no lock once released. Release is idempotent.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := l.f.Close() // closing the descriptor drops the flock
	l.f = nil
	return err
}

// Path returns the lock file's path.
func (l *Lock) Path() string { return l.path }
