package artifact

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"codeberg.org/sbinet/npyio/npz"

	"github.com/tdw-workbench/tdw/sdk"
)

// benchSet is a set of arrays of a realistic size for tdw's artifacts.
type benchSet struct {
	name   string
	shapes map[string][]int
}

// The 26 MB set is one neuron-activation grid (512 neurons × 113 × 113,
// float32); the 376 MB set is the calibration model's full activation cache
// over all 12,769 inputs at every position (every hook, float32).
var benchSets = []benchSet{
	{"26MB", map[string][]int{"neuron_activations": {512, 113, 113}}},
	{"376MB", func() map[string][]int {
		const b, n = 12769, 3
		m := map[string][]int{"logits": {b, n, 113}}
		for _, h := range []string{"hook_embed", "hook_pos_embed", "blocks.0.hook_resid_pre", "blocks.0.hook_attn_out",
			"blocks.0.hook_resid_mid", "blocks.0.hook_mlp_out", "blocks.0.hook_resid_post"} {
			m[h] = []int{b, n, 128}
		}
		for _, h := range []string{"q", "k", "v", "z"} {
			m["blocks.0.attn.hook_"+h] = []int{b, n, 4, 32}
		}
		m["blocks.0.attn.hook_attn_scores"] = []int{b, 4, n, n}
		m["blocks.0.attn.hook_pattern"] = []int{b, 4, n, n}
		m["blocks.0.mlp.hook_pre"] = []int{b, n, 512}
		m["blocks.0.mlp.hook_post"] = []int{b, n, 512}
		return m
	}()},
}

func (s benchSet) arrays() (map[string]*sdk.Tensor, int64) {
	out := map[string]*sdk.Tensor{}
	var total int64
	for name, shape := range s.shapes {
		t := sdk.NewTensor(sdk.Float32, shape...)
		for i, v := 0, t.Float32s(); i < len(v); i++ {
			v[i] = float32(i%4099) * 0.001 // cheap, deterministic, not all zero
		}
		out[name] = t
		total += int64(len(t.Bytes()))
	}
	return out, total
}

// npyio's throughput is measured once per process on fixed samples, because
// it is slow (here ~3 MB/s writing and well under 1 MB/s reading from an npz,
// which would make the 376 MB set take many minutes) and its cost is per
// element, so a sample gives its MB/s for any size.
var (
	npyioMu   sync.Mutex
	npyioMBps = map[string]float64{}
)

// npyioThroughput returns npyio's MB/s for "write" (the 26 MB grid) or
// "read" (a 2.6 MB array), measuring it on first use.
func npyioThroughput(b *testing.B, dir, op string) float64 {
	npyioMu.Lock()
	defer npyioMu.Unlock()
	if v, ok := npyioMBps[op]; ok {
		return v
	}
	n := 512 * 113 * 113
	if op == "read" {
		n /= 10
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(i%4099) * 0.001
	}
	path := filepath.Join(dir, "npyio.npz")
	start := time.Now()
	if err := npz.Write(path, map[string]any{"a": data}); err != nil {
		b.Fatal(err)
	}
	sec := time.Since(start).Seconds()
	if op == "read" {
		// npyio reads the file this package writes, as it would in tdw.
		if err := WriteNPZ(path, map[string]*sdk.Tensor{"a": sdk.FromFloat32(data)}, WriteOptions{}); err != nil {
			b.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		start = time.Now()
		var v []float32
		if err := npz.Read(f, "a.npy", &v); err != nil || len(v) != n {
			b.Fatal(err)
		}
		sec = time.Since(start).Seconds()
	}
	npyioMBps[op] = float64(4*n) / 1e6 / sec
	return npyioMBps[op]
}

// rawWrite writes the arrays' bytes to a new plain file and syncs it: the
// floor any format pays on this disk, measured in the same run. The file must
// be new, as every artifact is: on some disks (this VM's among them)
// rewriting a file that already exists is several times faster than writing a
// new one, which would flatter the baseline.
func rawWrite(path string, arrays map[string]*sdk.Tensor) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, t := range arrays {
		if _, err := f.Write(t.Bytes()); err != nil {
			return err
		}
	}
	return f.Sync()
}

// BenchmarkNPZWrite writes each set with WriteNPZ and reports its MB/s, the
// MB/s of a raw synced write of the same bytes in the same run, and npyio's,
// with ratios.
func BenchmarkNPZWrite(b *testing.B) {
	for _, set := range benchSets {
		b.Run(set.name, func(b *testing.B) {
			arrays, total := set.arrays()
			dir := b.TempDir()
			path := filepath.Join(dir, "ours.npz")
			var raw time.Duration
			b.SetBytes(total)
			b.ResetTimer()
			for range b.N {
				if err := WriteNPZ(path, arrays, WriteOptions{}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				rawPath := filepath.Join(dir, fmt.Sprintf("raw-%d.bin", time.Now().UnixNano()))
				start := time.Now()
				if err := rawWrite(rawPath, arrays); err != nil {
					b.Fatal(err)
				}
				raw += time.Since(start)
				os.Remove(rawPath)
				b.StartTimer()
			}
			b.StopTimer()
			mb := float64(total) / 1e6
			ours := mb / (b.Elapsed().Seconds() / float64(b.N))
			rawMBps := mb / (raw.Seconds() / float64(b.N))
			report(b, ours, npyioThroughput(b, dir, "write"))
			b.ReportMetric(rawMBps, "raw_MB/s")
			b.ReportMetric(ours/rawMBps, "x_raw_speed")
		})
	}
}

// BenchmarkNPZRead reads each set with ReadNPZ and reports its MB/s and
// npyio's, with their ratio.
func BenchmarkNPZRead(b *testing.B) {
	for _, set := range benchSets {
		b.Run(set.name, func(b *testing.B) {
			arrays, total := set.arrays()
			dir := b.TempDir()
			path := filepath.Join(dir, "ours.npz")
			if err := WriteNPZ(path, arrays, WriteOptions{}); err != nil {
				b.Fatal(err)
			}
			arrays = nil
			b.SetBytes(total)
			b.ResetTimer()
			for range b.N {
				got, err := ReadNPZ(path)
				if err != nil || len(got) != len(set.shapes) {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			ours := float64(total) / 1e6 / (b.Elapsed().Seconds() / float64(b.N))
			report(b, ours, npyioThroughput(b, dir, "read"))
		})
	}
}

func report(b *testing.B, ours, npyio float64) {
	b.ReportMetric(ours, "MB/s")
	b.ReportMetric(npyio, "npyio_MB/s")
	b.ReportMetric(ours/npyio, "x_npyio_speed")
}
