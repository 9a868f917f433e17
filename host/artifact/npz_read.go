package artifact

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// NPZ is an open .npz archive. Only its directory is read on opening; each
// entry is read when asked for. An NPZ is safe for concurrent reads.
type NPZ struct {
	path    string
	zr      *zip.ReadCloser
	names   []string
	entries map[string]*zip.File
}

// OpenNPZ opens an .npz and reads its directory. It returns an error naming
// the file if it is not a zip, or naming the entry if one is not NAME.npy or
// appears twice.
func OpenNPZ(path string) (*NPZ, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable .npz: %w", path, err)
	}
	var size int64
	if st, err := os.Stat(path); err == nil {
		size = st.Size()
	}
	z := &NPZ{path: path, zr: zr, entries: map[string]*zip.File{}}
	for _, f := range zr.File {
		name, ok := strings.CutSuffix(f.Name, ".npy")
		if !ok {
			zr.Close()
			return nil, fmt.Errorf("%s: entry %q is not a .npy array", path, f.Name)
		}
		if _, dup := z.entries[name]; dup {
			zr.Close()
			return nil, fmt.Errorf("%s: entry %q appears twice", path, name)
		}
		if err := checkSizes(f, size); err != nil {
			zr.Close()
			return nil, fmt.Errorf("%s: entry %q: %v", path, name, err)
		}
		z.entries[name] = f
		z.names = append(z.names, name)
	}
	return z, nil
}

// maxDeflateRatio bounds uncompressed/compressed size for a deflated entry:
// deflate cannot expand data more than about 1032 to 1.
const maxDeflateRatio = 1032

// checkSizes refuses an entry whose sizes in the zip directory are
// impossible, so that a forged size cannot make Read allocate without limit
// (Read allocates what the entry's header and size agree on before reading).
func checkSizes(f *zip.File, fileSize int64) error {
	c, u := f.CompressedSize64, f.UncompressedSize64
	if fileSize > 0 && c > uint64(fileSize) {
		return fmt.Errorf("compressed size %d exceeds the %d-byte file", c, fileSize)
	}
	switch f.Method {
	case zip.Store:
		if u != c {
			return fmt.Errorf("stored entry claims %d bytes but holds %d", u, c)
		}
	case zip.Deflate:
		if u > maxDeflateRatio*c+1024 {
			return fmt.Errorf("deflated entry claims %d bytes from %d compressed, more than deflate can expand", u, c)
		}
	default:
		return fmt.Errorf("zip method %d is not supported (only stored and deflated entries are read)", f.Method)
	}
	return nil
}

// Path returns the file's path.
func (z *NPZ) Path() string { return z.path }

// Names returns the entry names (without .npy) in archive order, which is
// numpy's NpzFile.files order.
func (z *NPZ) Names() []string { return append([]string(nil), z.names...) }

// Has reports whether the archive holds entry name.
func (z *NPZ) Has(name string) bool { _, ok := z.entries[name]; return ok }

// Info returns an entry's dtype and shape, reading only its header.
func (z *NPZ) Info(name string) (sdk.DType, []int, error) {
	f, err := z.entry(name)
	if err != nil {
		return "", nil, err
	}
	rc, err := f.Open()
	if err != nil {
		return "", nil, z.errorf(name, "%v", err)
	}
	defer rc.Close()
	info, err := readNPYHeader(bufio.NewReaderSize(rc, 4096))
	if err != nil {
		return "", nil, z.errorf(name, "%v", err)
	}
	return info.dtype, info.shape, nil
}

// Read reads entry name. The entry's size is checked against its header
// before any allocation, and its CRC-32 is verified. Errors name the file and
// entry.
func (z *NPZ) Read(name string) (*sdk.Tensor, error) {
	f, err := z.entry(name)
	if err != nil {
		return nil, err
	}
	rc, err := f.Open()
	if err != nil {
		return nil, z.errorf(name, "%v", err)
	}
	defer rc.Close()
	// bufio makes the small header reads cheap; the data read bypasses the
	// buffer and lands in the tensor directly.
	r := bufio.NewReaderSize(rc, 1<<16)
	t, err := decodeNPY(r, int64(f.UncompressedSize64))
	if err != nil {
		if errors.Is(err, zip.ErrChecksum) {
			return nil, z.errorf(name, "checksum mismatch: the file is corrupt")
		}
		return nil, z.errorf(name, "%v", err)
	}
	// Reading to EOF makes archive/zip check the CRC.
	var one [1]byte
	if n, err := r.Read(one[:]); n != 0 || err != io.EOF {
		if errors.Is(err, zip.ErrChecksum) {
			return nil, z.errorf(name, "checksum mismatch: the file is corrupt")
		}
		return nil, z.errorf(name, "unexpected bytes after the array (%v)", err)
	}
	return t, nil
}

// ReadAll reads every entry.
func (z *NPZ) ReadAll() (map[string]*sdk.Tensor, error) {
	out := make(map[string]*sdk.Tensor, len(z.names))
	for _, n := range z.names {
		t, err := z.Read(n)
		if err != nil {
			return nil, err
		}
		out[n] = t
	}
	return out, nil
}

// Close closes the file.
func (z *NPZ) Close() error { return z.zr.Close() }

func (z *NPZ) entry(name string) (*zip.File, error) {
	f, ok := z.entries[name]
	if !ok {
		return nil, fmt.Errorf("%s: no entry %q (has %s)", z.path, name, strings.Join(z.names, ", "))
	}
	return f, nil
}

func (z *NPZ) errorf(name, format string, args ...any) error {
	return fmt.Errorf("%s: entry %q: %s", z.path, name, fmt.Sprintf(format, args...))
}

// ReadNPZ reads every entry of the .npz at path.
func ReadNPZ(path string) (map[string]*sdk.Tensor, error) {
	z, err := OpenNPZ(path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	return z.ReadAll()
}

// ReadNPZEntry reads one entry of the .npz at path without reading the others.
func ReadNPZEntry(path, name string) (*sdk.Tensor, error) {
	z, err := OpenNPZ(path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	return z.Read(name)
}
