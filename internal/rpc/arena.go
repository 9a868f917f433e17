package rpc

import (
	"fmt"

	"github.com/tdw-workbench/tdw/internal/rpc/shm"
	"github.com/tdw-workbench/tdw/sdk"
)

// SharedArena is host-side memory that analyzer plugins on the same machine
// read in place: a tensor allocated here is passed to a plugin as a
// reference, without a copy. Tensors not in an arena are copied once into
// per-plugin staging memory instead (still far cheaper than streaming).
//
// An arena is a bump allocator over one region under /dev/shm: Reset reuses
// it (e.g. once per checkpoint) and Close removes it. Tensors allocated before
// a Reset or Close must not be used after it. A SharedArena is safe for
// concurrent use.
type SharedArena struct {
	r *shm.Region
}

// NewSharedArena creates an arena of size bytes, reserved in memory at once
// (so running out shows here, not as a SIGBUS later). It returns an error
// where shared memory is unavailable or too small (no writable /dev/shm, or
// less free space than size); callers then allocate with sdk.NewTensor and
// the plugin transport streams.
func NewSharedArena(size int) (*SharedArena, error) {
	r, err := shm.Create(size)
	if err != nil {
		return nil, err
	}
	return &SharedArena{r: r}, nil
}

// NewTensor allocates a tensor in the arena. Its bytes are not zeroed after
// a Reset. It returns an error when the arena lacks room or dtype is
// unknown; it panics if a dimension is negative.
func (a *SharedArena) NewTensor(dtype sdk.DType, shape ...int) (*sdk.Tensor, error) {
	if !dtype.Valid() {
		return nil, fmt.Errorf("unknown dtype %q", dtype)
	}
	n := sdk.NumElements(shape) * dtype.Size()
	b, ok := a.r.Alloc(n)
	if !ok {
		return nil, fmt.Errorf("shared arena of %d bytes has no room for %s%v", a.r.Size(), dtype, shape)
	}
	// The region aligns every allocation to 64 bytes, so TensorFromBytes
	// keeps b itself: the tensor's Bytes stay in the region, where the
	// sending side finds them (shm.Lookup) and sends a reference.
	return sdk.TensorFromBytes(dtype, shape, b)
}

// Copy returns a copy of t allocated in the arena. Sending the copy to
// several plugins costs one copy in all, where a heap tensor is copied into
// each plugin's staging memory. It returns an error when the arena lacks room.
func (a *SharedArena) Copy(t *sdk.Tensor) (*sdk.Tensor, error) {
	c, err := a.NewTensor(t.DType(), t.Shape()...)
	if err != nil {
		return nil, err
	}
	copy(c.Bytes(), t.Bytes())
	return c, nil
}

// Size returns the arena's capacity in bytes.
func (a *SharedArena) Size() int { return a.r.Size() }

// Reset makes the whole arena available again.
func (a *SharedArena) Reset() { a.r.Reset() }

// Close unmaps and removes the arena; plugins unmap it on their next call.
func (a *SharedArena) Close() error { return a.r.Close() }
