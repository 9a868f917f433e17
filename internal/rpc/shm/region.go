package shm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Dir is where regions are created. It is a variable so tests can point it
// at a directory that does not exist to exercise the fallback.
var Dir = "/dev/shm"

// align is the byte alignment of every allocation inside a region, enough for
// any element type and for vectorized loads.
const align = 64

// Region is a host-side shared-memory region: a tmpfs file mapped read-write,
// with a bump allocator. A Region is safe for concurrent use.
type Region struct {
	id   uint64
	path string
	data []byte

	mu     sync.Mutex
	used   int
	closed bool
}

var (
	nextID   atomic.Uint64
	registry sync.Map // id -> *Region
	sweep    sync.Once
)

// Create makes a region of size bytes. It returns an error if Dir is missing
// or not writable, or mapping fails.
func Create(size int) (*Region, error) {
	if size <= 0 {
		return nil, fmt.Errorf("shm: region size %d must be positive", size)
	}
	sweep.Do(sweepStale)
	id := nextID.Add(1)
	path := filepath.Join(Dir, fmt.Sprintf("tdw-%d-%d", os.Getpid(), id))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("shm: %w", err)
	}
	defer f.Close()
	// Reserve the pages now: a sparse tmpfs file maps fine but writing past
	// the filesystem's free space (64 MiB in a default Docker container)
	// raises SIGBUS. Failing here lets callers fall back to streaming.
	if err := syscall.Fallocate(int(f.Fd()), 0, 0, int64(size)); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("shm: reserve %d bytes in %s: %w", size, path, err)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("shm: map %s: %w", path, err)
	}
	r := &Region{id: id, path: path, data: data}
	registry.Store(id, r)
	return r, nil
}

// ID returns the region's process-unique id.
func (r *Region) ID() uint64 { return r.id }

// Path returns the region's file.
func (r *Region) Path() string { return r.path }

// Size returns the region's capacity in bytes.
func (r *Region) Size() int { return len(r.data) }

// Alloc returns n bytes of the region, 64-byte aligned,
// or false when the region lacks room. The bytes hold whatever the last user
// left there.
func (r *Region) Alloc(n int) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || n < 0 {
		return nil, false
	}
	start := (r.used + align - 1) &^ (align - 1)
	if start+n > len(r.data) {
		return nil, false
	}
	r.used = start + n
	return r.data[start : start+n : start+n], true
}

// Reset makes the whole region available again. Bytes handed out before are
// overwritten by later allocations.
func (r *Region) Reset() {
	r.mu.Lock()
	r.used = 0
	r.mu.Unlock()
}

// Close unmaps and deletes the region. Slices handed out by Alloc must not be
// used afterwards. Close is idempotent.
func (r *Region) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	registry.Delete(r.id)
	err := syscall.Munmap(r.data)
	if rerr := os.Remove(r.path); err == nil && rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = rerr
	}
	r.data = nil
	return err
}

// Unlink removes the region's file while keeping the mapping: processes
// that have mapped it keep their view, none can attach anymore, and the
// memory goes back to the system when the last mapping goes, even if every
// process is killed. It is for regions a single plugin maps.
func (r *Region) Unlink() error {
	if err := os.Remove(r.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Live reports whether the region with the given id is still open.
func Live(id uint64) bool {
	_, ok := registry.Load(id)
	return ok
}

// Lookup finds the open region whose mapping holds all of b and returns it with
// b's offset inside it.
func Lookup(b []byte) (*Region, int64, bool) {
	if len(b) == 0 {
		return nil, 0, false
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	var (
		found *Region
		off   int64
	)
	registry.Range(func(_, v any) bool {
		r := v.(*Region)
		if len(r.data) == 0 {
			return true
		}
		base := uintptr(unsafe.Pointer(unsafe.SliceData(r.data)))
		if p >= base && p+uintptr(len(b)) <= base+uintptr(len(r.data)) {
			found, off = r, int64(p-base)
			return false
		}
		return true
	})
	return found, off, found != nil
}

// sweepStale removes regions left behind by tdw processes that died without
// closing them (a SIGKILLed host cannot clean up).
func sweepStale() {
	names, _ := filepath.Glob(filepath.Join(Dir, "tdw-*-*"))
	for _, name := range names {
		parts := strings.Split(filepath.Base(name), "-")
		if len(parts) != 3 {
			continue
		}
		pid, err := strconv.Atoi(parts[1])
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.Remove(name)
		}
	}
}
