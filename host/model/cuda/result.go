package cuda

import (
	"fmt"
	"unsafe"
)

// Result is a CUresult, the status every driver call returns.
type Result int32

// The CUresults the package tells apart.
const (
	Success  Result = 0
	NoDevice Result = 100
)

// Error is a failed driver call: the entry point, its CUresult, and the
// driver's name and description of it.
type Error struct {
	Call string
	Code Result
	Name string // e.g. CUDA_ERROR_NO_DEVICE
	Msg  string // e.g. no CUDA-capable device is detected
}

func (e *Error) Error() string {
	switch {
	case e.Name != "" && e.Msg != "":
		return fmt.Sprintf("%s: %s (%d): %s", e.Call, e.Name, int(e.Code), e.Msg)
	case e.Name != "":
		return fmt.Sprintf("%s: %s (%d)", e.Call, e.Name, int(e.Code))
	}
	return fmt.Sprintf("%s: CUresult %d", e.Call, int(e.Code))
}

// errorName asks the driver for r's name ("" when it does not know it).
func (d *driver) errorName(r Result) string {
	var p *byte
	if d.call(fGetErrorName, uintptr(r), uintptr(unsafe.Pointer(&p))) != Success {
		return ""
	}
	return cString(p)
}

// errorString asks the driver for r's description ("" when unknown).
func (d *driver) errorString(r Result) string {
	var p *byte
	if d.call(fGetErrorString, uintptr(r), uintptr(unsafe.Pointer(&p))) != Success {
		return ""
	}
	return cString(p)
}

// cString copies a NUL-terminated C string owned by the driver.
func cString(p *byte) string {
	if p == nil {
		return ""
	}
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	return string(unsafe.Slice(p, n))
}
