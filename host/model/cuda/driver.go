package cuda

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/ebitengine/purego"
)

// LibraryEnv names the environment variable that overrides the driver
// library's path (default DefaultLibrary, found by the dynamic loader).
const LibraryEnv = "TDW_CUDA_LIBRARY"

// DefaultLibrary is the driver library's soname, installed with the NVIDIA
// driver.
const DefaultLibrary = "libcuda.so.1"

// fnID indexes the bound driver entry points.
type fnID int

const (
	fInit fnID = iota
	fDriverGetVersion
	fGetErrorName
	fGetErrorString
	fDeviceGetCount
	fDeviceGet
	fDeviceGetName
	fDeviceTotalMem
	fDeviceGetAttribute
	fPrimaryCtxRetain
	fPrimaryCtxRelease
	fCtxSetCurrent
	fCtxSynchronize
	fModuleLoadDataEx
	fModuleGetFunction
	fModuleUnload
	fMemAlloc
	fMemFree
	fMemAllocHost
	fMemFreeHost
	fMemcpyHtoDAsync
	fMemcpyDtoHAsync
	fMemcpyDtoDAsync
	fMemsetD32Async
	fStreamCreate
	fStreamDestroy
	fStreamSynchronize
	fLaunchKernel
	numFuncs
)

// fnNames are the exported symbols bound, by fnID. The versioned names
// (_v2) are the ABI the CUDA 12 and 13 headers both map the plain names to;
// none of these changed signature in CUDA 13.
var fnNames = [numFuncs]string{
	fInit:               "cuInit",
	fDriverGetVersion:   "cuDriverGetVersion",
	fGetErrorName:       "cuGetErrorName",
	fGetErrorString:     "cuGetErrorString",
	fDeviceGetCount:     "cuDeviceGetCount",
	fDeviceGet:          "cuDeviceGet",
	fDeviceGetName:      "cuDeviceGetName",
	fDeviceTotalMem:     "cuDeviceTotalMem_v2",
	fDeviceGetAttribute: "cuDeviceGetAttribute",
	fPrimaryCtxRetain:   "cuDevicePrimaryCtxRetain",
	fPrimaryCtxRelease:  "cuDevicePrimaryCtxRelease_v2",
	fCtxSetCurrent:      "cuCtxSetCurrent",
	fCtxSynchronize:     "cuCtxSynchronize",
	fModuleLoadDataEx:   "cuModuleLoadDataEx",
	fModuleGetFunction:  "cuModuleGetFunction",
	fModuleUnload:       "cuModuleUnload",
	fMemAlloc:           "cuMemAlloc_v2",
	fMemFree:            "cuMemFree_v2",
	fMemAllocHost:       "cuMemAllocHost_v2",
	fMemFreeHost:        "cuMemFreeHost",
	fMemcpyHtoDAsync:    "cuMemcpyHtoDAsync_v2",
	fMemcpyDtoHAsync:    "cuMemcpyDtoHAsync_v2",
	fMemcpyDtoDAsync:    "cuMemcpyDtoDAsync_v2",
	fMemsetD32Async:     "cuMemsetD32Async",
	fStreamCreate:       "cuStreamCreate",
	fStreamDestroy:      "cuStreamDestroy_v2",
	fStreamSynchronize:  "cuStreamSynchronize",
	fLaunchKernel:       "cuLaunchKernel",
}

// driver is a loaded driver library with its entry points.
type driver struct {
	path string
	fn   [numFuncs]uintptr
}

// libraryPath returns $TDW_CUDA_LIBRARY, else DefaultLibrary.
func libraryPath() string {
	if p := strings.TrimSpace(os.Getenv(LibraryEnv)); p != "" {
		return p
	}
	return DefaultLibrary
}

// loadDriver opens the library at path and binds every entry point. The
// error names the library and, for a missing symbol, the symbol.
func loadDriver(path string) (*driver, error) {
	// dlerror is per thread: without the lock the goroutine may read it on
	// another thread than dlopen's and the reason comes back empty.
	runtime.LockOSThread()
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	runtime.UnlockOSThread()
	if err != nil {
		msg := strings.TrimSpace(err.Error())
		if msg == "" {
			msg = "dlopen failed without a reason"
		}
		if !strings.Contains(msg, path) {
			msg = path + ": " + msg
		}
		return nil, fmt.Errorf("%s", msg)
	}
	d := &driver{path: path}
	for i, name := range fnNames {
		sym, err := purego.Dlsym(h, name)
		if err != nil || sym == 0 {
			return nil, fmt.Errorf("%s: no symbol %s (a CUDA 12 or later driver is needed)", path, name)
		}
		d.fn[i] = sym
	}
	return d, nil
}

// call invokes entry point f with integer and pointer arguments and returns
// its CUresult. Pointer arguments are converted to uintptr in the call
// expression itself (unsafe.Pointer rule 4), which uintptrescapes makes
// safe: what they point to lives on the heap for the call.
//
//go:uintptrescapes
func (d *driver) call(f fnID, args ...uintptr) Result {
	r, _, _ := purego.SyscallN(d.fn[f], args...)
	return Result(int32(r))
}

// check turns a CUresult of the named call into an error (nil for success).
func (d *driver) check(what string, r Result) error {
	if r == Success {
		return nil
	}
	return &Error{Call: what, Code: r, Name: d.errorName(r), Msg: d.errorString(r)}
}
