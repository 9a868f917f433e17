package cuda

import (
	"fmt"
	"unsafe"
)

// streamNonBlocking is CU_STREAM_NON_BLOCKING: the stream does not wait for
// the legacy default stream.
const streamNonBlocking = 1

// Stream is an ordered queue of copies and kernel launches on a device,
// with the page-locked block where launches pack their arguments. A Stream
// is not safe for concurrent use.
type Stream struct {
	dev  *Device
	h    uintptr
	args argBlock
	mem  unsafe.Pointer
}

// NewStream creates a stream on d (bound by the caller).
func (d *Device) NewStream() (*Stream, error) {
	s := &Stream{dev: d}
	if err := d.drv.check("cuStreamCreate", d.drv.call(fStreamCreate, uintptr(unsafe.Pointer(&s.h)), streamNonBlocking)); err != nil {
		return nil, err
	}
	mem, err := d.AllocHost(2 * maxParams * 8)
	if err != nil {
		d.drv.call(fStreamDestroy, s.h)
		return nil, err
	}
	s.mem = mem
	s.args = newArgBlock(unsafe.Slice((*uint64)(mem), maxParams), unsafe.Slice((*uintptr)(unsafe.Add(mem, maxParams*8)), maxParams))
	return s, nil
}

// Close waits for the stream's work and destroys it.
func (s *Stream) Close() error {
	err := s.Sync()
	if e := s.dev.drv.check("cuStreamDestroy", s.dev.drv.call(fStreamDestroy, s.h)); err == nil {
		err = e
	}
	if e := s.dev.FreeHost(s.mem); err == nil {
		err = e
	}
	return err
}

// Sync waits for every operation queued on s.
func (s *Stream) Sync() error {
	return s.dev.drv.check("cuStreamSynchronize", s.dev.drv.call(fStreamSynchronize, s.h))
}

// CopyIn queues a copy of src to device memory at dst. src may be reused
// when CopyIn returns: the driver stages pageable memory before returning.
func CopyIn[T any](s *Stream, dst Ptr, src []T) error {
	if len(src) == 0 {
		return nil
	}
	n := len(src) * int(unsafe.Sizeof(src[0]))
	return s.dev.drv.check("cuMemcpyHtoDAsync", s.dev.drv.call(fMemcpyHtoDAsync, uintptr(dst), uintptr(unsafe.Pointer(&src[0])), uintptr(n), s.h))
}

// CopyOut copies device memory at src into dst after the work queued on s
// before it; into pageable memory it returns when the copy is done, into
// page-locked memory (AllocHost) after a Sync.
func CopyOut[T any](s *Stream, dst []T, src Ptr) error {
	if len(dst) == 0 {
		return nil
	}
	n := len(dst) * int(unsafe.Sizeof(dst[0]))
	return s.dev.drv.check("cuMemcpyDtoHAsync", s.dev.drv.call(fMemcpyDtoHAsync, uintptr(unsafe.Pointer(&dst[0])), uintptr(src), uintptr(n), s.h))
}

// CopyDevice queues a copy of bytes from src to dst on the device.
func (s *Stream) CopyDevice(dst, src Ptr, bytes int) error {
	if bytes == 0 {
		return nil
	}
	return s.dev.drv.check("cuMemcpyDtoDAsync", s.dev.drv.call(fMemcpyDtoDAsync, uintptr(dst), uintptr(src), uintptr(bytes), s.h))
}

// Fill32 queues setting n 32-bit words at dst to v (0 for zero floats).
func (s *Stream) Fill32(dst Ptr, v uint32, n int) error {
	if n == 0 {
		return nil
	}
	return s.dev.drv.check("cuMemsetD32Async", s.dev.drv.call(fMemsetD32Async, uintptr(dst), uintptr(v), uintptr(n), s.h))
}

// Dim3 is a grid or block shape.
type Dim3 struct{ X, Y, Z int }

// Launch queues kernel k on grid × block threads with args, which must
// match k's parameters in number and type (Ptr for a pointer, int for an
// int, float32 for a float): a mismatch is an error naming the kernel and
// the argument, before anything reaches the driver.
func (s *Stream) Launch(k *Kernel, grid, block Dim3, args ...any) error {
	if err := s.args.pack(k, args); err != nil {
		return err
	}
	f := s.dev.fns[k.id]
	if f == 0 {
		return fmt.Errorf("cuda: kernel %s is not loaded", k.Name)
	}
	r := s.dev.drv.call(fLaunchKernel, f,
		uintptr(grid.X), uintptr(max(grid.Y, 1)), uintptr(max(grid.Z, 1)),
		uintptr(block.X), uintptr(max(block.Y, 1)), uintptr(max(block.Z, 1)),
		0, s.h, s.args.params(), 0)
	if err := s.dev.drv.check("cuLaunchKernel", r); err != nil {
		return fmt.Errorf("%s: %w (grid %v, block %v)", k.Name, err, grid, block)
	}
	return nil
}
