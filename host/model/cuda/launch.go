package cuda

import (
	"fmt"
	"math"
	"unsafe"
)

// maxParams bounds a kernel's parameter count.
const maxParams = 16

// ArgKind is the type of one kernel parameter as its PTX declares it.
type ArgKind uint8

// The parameter types the kernels use.
const (
	ArgPtr     ArgKind = iota + 1 // a device pointer (Ptr): .u64
	ArgInt                        // an int (Go int, range-checked): .u32
	ArgFloat32                    // a float (float32): .f32
)

// PTXType returns the PTX parameter type nvcc declares for the kind.
func (k ArgKind) PTXType() string {
	switch k {
	case ArgPtr:
		return ".u64"
	case ArgInt:
		return ".u32"
	case ArgFloat32:
		return ".f32"
	}
	return "?"
}

func (k ArgKind) String() string {
	switch k {
	case ArgPtr:
		return "pointer"
	case ArgInt:
		return "int"
	case ArgFloat32:
		return "float32"
	}
	return fmt.Sprintf("ArgKind(%d)", uint8(k))
}

// argBlock is where one launch's arguments are packed, as cuLaunchKernel's
// kernelParams wants them: ptrs[i] is the address of slot vals[i], which
// holds argument i in its low bytes (the driver reads as many bytes as the
// parameter's size; the machine is little-endian). The block lives in
// page-locked host memory, so the pointers to it that the driver follows
// are never Go pointers.
type argBlock struct {
	vals []uint64
	ptrs []uintptr
}

// newArgBlock points ptrs at vals, which must not move (page-locked or
// heap memory, never a goroutine stack).
func newArgBlock(vals []uint64, ptrs []uintptr) argBlock {
	for i := range ptrs {
		ptrs[i] = uintptr(unsafe.Pointer(&vals[i]))
	}
	return argBlock{vals: vals, ptrs: ptrs}
}

// params returns the kernelParams pointer.
func (a argBlock) params() uintptr { return uintptr(unsafe.Pointer(&a.ptrs[0])) }

// pack writes args into the slots after checking them against k's
// parameters.
func (a argBlock) pack(k *Kernel, args []any) error {
	if len(args) != len(k.Params) {
		return fmt.Errorf("cuda: kernel %s takes %d arguments, got %d", k.Name, len(k.Params), len(args))
	}
	for i, arg := range args {
		want := k.Params[i]
		var v uint64
		switch x := arg.(type) {
		case Ptr:
			if want != ArgPtr {
				return argError(k, i, arg)
			}
			v = uint64(x)
		case int:
			if want != ArgInt {
				return argError(k, i, arg)
			}
			if x < math.MinInt32 || x > math.MaxInt32 {
				return fmt.Errorf("cuda: kernel %s argument %d: %d does not fit a 32-bit int", k.Name, i, x)
			}
			v = uint64(uint32(int32(x)))
		case float32:
			if want != ArgFloat32 {
				return argError(k, i, arg)
			}
			v = uint64(math.Float32bits(x))
		default:
			return argError(k, i, arg)
		}
		a.vals[i] = v
	}
	return nil
}

func argError(k *Kernel, i int, arg any) error {
	return fmt.Errorf("cuda: kernel %s argument %d is %T, want %s", k.Name, i, arg, k.Params[i])
}
