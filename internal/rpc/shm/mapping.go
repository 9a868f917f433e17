package shm

import (
	"fmt"
	"os"
	"syscall"
)

// Mapping is a plugin-side, read-only view of a host region.
type Mapping struct {
	data []byte
}

// Attach maps the region file at path read-only. It returns an error naming
// the path if the file cannot be opened or is smaller than size.
func Attach(path string, size int64) (*Mapping, error) {
	if size <= 0 || int64(int(size)) != size {
		return nil, fmt.Errorf("shm: region %s has invalid size %d", path, size)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("shm: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("shm: %w", err)
	}
	if st.Size() < size {
		return nil, fmt.Errorf("shm: region %s holds %d bytes, host said %d", path, st.Size(), size)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("shm: map %s: %w", path, err)
	}
	return &Mapping{data: data}, nil
}

// Slice returns n bytes at off, or an error if they fall outside the mapping.
func (m *Mapping) Slice(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off > int64(len(m.data)) || n > int64(len(m.data))-off {
		return nil, fmt.Errorf("shm: bytes [%d, %d+%d) outside a %d-byte region", off, off, n, len(m.data))
	}
	return m.data[off : off+n : off+n], nil
}

// Close unmaps the region. Slices returned before must not be used afterwards.
func (m *Mapping) Close() error {
	if m.data == nil {
		return nil
	}
	err := syscall.Munmap(m.data)
	m.data = nil
	return err
}
