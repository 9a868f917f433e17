package rpc_test

import (
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/internal/rpc"
	"github.com/tdw-workbench/tdw/internal/rpc/shm"
	"github.com/tdw-workbench/tdw/sdk"
)

func TestSharedArena(t *testing.T) {
	a, err := rpc.NewSharedArena(1 << 12)
	if err != nil {
		t.Skipf("no shared memory: %v", err)
	}
	defer a.Close()
	src := sdk.FromFloat64([]float64{1, 2, 3}, 3)
	c, err := a.Copy(src)
	if err != nil {
		t.Fatal(err)
	}
	if c.String() != "float64(3,)" || c.Float64s()[2] != 3 || &c.Bytes()[0] == &src.Bytes()[0] {
		t.Fatalf("Copy = %v %v", c, c.Float64s())
	}
	// A plugin connection sends an arena tensor by reference only if its
	// bytes are found in the region (sdk.TensorFromBytes must not copy them).
	if _, off, ok := shm.Lookup(c.Bytes()); !ok || off%64 != 0 {
		t.Fatalf("the copy's bytes are not an aligned view of the arena (found %v, offset %d)", ok, off)
	}
	if _, err := a.NewTensor(sdk.Float32, 1024); err == nil || !strings.Contains(err.Error(), "has no room for float32[1024]") {
		t.Fatalf("overfull arena: err = %v", err)
	}
	if _, err := a.NewTensor("complex64", 1); err == nil {
		t.Fatal("unknown dtype accepted")
	}
	a.Reset()
	if _, err := a.NewTensor(sdk.Float32, 1024); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
}
