package cuda

import (
	"math"
	"strings"
	"testing"
	"unsafe"
)

var (
	heapVals []uint64
	heapPtrs []uintptr
)

// TestArgPacking packs a launch of every parameter kind and reads it back
// the way the driver does: through kernelParams, each pointer to a slot
// holding the value in its low bytes.
func TestArgPacking(t *testing.T) {
	// The block must not move, as page-locked memory does not: on the heap.
	heapVals, heapPtrs = make([]uint64, maxParams), make([]uintptr, maxParams)
	vals := heapVals
	a := newArgBlock(heapVals, heapPtrs)
	k := &Kernel{Name: "probe", Params: []ArgKind{ArgPtr, ArgInt, ArgFloat32, ArgInt, ArgPtr}}
	if err := a.pack(k, []any{Ptr(0x7f00deadbeef), -3, float32(1.5), 1 << 30, Ptr(0)}); err != nil {
		t.Fatal(err)
	}
	// kernelParams[i] must be the address of slot i; the slot is read as
	// the parameter's type.
	if a.params() != uintptr(unsafe.Pointer(&heapPtrs[0])) {
		t.Fatal("kernelParams is not the pointer array")
	}
	at := func(i int) unsafe.Pointer {
		if heapPtrs[i] != uintptr(unsafe.Pointer(&vals[i])) {
			t.Fatalf("kernelParams[%d] does not point at slot %d", i, i)
		}
		return unsafe.Pointer(&vals[i])
	}
	if got := *(*uint64)(at(0)); got != 0x7f00deadbeef {
		t.Errorf("pointer argument %#x", got)
	}
	if got := *(*int32)(at(1)); got != -3 {
		t.Errorf("int argument %d, want -3", got)
	}
	if got := *(*float32)(at(2)); got != 1.5 {
		t.Errorf("float argument %v, want 1.5", got)
	}
	if got := *(*int32)(at(3)); got != 1<<30 {
		t.Errorf("int argument %d, want 2^30", got)
	}
	if got := *(*uint64)(at(4)); got != 0 {
		t.Errorf("null pointer argument %#x", got)
	}
	// A repacked block must not keep stale high bytes under a 4-byte value.
	if err := a.pack(&Kernel{Name: "probe2", Params: []ArgKind{ArgInt}}, []any{7}); err != nil {
		t.Fatal(err)
	}
	if vals[0] != 7 {
		t.Errorf("slot 0 = %#x after packing int 7", vals[0])
	}
	if err := a.pack(k, []any{Ptr(1), float32(math.Pi)}); err == nil || !strings.Contains(err.Error(), "takes 5 arguments, got 2") {
		t.Errorf("short argument list: %v", err)
	}
	bad := []struct {
		args []any
		want string
	}{
		{[]any{1, 1, float32(0), 1, Ptr(0)}, "argument 0 is int, want pointer"},
		{[]any{Ptr(0), 1.5, float32(0), 1, Ptr(0)}, "argument 1 is float64, want int"},
		{[]any{Ptr(0), 1, 2, 1, Ptr(0)}, "argument 2 is int, want float32"},
		{[]any{Ptr(0), 1 << 40, float32(0), 1, Ptr(0)}, "does not fit a 32-bit int"},
		{[]any{Ptr(0), 1, float32(0), 1, uintptr(0)}, "argument 4 is uintptr, want pointer"},
	}
	for _, b := range bad {
		if err := a.pack(k, b.args); err == nil || !strings.Contains(err.Error(), b.want) || !strings.Contains(err.Error(), "kernel probe") {
			t.Errorf("pack %v: %v, want %q", b.args, err, b.want)
		}
	}
}

// TestDeclarationsUnique checks that kernel ids index Kernels and names are
// unique.
func TestDeclarationsUnique(t *testing.T) {
	seen := map[string]bool{}
	for i, k := range Kernels {
		if k.id != i {
			t.Errorf("%s: id %d at index %d", k.Name, k.id, i)
		}
		if seen[k.Name] {
			t.Errorf("%s declared twice", k.Name)
		}
		seen[k.Name] = true
		if len(k.Params) > maxParams {
			t.Errorf("%s: %d parameters, at most %d", k.Name, len(k.Params), maxParams)
		}
	}
}
