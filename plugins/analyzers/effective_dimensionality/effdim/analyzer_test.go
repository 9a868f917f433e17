package effdim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"

	"github.com/tdw-workbench/tdw/sdk"
)

// randomOrthonormal returns an n×k matrix with orthonormal columns (QR of a
// seeded Gaussian matrix).
func randomOrthonormal(rng *rand.Rand, n, k int) *mat.Dense {
	g := mat.NewDense(n, k, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	return mat.DenseCopyOf(q.Slice(0, n, 0, k))
}

// withSingularValues returns U diag(s) Vᵀ as float32 [m, n] data.
func withSingularValues(rng *rand.Rand, m, n int, s []float64) []float32 {
	k := len(s)
	u, v := randomOrthonormal(rng, m, k), randomOrthonormal(rng, n, k)
	var us, w mat.Dense
	us.Apply(func(i, j int, x float64) float64 { return x * s[j] }, u)
	w.Mul(&us, v.T())
	out := make([]float32, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			out[i*n+j] = float32(w.At(i, j))
		}
	}
	return out
}

func TestKnownSpectra(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	s2d := []float64{4, 2, 1}                  // PR = 49/21
	heads := [][]float64{{3, 3, 3}, {5, 0, 0}} // PR = 3 and 1
	qk := make([]float32, 0, 2*6*3)
	for _, s := range heads {
		qk = append(qk, withSingularValues(rng, 6, 3, s)...)
	}
	w := map[string]*sdk.Tensor{
		"blocks.0.mlp.W_in": sdk.FromFloat32(withSingularValues(rng, 5, 8, s2d), 5, 8),
		"blocks.1.attn.W_Q": sdk.FromFloat32(qk, 2, 6, 3),
		"blocks.0.mlp.b_in": sdk.FromFloat32(make([]float32, 8), 8),
		"blocks.1.attn.b_Q": sdk.FromFloat32(make([]float32, 6), 2, 3),
		"blocks.0.ln1.w":    sdk.FromFloat32(make([]float32, 8), 8),
	}
	res, err := New().Analyze(context.Background(), &sdk.Checkpoint{Weights: w})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Arrays) != 2 || len(res.Summary) != 2 {
		t.Fatalf("arrays %v summary %v: want only the two W_ matrices", keys(res.Arrays), keys(res.Summary))
	}
	sv := res.Arrays["sv_blocks.0.mlp.W_in"]
	if sv.ShapeString() != "(5,)" {
		t.Fatalf("sv_blocks.0.mlp.W_in shape %s", sv.ShapeString())
	}
	want := []float64{4, 2, 1, 0, 0}
	for i, v := range sv.Float64s() {
		if !scalar.EqualWithinAbsOrRel(v, want[i], 1e-5, 1e-5) {
			t.Errorf("W_in singular value %d = %v, want %v", i, v, want[i])
		}
	}
	if pr := res.Summary["pr_blocks.0.mlp.W_in"]; pr.Rank() != 0 || !scalar.EqualWithinAbsOrRel(pr.Float64s()[0], 49.0/21, 1e-5, 1e-5) {
		t.Errorf("pr W_in = %v %v, want scalar 49/21", pr, pr.Float64s())
	}
	svq := res.Arrays["sv_blocks.1.attn.W_Q"]
	if svq.ShapeString() != "(2, 3)" {
		t.Fatalf("sv W_Q shape %s, want (2, 3)", svq.ShapeString())
	}
	for h, s := range heads {
		for i, v := range svq.Float64s()[h*3 : h*3+3] {
			if !scalar.EqualWithinAbsOrRel(v, s[i], 1e-5, 1e-5) {
				t.Errorf("W_Q head %d singular value %d = %v, want %v", h, i, v, s[i])
			}
		}
	}
	prq := res.Summary["pr_blocks.1.attn.W_Q"].Float64s()
	if len(prq) != 2 || !scalar.EqualWithinAbsOrRel(prq[0], 3, 1e-5, 1e-5) || !scalar.EqualWithinAbsOrRel(prq[1], 1, 1e-5, 1e-5) {
		t.Errorf("pr W_Q = %v, want [3 1]", prq)
	}
}

func keys(m map[string]*sdk.Tensor) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		w    map[string]*sdk.Tensor
		want string
	}{
		{"no matrices", map[string]*sdk.Tensor{"blocks.0.mlp.b_in": sdk.NewTensor(sdk.Float32, 4)}, "no weight matrices"},
		{"rank 4", map[string]*sdk.Tensor{"x.W_Q": sdk.NewTensor(sdk.Float32, 2, 2, 2, 2)}, "x.W_Q"},
		{"NaN", map[string]*sdk.Tensor{"embed.W_E": sdk.FromFloat64([]float64{1, math.NaN(), 0, 1}, 2, 2)}, "embed.W_E holds NaN"},
		{"Inf", map[string]*sdk.Tensor{"unembed.W_U": sdk.FromFloat64([]float64{1, 0, math.Inf(-1), 1}, 2, 2)}, "unembed.W_U holds -Inf"},
	} {
		_, err := New().Analyze(ctx, &sdk.Checkpoint{Weights: tc.w})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// calibrationWeights returns random weights with the 1-layer p=113 model's
// matrix shapes.
func calibrationWeights(rng *rand.Rand, p int) map[string]*sdk.Tensor {
	r := func(shape ...int) *sdk.Tensor {
		d := make([]float32, sdk.NumElements(shape))
		for i := range d {
			d[i] = float32(rng.NormFloat64() * 0.07)
		}
		return sdk.FromFloat32(d, shape...)
	}
	return map[string]*sdk.Tensor{
		"embed.W_E": r(p+1, 128), "pos_embed.W_pos": r(3, 128),
		"blocks.0.attn.W_Q": r(4, 128, 32), "blocks.0.attn.W_K": r(4, 128, 32),
		"blocks.0.attn.W_V": r(4, 128, 32), "blocks.0.attn.W_O": r(4, 32, 128),
		"blocks.0.mlp.W_in": r(128, 512), "blocks.0.mlp.W_out": r(512, 128),
		"unembed.W_U": r(128, p),
	}
}

func BenchmarkAnalyze(b *testing.B) {
	for _, p := range []int{23, 59, 113} {
		b.Run(fmt.Sprintf("p=%d", p), func(b *testing.B) {
			cp := &sdk.Checkpoint{Weights: calibrationWeights(rand.New(rand.NewPCG(1, uint64(p))), p)}
			a := New()
			for b.Loop() {
				if _, err := a.Analyze(context.Background(), cp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
