// Package atomicfile writes files so that a reader, or a process restarted
// after a crash, sees either the old content or the new one, never a mix.
//
// Content goes to a temporary file in the destination's directory, is synced,
// and is renamed over the destination; the directory is synced so the rename
// survives a power cut. A temporary file that a killed process left behind is
// removed by the next write of the same destination (leftover.go).
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File is a destination being written. Write to it, then Commit or Abort.
// The zero value is not usable; create one with Create.
type File struct {
	*os.File
	dest string
	done bool
}

// Create starts writing dest atomically with the given permissions. Nothing
// is visible at dest until Commit. Temporary files of dest left by processes
// that no longer run are removed first.
func Create(dest string, perm os.FileMode) (*File, error) {
	removeLeftovers(dest)
	f, err := os.CreateTemp(filepath.Dir(dest), tempPattern(dest))
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", dest, err)
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("create %s: %w", dest, err)
	}
	return &File{File: f, dest: dest}, nil
}

// Commit syncs the content and renames it over the destination. After an
// error the destination is unchanged and the temporary file removed.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("commit %s: already finished", f.dest)
	}
	f.done = true
	tmp := f.Name()
	if err := f.Sync(); err != nil {
		f.File.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", f.dest, err)
	}
	if err := f.File.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", f.dest, err)
	}
	if err := os.Rename(tmp, f.dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", f.dest, err)
	}
	return syncDir(filepath.Dir(f.dest))
}

// Abort discards what was written; the destination is unchanged. It is safe
// to call after Commit, where it does nothing, so `defer f.Abort()` is the
// idiom.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.Name())
}

// WriteFile writes data to dest atomically.
func WriteFile(dest string, data []byte, perm os.FileMode) error {
	return WriteWith(dest, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteWith writes dest atomically with the content that write produces. If
// write returns an error, dest is unchanged and the error is returned.
func WriteWith(dest string, perm os.FileMode, write func(w io.Writer) error) error {
	f, err := Create(dest, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := write(f); err != nil {
		return fmt.Errorf("write %s: %w", dest, err)
	}
	return f.Commit()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some filesystems refuse fsync on a directory; the rename is done.
	_ = d.Sync()
	return nil
}
