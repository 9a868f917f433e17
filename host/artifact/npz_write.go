package artifact

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/sdk"
)

// WriteOptions tune how an .npz is written.
type WriteOptions struct {
	// Compress deflates each entry (at flate.BestSpeed) as
	// numpy.savez_compressed does; the default stores entries as
	// numpy.savez does, which is several times faster to write and read.
	Compress bool
}

// zipTime is the modification time of every entry, fixed so that the same
// arrays always give the same bytes.
var zipTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// NPZWriter writes an .npz one entry at a time, so a large cache never needs
// to be in memory at once. Nothing is visible at the destination until Close
// succeeds. An NPZWriter is not safe for concurrent use.
type NPZWriter struct {
	path  string
	opt   WriteOptions
	file  *atomicfile.File
	zw    *zip.Writer
	names map[string]bool
	open  *entryWriter // the entry Begin returned, if not yet finished
	err   error        // first error; the writer is unusable after it
}

// CreateNPZ starts writing an .npz at path.
func CreateNPZ(path string, opt WriteOptions) (*NPZWriter, error) {
	f, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return nil, err
	}
	zw := zip.NewWriter(f)
	if opt.Compress {
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.BestSpeed)
		})
	}
	return &NPZWriter{path: path, opt: opt, file: f, zw: zw, names: map[string]bool{}}, nil
}

// Add writes t as entry name (name.npy in the archive; numpy.load(path)[name]
// reads it back). It returns an error naming the file and entry for an
// invalid or repeated name or a dtype numpy lacks.
func (w *NPZWriter) Add(name string, t *sdk.Tensor) error {
	if t == nil {
		return w.fail(fmt.Errorf("%s: entry %q: nil tensor", w.path, name))
	}
	ew, err := w.Begin(name, t.DType(), t.Shape())
	if err != nil {
		return err
	}
	if _, err := ew.Write(t.Bytes()); err != nil {
		return err
	}
	return w.finishEntry()
}

// Begin starts entry name of the given dtype and shape and returns a writer
// for its element bytes (little-endian, C order), which may come in any number
// of writes. Exactly len(shape)·dtype.Size() bytes must be written before the
// next Begin, Add or Close, which check the count.
func (w *NPZWriter) Begin(name string, dtype sdk.DType, shape []int) (io.Writer, error) {
	if w.err != nil {
		return nil, w.err
	}
	if err := w.finishEntry(); err != nil {
		return nil, err
	}
	if err := checkEntryName(name); err != nil {
		return nil, w.fail(fmt.Errorf("%s: entry %q: %v", w.path, name, err))
	}
	if w.names[name] {
		return nil, w.fail(fmt.Errorf("%s: entry %q written twice", w.path, name))
	}
	h, err := npyHeader(dtype, shape)
	if err != nil {
		return nil, w.fail(fmt.Errorf("%s: entry %q: %v", w.path, name, err))
	}
	method := zip.Store
	if w.opt.Compress {
		method = zip.Deflate
	}
	zf, err := w.zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: method, Modified: zipTime})
	if err != nil {
		return nil, w.fail(fmt.Errorf("%s: entry %q: %v", w.path, name, err))
	}
	if _, err := zf.Write(h); err != nil {
		return nil, w.fail(fmt.Errorf("%s: entry %q: %v", w.path, name, err))
	}
	w.names[name] = true
	w.open = &entryWriter{w: w, name: name, zf: zf, want: int64(sdk.NumElements(shape) * dtype.Size())}
	return w.open, nil
}

// finishEntry checks that the open entry, if any, got all its bytes.
func (w *NPZWriter) finishEntry() error {
	e := w.open
	if e == nil {
		return w.err
	}
	w.open = nil
	if w.err != nil {
		return w.err
	}
	if e.got != e.want {
		return w.fail(fmt.Errorf("%s: entry %q: %d of %d data bytes written", w.path, e.name, e.got, e.want))
	}
	return w.err
}

func (w *NPZWriter) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

// Close finishes the archive and renames it into place. After any earlier
// error it discards the file and returns that error.
func (w *NPZWriter) Close() error {
	if err := w.finishEntry(); err != nil {
		w.file.Abort()
		return err
	}
	if err := w.zw.Close(); err != nil {
		w.file.Abort()
		return w.fail(fmt.Errorf("%s: %v", w.path, err))
	}
	if err := w.file.Commit(); err != nil {
		return w.fail(err)
	}
	w.err = fmt.Errorf("%s: writer already closed", w.path)
	return nil
}

// Abort discards the file being written. It is safe after Close, so
// `defer w.Abort()` is the idiom.
func (w *NPZWriter) Abort() {
	w.file.Abort()
	if w.err == nil {
		w.err = fmt.Errorf("%s: writer aborted", w.path)
	}
}

// entryWriter counts the bytes of one entry and refuses too many.
type entryWriter struct {
	w         *NPZWriter
	name      string
	zf        io.Writer
	got, want int64
}

func (e *entryWriter) Write(p []byte) (int, error) {
	if e.w.open != e {
		return 0, fmt.Errorf("%s: entry %q is finished", e.w.path, e.name)
	}
	if e.got+int64(len(p)) > e.want {
		return 0, e.w.fail(fmt.Errorf("%s: entry %q: more than its %d data bytes written", e.w.path, e.name, e.want))
	}
	n, err := e.zf.Write(p)
	e.got += int64(n)
	if err != nil {
		return n, e.w.fail(fmt.Errorf("%s: entry %q: %v", e.w.path, e.name, err))
	}
	return n, nil
}

// checkEntryName refuses names that could not round-trip through numpy or
// that would escape a directory if someone unzipped the archive.
func checkEntryName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty name")
	case strings.HasPrefix(name, "/") || strings.Contains(name, "\\"):
		return fmt.Errorf("name must be a relative path with '/' separators")
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("name contains a NUL byte")
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." || part == "." || part == "" {
			return fmt.Errorf("name has an empty, '.' or '..' path element")
		}
	}
	return nil
}

// WriteNPZ writes arrays to path as an .npz, atomically, entries in name
// order.
func WriteNPZ(path string, arrays map[string]*sdk.Tensor, opt WriteOptions) error {
	names := make([]string, 0, len(arrays))
	for k := range arrays {
		names = append(names, k)
	}
	sort.Strings(names)
	w, err := CreateNPZ(path, opt)
	if err != nil {
		return err
	}
	defer w.Abort()
	for _, name := range names {
		if err := w.Add(name, arrays[name]); err != nil {
			return err
		}
	}
	return w.Close()
}
