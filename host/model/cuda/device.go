package cuda

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// Device attributes read at open (CUdevice_attribute values).
const (
	attrMultiprocessorCount = 16
	attrComputeMajor        = 75
	attrComputeMinor        = 76
)

// DeviceInfo describes one CUDA device.
type DeviceInfo struct {
	Ordinal      int
	Name         string
	Major, Minor int    // compute capability
	SMs          int    // multiprocessors
	Memory       uint64 // bytes
}

// Arch returns the device's architecture name, e.g. "sm90".
func (i DeviceInfo) Arch() string { return fmt.Sprintf("sm%d%d", i.Major, i.Minor) }

func (i DeviceInfo) String() string {
	return fmt.Sprintf("%d %s (%s, %d SMs, %.1f GiB)", i.Ordinal, i.Name, i.Arch(), i.SMs, float64(i.Memory)/(1<<30))
}

// Probe is what the driver reports: its library, version and devices.
type Probe struct {
	Library       string
	DriverVersion int // CUDA version the driver supports, e.g. 13000 for 13.0
	Devices       []DeviceInfo
}

// DriverString formats DriverVersion as "13.0".
func (p *Probe) DriverString() string {
	return fmt.Sprintf("%d.%d", p.DriverVersion/1000, p.DriverVersion%1000/10)
}

var probe struct {
	once sync.Once
	drv  *driver
	p    *Probe
	err  error
}

// Detect loads the driver library ($TDW_CUDA_LIBRARY or libcuda.so.1)
// once per process, initializes it and lists the devices. The error is one
// line naming the library or the failed call and the driver's answer, e.g.
// "libcuda.so.1: cannot open shared object file: No such file or directory"
// or "cuInit: CUDA_ERROR_NO_DEVICE (100): no CUDA-capable device is
// detected"; the Probe is non-nil whenever the library loaded.
func Detect() (*Probe, error) {
	probe.once.Do(func() { probe.drv, probe.p, probe.err = detect(libraryPath()) })
	return probe.p, probe.err
}

// detect is Detect for the library at path, uncached.
func detect(path string) (*driver, *Probe, error) {
	d, err := loadDriver(path)
	if err != nil {
		return nil, nil, err
	}
	p := &Probe{Library: path}
	var v int32
	if err := d.check("cuDriverGetVersion", d.call(fDriverGetVersion, uintptr(unsafe.Pointer(&v)))); err != nil {
		return d, p, err
	}
	p.DriverVersion = int(v)
	if err := d.check("cuInit", d.call(fInit, 0)); err != nil {
		return d, p, err
	}
	var n int32
	if err := d.check("cuDeviceGetCount", d.call(fDeviceGetCount, uintptr(unsafe.Pointer(&n)))); err != nil {
		return d, p, err
	}
	if n == 0 {
		return d, p, fmt.Errorf("%s: the driver lists no CUDA device", path)
	}
	for i := 0; i < int(n); i++ {
		info, err := d.deviceInfo(i)
		if err != nil {
			return d, p, err
		}
		p.Devices = append(p.Devices, info)
	}
	return d, p, nil
}

// deviceInfo reads the name, compute capability, SM count and memory of
// device ordinal i.
func (d *driver) deviceInfo(i int) (DeviceInfo, error) {
	var dev int32
	if err := d.check("cuDeviceGet", d.call(fDeviceGet, uintptr(unsafe.Pointer(&dev)), uintptr(i))); err != nil {
		return DeviceInfo{}, err
	}
	name := make([]byte, 256)
	if err := d.check("cuDeviceGetName", d.call(fDeviceGetName, uintptr(unsafe.Pointer(&name[0])), uintptr(len(name)), uintptr(dev))); err != nil {
		return DeviceInfo{}, err
	}
	if k := bytes.IndexByte(name, 0); k >= 0 {
		name = name[:k]
	}
	info := DeviceInfo{Ordinal: i, Name: string(name)}
	for _, a := range []struct {
		attr int
		dst  *int
	}{{attrComputeMajor, &info.Major}, {attrComputeMinor, &info.Minor}, {attrMultiprocessorCount, &info.SMs}} {
		var v int32
		if err := d.check("cuDeviceGetAttribute", d.call(fDeviceGetAttribute, uintptr(unsafe.Pointer(&v)), uintptr(a.attr), uintptr(dev))); err != nil {
			return DeviceInfo{}, err
		}
		*a.dst = int(v)
	}
	var mem uint64
	if err := d.check("cuDeviceTotalMem", d.call(fDeviceTotalMem, uintptr(unsafe.Pointer(&mem)), uintptr(dev))); err != nil {
		return DeviceInfo{}, err
	}
	info.Memory = mem
	return info, nil
}

// Device is an open CUDA device: its primary context with the engine's
// kernels loaded. It stays open for the life of the process and is safe for
// concurrent use; each goroutine binds it around its calls.
type Device struct {
	DeviceInfo
	drv  *driver
	dev  int32
	ctx  uintptr
	mods []uintptr
	fns  []uintptr // by Kernel.id
}

var opened struct {
	sync.Mutex
	devs map[int]*Device
	errs map[int]error
}

// Open returns device ordinal, opening it the first time: it retains the
// device's primary context and loads the embedded PTX (JIT-compiled by the
// driver). Errors are those of Detect, an ordinal out of range, or a failed
// call naming the driver's answer (a PTX the driver cannot compile includes
// the JIT log).
func Open(ordinal int) (*Device, error) {
	opened.Lock()
	defer opened.Unlock()
	if d, ok := opened.devs[ordinal]; ok {
		return d, nil
	}
	if err, ok := opened.errs[ordinal]; ok {
		return nil, err
	}
	d, err := open(ordinal)
	if opened.devs == nil {
		opened.devs, opened.errs = map[int]*Device{}, map[int]error{}
	}
	if err != nil {
		opened.errs[ordinal] = err
		return nil, err
	}
	opened.devs[ordinal] = d
	return d, nil
}

func open(ordinal int) (*Device, error) {
	p, err := Detect()
	if err != nil {
		return nil, err
	}
	if ordinal < 0 || ordinal >= len(p.Devices) {
		return nil, fmt.Errorf("cuda: device %d: the driver lists %d", ordinal, len(p.Devices))
	}
	drv := probe.drv
	d := &Device{DeviceInfo: p.Devices[ordinal], drv: drv}
	if err := drv.check("cuDeviceGet", drv.call(fDeviceGet, uintptr(unsafe.Pointer(&d.dev)), uintptr(ordinal))); err != nil {
		return nil, err
	}
	if err := drv.check("cuDevicePrimaryCtxRetain", drv.call(fPrimaryCtxRetain, uintptr(unsafe.Pointer(&d.ctx)), uintptr(d.dev))); err != nil {
		return nil, err
	}
	release := d.Bind()
	defer release()
	if err := d.loadKernels(); err != nil {
		return nil, err
	}
	return d, nil
}

// Bind makes the device's context current on the calling goroutine's OS
// thread, locking the goroutine to that thread, and returns the function
// that unlocks it. Every call on the device, its memory and its streams
// happens between the two. It panics if the driver refuses the context,
// which only a broken driver does.
func (d *Device) Bind() (release func()) {
	runtime.LockOSThread()
	if err := d.drv.check("cuCtxSetCurrent", d.drv.call(fCtxSetCurrent, d.ctx)); err != nil {
		runtime.UnlockOSThread()
		panic("cuda: " + err.Error())
	}
	return runtime.UnlockOSThread
}

// Synchronize waits for all work on the device's context to finish.
func (d *Device) Synchronize() error {
	return d.drv.check("cuCtxSynchronize", d.drv.call(fCtxSynchronize))
}
