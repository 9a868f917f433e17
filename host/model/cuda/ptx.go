package cuda

import (
	"bytes"
	"embed"
	"fmt"
	"regexp"
	"strings"
	"unsafe"
)

// ptxFS holds the PTX that `make ptx` compiles from kernels/*.cu.
//
//go:embed kernels/*.ptx
var ptxFS embed.FS

// PTX returns the embedded PTX of module (a kernels/*.cu file's base name).
func PTX(module string) (string, error) {
	b, err := ptxFS.ReadFile("kernels/" + module + ".ptx")
	if err != nil {
		return "", fmt.Errorf("cuda: no embedded PTX for %s (run make ptx)", module)
	}
	return string(b), nil
}

// Entry is a kernel entry point read from PTX: its name and the PTX types
// of its parameters.
type Entry struct {
	Name   string
	Params []string // e.g. ".u64", ".u32", ".f32"
}

var (
	entryRE = regexp.MustCompile(`(?m)^\.visible \.entry ([A-Za-z_][A-Za-z0-9_]*)\(([^)]*)\)`)
	paramRE = regexp.MustCompile(`\.param (\.[a-z0-9]+) [A-Za-z_][A-Za-z0-9_]*`)
)

// Entries returns the visible kernel entries of a PTX text, in order.
func Entries(ptx string) []Entry {
	var es []Entry
	for _, m := range entryRE.FindAllStringSubmatch(ptx, -1) {
		e := Entry{Name: m[1]}
		for _, pm := range paramRE.FindAllStringSubmatch(m[2], -1) {
			e.Params = append(e.Params, pm[1])
		}
		es = append(es, e)
	}
	return es
}

// jit options of cuModuleLoadDataEx (CUjit_option).
const (
	jitErrorLogBuffer     = 5
	jitErrorLogBufferSize = 6
)

// loadKernels loads every module's PTX and looks up every declared kernel.
func (d *Device) loadKernels() error {
	mods := map[string]uintptr{}
	d.fns = make([]uintptr, len(Kernels))
	for _, k := range Kernels {
		mod, ok := mods[k.Module]
		if !ok {
			src, err := PTX(k.Module)
			if err != nil {
				return err
			}
			if mod, err = d.loadModule(k.Module, src); err != nil {
				return err
			}
			mods[k.Module] = mod
			d.mods = append(d.mods, mod)
		}
		name := append([]byte(k.Name), 0)
		if err := d.drv.check("cuModuleGetFunction", d.drv.call(fModuleGetFunction, uintptr(unsafe.Pointer(&d.fns[k.id])), mod, uintptr(unsafe.Pointer(&name[0])))); err != nil {
			return fmt.Errorf("%s.ptx: kernel %s: %w", k.Module, k.Name, err)
		}
	}
	return nil
}

// loadModule JIT-compiles one PTX text; a failure carries the JIT log.
func (d *Device) loadModule(name, src string) (uintptr, error) {
	img := append([]byte(src), 0)
	log := make([]byte, 8192)
	opts := []int32{jitErrorLogBuffer, jitErrorLogBufferSize}
	vals := []uintptr{uintptr(unsafe.Pointer(&log[0])), uintptr(len(log))}
	var mod uintptr
	r := d.drv.call(fModuleLoadDataEx, uintptr(unsafe.Pointer(&mod)), uintptr(unsafe.Pointer(&img[0])),
		uintptr(len(opts)), uintptr(unsafe.Pointer(&opts[0])), uintptr(unsafe.Pointer(&vals[0])))
	if err := d.drv.check("cuModuleLoadDataEx", r); err != nil {
		n := bytes.IndexByte(log, 0)
		if n < 0 {
			n = len(log)
		}
		msg := strings.TrimSpace(string(log[:n]))
		if msg != "" {
			return 0, fmt.Errorf("%s.ptx: %w: %s", name, err, strings.ReplaceAll(msg, "\n", "; "))
		}
		return 0, fmt.Errorf("%s.ptx: %w", name, err)
	}
	return mod, nil
}
