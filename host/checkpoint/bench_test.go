package checkpoint

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

// benchTensors returns n float32 tensors of about total bytes in all, shaped
// like weight matrices.
func benchTensors(total, n int) map[string]*sdk.Tensor {
	out := map[string]*sdk.Tensor{}
	per := total / 4 / n
	for i := range n {
		t := sdk.NewTensor(sdk.Float32, per/128, 128)
		for j, v := 0, t.Float32s(); j < len(v); j++ {
			v[j] = float32(j%1013) * 1e-3
		}
		out[fmt.Sprintf("blocks.%d.mlp.W_in", i)] = t
	}
	return out
}

// The grid spans the calibration model (~1 MB with its 12 tensors) to a
// model of a few hundred megabytes.
var benchSizes = []struct {
	name         string
	bytes, count int
}{
	{"1MB", 1 << 20, 12},
	{"16MB", 16 << 20, 24},
	{"256MB", 256 << 20, 48},
}

func BenchmarkWriteFile(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			tensors := benchTensors(s.bytes, s.count)
			dir := b.TempDir()
			b.SetBytes(int64(s.bytes))
			b.ResetTimer()
			for i := range b.N {
				// A new file each time, as every checkpoint is.
				if err := WriteFile(filepath.Join(dir, fmt.Sprintf("c%d.safetensors", i)), tensors, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkReadFloat32(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "c.safetensors")
			if err := WriteFile(path, benchTensors(s.bytes, s.count), nil); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(s.bytes))
			b.ResetTimer()
			for range b.N {
				f, err := ReadFloat32(path)
				if err != nil || len(f.Tensors) != s.count {
					b.Fatal(err)
				}
			}
		})
	}
}
