package rpc_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/tdw-workbench/tdw/internal/rpc/shm"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// TestSharedMemoryFallsBackToStreaming: with no shared memory to be had, a
// connection that asked for it streams instead and gives the same result.
func TestSharedMemoryFallsBackToStreaming(t *testing.T) {
	old := shm.Dir
	shm.Dir = filepath.Join(t.TempDir(), "absent")
	defer func() { shm.Dir = old }()
	impl := &rowSum{}
	c := sdktest.Analyzer(t, impl, sdktest.Options{SharedMemory: true})
	ctx := context.Background()
	if err := c.Begin(ctx, &sdk.Run{Settings: sdk.Params{"scale": 1.0}}); err != nil {
		t.Fatal(err)
	}
	h := randomTensor(rand.New(rand.NewPCG(9, 10)), 512, 256) // 512 KiB: above the shared threshold
	res, err := c.Analyze(ctx, &sdk.Checkpoint{Hooks: map[string]*sdk.Tensor{"h": h}})
	if err != nil {
		t.Fatal(err)
	}
	var s float32
	for _, v := range h.Float32s()[:256] {
		s += v
	}
	if got := res.Arrays["row_sum"].Float32s()[0]; got != s {
		t.Fatalf("row 0: %v, want %v", got, s)
	}
}
