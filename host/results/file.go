package results

import (
	"sort"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/sdk"
)

// File is one open artifact (.npz). Only its directory is read on opening;
// each entry when asked for. It is safe for concurrent reads.
type File struct {
	z *artifact.NPZ
}

// Path returns the file's path.
func (f *File) Path() string { return f.z.Path() }

// Names returns the names of the arrays the file holds, sorted.
func (f *File) Names() []string {
	names := f.z.Names()
	sort.Strings(names)
	return names
}

// Info returns an array's dtype and shape, reading only its header.
func (f *File) Info(name string) (sdk.DType, []int, error) {
	if !f.z.Has(name) {
		return "", nil, f.missing(name)
	}
	return f.z.Info(name)
}

// Read reads one array. One the file does not hold is an ErrNotFound error
// naming the arrays it holds.
func (f *File) Read(name string) (*sdk.Tensor, error) {
	if !f.z.Has(name) {
		return nil, f.missing(name)
	}
	return f.z.Read(name)
}

// ReadFields reads the named arrays, or every array when none are named.
func (f *File) ReadFields(fields ...string) (map[string]*sdk.Tensor, error) {
	if len(fields) == 0 {
		return f.z.ReadAll()
	}
	out := make(map[string]*sdk.Tensor, len(fields))
	for _, n := range fields {
		t, err := f.Read(n)
		if err != nil {
			return nil, err
		}
		out[n] = t
	}
	return out, nil
}

// Close closes the file.
func (f *File) Close() error { return f.z.Close() }

func (f *File) missing(name string) error {
	return notFound("%s holds no array %q (it holds %v)", f.Path(), name, f.Names())
}
