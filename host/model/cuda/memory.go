package cuda

import (
	"fmt"
	"unsafe"
)

// Ptr is a device address (CUdeviceptr); 0 is the null pointer kernels
// read as "absent".
type Ptr uint64

// Add returns p advanced by bytes.
func (p Ptr) Add(bytes int) Ptr { return p + Ptr(bytes) }

// Alloc allocates bytes (> 0) of device memory.
func (d *Device) Alloc(bytes int) (Ptr, error) {
	if bytes <= 0 {
		return 0, fmt.Errorf("cuda: allocate %d bytes", bytes)
	}
	var p Ptr
	if err := d.drv.check("cuMemAlloc", d.drv.call(fMemAlloc, uintptr(unsafe.Pointer(&p)), uintptr(bytes))); err != nil {
		return 0, fmt.Errorf("%w (%d bytes)", err, bytes)
	}
	return p, nil
}

// Free releases device memory from Alloc (0 is a no-op).
func (d *Device) Free(p Ptr) error {
	if p == 0 {
		return nil
	}
	return d.drv.check("cuMemFree", d.drv.call(fMemFree, uintptr(p)))
}

// AllocHost allocates bytes (> 0) of page-locked host memory, which the
// device copies to and from at full speed and which Go's collector neither
// moves nor frees.
func (d *Device) AllocHost(bytes int) (unsafe.Pointer, error) {
	if bytes <= 0 {
		return nil, fmt.Errorf("cuda: allocate %d host bytes", bytes)
	}
	var p unsafe.Pointer
	if err := d.drv.check("cuMemAllocHost", d.drv.call(fMemAllocHost, uintptr(unsafe.Pointer(&p)), uintptr(bytes))); err != nil {
		return nil, fmt.Errorf("%w (%d bytes)", err, bytes)
	}
	return p, nil
}

// FreeHost releases memory from AllocHost (nil is a no-op).
func (d *Device) FreeHost(p unsafe.Pointer) error {
	if p == nil {
		return nil
	}
	return d.drv.check("cuMemFreeHost", d.drv.call(fMemFreeHost, uintptr(p)))
}
