package flatness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/sdk"
)

// bowl is an sdk.Host whose loss is a real function of the weights:
// L(θ) = offset + Σ_t ½ c_t |θ_t − θ0_t|², a quadratic bowl around the
// checkpoint's weights θ0 with curvature c_t per tensor (Hessian c_t·I on
// tensor t). Replacing a weight it does not know is an error, as in the host.
type bowl struct {
	offset   float64
	base     map[string][]float64
	curv     map[string]float64
	replaced map[string]bool
	splits   []sdk.Split
	failAt   int // fail the failAt-th call (1-based) when > 0
}

func (b *bowl) Evaluate(_ context.Context, req sdk.EvalRequest) (*sdk.EvalResult, error) {
	b.splits = append(b.splits, req.Split)
	if b.failAt > 0 && len(b.splits) == b.failAt {
		return nil, errors.New("plugin evaluation crashed")
	}
	for name := range req.Replace {
		if _, ok := b.base[name]; !ok {
			return nil, fmt.Errorf("unknown weight %s", name)
		}
		b.replaced[name] = true
	}
	loss := b.offset
	// Sorted, so that the float sum is the same on every call.
	names := make([]string, 0, len(b.base))
	for name := range b.base {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		th0 := b.base[name]
		r, ok := req.Replace[name]
		if !ok {
			continue
		}
		th := r.AsFloat64()
		var ss float64
		for j, v := range th {
			ss += (v - th0[j]) * (v - th0[j])
		}
		loss += 0.5 * b.curv[name] * ss
	}
	return &sdk.EvalResult{Loss: loss}, nil
}

func (b *bowl) Forward(context.Context, []string, string) (map[string]*sdk.Tensor, error) {
	return nil, errors.New("bowl: no forward pass")
}

func (b *bowl) Gradient(context.Context, sdk.GradRequest) (*sdk.GradResult, error) {
	return nil, errors.New("bowl: no gradient")
}

// model returns small float32 weights with the calibration model's names,
// biases included, and a bowl around them with the given curvatures (1 for
// names not listed).
func model(rng *rand.Rand, curv map[string]float64) (map[string]*sdk.Tensor, *bowl) {
	shapes := map[string][]int{
		"embed.W_E": {8, 6}, "pos_embed.W_pos": {3, 6},
		"blocks.0.attn.W_Q": {2, 6, 3}, "blocks.0.attn.b_Q": {2, 3},
		"blocks.0.mlp.W_in": {6, 10}, "blocks.0.mlp.b_in": {10},
		"blocks.0.ln1.w": {6}, "blocks.0.ln1.b": {6},
		"unembed.W_U": {6, 7}, "unembed.b_U": {7},
	}
	w := map[string]*sdk.Tensor{}
	b := &bowl{offset: 1, base: map[string][]float64{}, curv: map[string]float64{}, replaced: map[string]bool{}}
	names := make([]string, 0, len(shapes))
	for name := range shapes {
		names = append(names, name)
	}
	slices.Sort(names) // seeded values land on the same names every time
	for _, name := range names {
		s := shapes[name]
		d := make([]float32, sdk.NumElements(s))
		for i := range d {
			d[i] = float32(rng.NormFloat64())
		}
		w[name] = sdk.FromFloat32(d, s...)
		b.base[name] = w[name].AsFloat64()
		b.curv[name] = 1
		if c, ok := curv[name]; ok {
			b.curv[name] = c
		}
	}
	return w, b
}

func analyze(t *testing.T, settings sdk.Params, w map[string]*sdk.Tensor, h sdk.Host) *sdk.Result {
	t.Helper()
	a := New()
	if err := a.Begin(context.Background(), &sdk.Run{Settings: settings, Host: h}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Analyze(context.Background(), &sdk.Checkpoint{Epoch: 100, Weights: w})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestIsotropicBowl: with Hessian c·I every unit direction gives
// ε²·(uᵀHu)/2 = c·ε²/2 exactly.
func TestIsotropicBowl(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	for _, eps := range []float64{0.1, 0.5} {
		w, b := model(rng, nil)
		for name := range b.curv {
			b.curv[name] = 3
		}
		res := analyze(t, sdk.Params{"epsilon": eps, "n_directions": int64(20)}, w, b)
		want := 3 * eps * eps / 2
		d := res.Arrays["delta_losses"].Float64s()
		if len(d) != 20 {
			t.Fatalf("%d deltas, want 20", len(d))
		}
		for i, v := range d {
			if !scalar.EqualWithinAbsOrRel(v, want, 1e-5, 1e-5) {
				t.Errorf("ε=%v: delta %d = %v, want %v", eps, i, v, want)
			}
		}
		s := res.Summary
		if v := s["fraction_increasing"].Float64s()[0]; v != 1 {
			t.Errorf("fraction increasing %v, want 1", v)
		}
		if v := s["std_delta_loss"].Float64s()[0]; v > 1e-6 {
			t.Errorf("std %v, want ~0", v)
		}
		if v := s["baseline_loss"].Float64s()[0]; v != 1 {
			t.Errorf("baseline %v, want 1", v)
		}
		if v := res.Arrays["epsilon"].Float64s()[0]; v != eps {
			t.Errorf("epsilon %v, want %v", v, eps)
		}
	}
}

// TestAnisotropicBowl checks every delta against ε²·(uᵀHu)/2 for the
// documented direction u, and that biases stay put by default.
func TestAnisotropicBowl(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 54))
	curv := map[string]float64{"embed.W_E": 10, "blocks.0.mlp.W_in": 100, "unembed.W_U": 0.5}
	w, b := model(rng, curv)
	const seed, n, eps = 7, 300, 0.1
	res := analyze(t, sdk.Params{"seed": int64(seed), "n_directions": int64(n), "split": "train"}, w, b)
	for name := range b.replaced {
		if IsBias(name) {
			t.Errorf("bias %s was perturbed", name)
		}
	}
	if !b.replaced["blocks.0.ln1.w"] || !b.replaced["embed.W_E"] {
		t.Errorf("weights not perturbed: %v", b.replaced)
	}
	for _, s := range b.splits {
		if s != sdk.SplitTrain {
			t.Fatalf("host asked for split %q, want train", s)
		}
	}
	// The perturbed weights in sorted name order, as Direction lays them out.
	var names []string
	total := 0
	for name := range w {
		if !IsBias(name) {
			names = append(names, name)
			total += w[name].Len()
		}
	}
	slices.Sort(names)
	u := make([]float64, total)
	d := res.Arrays["delta_losses"].Float64s()
	var mean, wantMean float64
	for i := 0; i < n; i++ {
		Direction(u, seed, i)
		var quad float64 // uᵀHu
		off := 0
		for _, name := range names {
			for _, v := range u[off : off+w[name].Len()] {
				quad += b.curv[name] * v * v
			}
			off += w[name].Len()
		}
		if want := eps * eps * quad / 2; !scalar.EqualWithinAbsOrRel(d[i], want, 1e-5, 1e-5) {
			t.Fatalf("delta %d = %v, want ε²·uᵀHu/2 = %v", i, d[i], want)
		}
		mean += d[i] / n
	}
	// E[uᵀHu] = tr(H)/N for a uniformly random unit u.
	for _, name := range names {
		wantMean += b.curv[name] * float64(w[name].Len())
	}
	wantMean *= eps * eps / 2 / float64(total)
	if math.Abs(mean-wantMean) > 0.05*wantMean {
		t.Errorf("mean delta %v, want about tr(H)ε²/(2N) = %v", mean, wantMean)
	}
	if got := res.Summary["mean_delta_loss"].Float64s()[0]; !scalar.EqualWithinAbsOrRel(got, mean, 1e-12, 1e-12) {
		t.Errorf("summary mean %v, want %v", got, mean)
	}
}

func TestIncludeBiases(t *testing.T) {
	w, b := model(rand.New(rand.NewPCG(55, 56)), nil)
	analyze(t, sdk.Params{"include_biases": true, "n_directions": int64(2)}, w, b)
	if len(b.replaced) != len(w) {
		t.Errorf("perturbed %d of %d tensors with include_biases", len(b.replaced), len(w))
	}
}

func TestSeededDirections(t *testing.T) {
	run := func(seed int64) []float64 {
		w, b := model(rand.New(rand.NewPCG(57, 58)), map[string]float64{"embed.W_E": 20})
		return analyze(t, sdk.Params{"seed": seed, "n_directions": int64(5)}, w, b).Arrays["delta_losses"].Float64s()
	}
	a, b, c := run(1), run(1), run(2)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different deltas: %v vs %v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("different seeds, same deltas %v", a)
	}
	u := make([]float64, 1000)
	Direction(u, 3, 4)
	var ss float64
	for _, v := range u {
		ss += v * v
	}
	if !scalar.EqualWithinAbsOrRel(ss, 1, 1e-12, 1e-12) {
		t.Errorf("direction norm² %v, want 1", ss)
	}
}

func TestSummarize(t *testing.T) {
	d := []float64{3, 1, 2, 10, 4, 5, 6, 7, 8, 9, -1}
	s := Summarize(d[:10], 20) // 1..10 shuffled
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"mean", s.Mean, 5.5}, {"median", s.Median, 5.5}, {"max", s.Max, 10},
		{"std", s.Std, math.Sqrt(8.25)}, {"p90", s.P90, 9.1},
		{"flatness ratio (threshold 2)", s.FlatnessRatio, 0.1}, {"fraction increasing", s.FractionIncreasing, 1},
	} {
		if !scalar.EqualWithinAbsOrRel(c.got, c.want, 1e-12, 1e-12) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	s = Summarize(d, 0) // threshold 0.1 when the baseline is not positive
	if s.FlatnessRatio != 1.0/11 || s.FractionIncreasing != 10.0/11 {
		t.Errorf("flatness %v, increasing %v", s.FlatnessRatio, s.FractionIncreasing)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	w, _ := model(rand.New(rand.NewPCG(59, 60)), nil)
	for _, tc := range []struct {
		name     string
		settings sdk.Params
		host     func() sdk.Host
		weights  map[string]*sdk.Tensor
		want     string
	}{
		{"no host", nil, func() sdk.Host { return nil }, w, "host callback"},
		{"bad split", sdk.Params{"split": "val"}, nil, w, `"split"`},
		{"zero epsilon", sdk.Params{"epsilon": 0.0}, nil, w, `"epsilon"`},
		{"zero directions", sdk.Params{"n_directions": int64(0)}, nil, w, `"n_directions"`},
		{"string seed", sdk.Params{"seed": "x"}, nil, w, `"seed"`},
		{"baseline fails", nil, func() sdk.Host { _, b := model(rand.New(rand.NewPCG(1, 1)), nil); b.failAt = 1; return b }, w, "baseline loss from the host: plugin evaluation crashed"},
		{"direction fails", nil, func() sdk.Host { _, b := model(rand.New(rand.NewPCG(1, 1)), nil); b.failAt = 3; return b }, w, "direction 1"},
		{"int weight", nil, nil, map[string]*sdk.Tensor{"embed.W_E": sdk.FromInt64([]int64{1}, 1)}, "embed.W_E"},
		{"only biases", nil, nil, map[string]*sdk.Tensor{"unembed.b_U": sdk.NewTensor(sdk.Float32, 3)}, "no weights to perturb"},
		{"NaN weight", nil, nil, map[string]*sdk.Tensor{"embed.W_E": sdk.FromFloat64([]float64{math.NaN()}, 1)}, "embed.W_E holds NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h sdk.Host
			if tc.host != nil {
				h = tc.host()
			} else {
				_, h = model(rand.New(rand.NewPCG(1, 1)), nil)
			}
			a := New()
			err := a.Begin(ctx, &sdk.Run{Settings: tc.settings, Host: h})
			if err == nil {
				_, err = a.Analyze(ctx, &sdk.Checkpoint{Weights: tc.weights})
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestDefaultsMatchAnalyzerJSON keeps the code's defaults and the declared
// ones in step.
func TestDefaultsMatchAnalyzerJSON(t *testing.T) {
	raw, err := os.ReadFile("../../../../analyzers/landscape_flatness/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Name       string
		Version    string
		Parameters map[string]struct{ Default any }
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Name != Name || doc.Version != Version {
		t.Errorf("analyzer.json says %s %s, code %s %s", doc.Name, doc.Version, Name, Version)
	}
	declared := sdk.Params{}
	for name, p := range doc.Parameters {
		declared[name] = p.Default
	}
	got, err := ParseSettings(declared)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ParseSettings(nil)
	if got != want || len(declared) != 5 {
		t.Errorf("analyzer.json defaults %+v (%d parameters), code defaults %+v", got, len(declared), want)
	}
}

// constantHost answers every evaluation at once, so the benchmark measures
// the analyzer's own work (directions and perturbed copies).
type constantHost struct{}

func (constantHost) Evaluate(context.Context, sdk.EvalRequest) (*sdk.EvalResult, error) {
	return &sdk.EvalResult{Loss: 1}, nil
}
func (constantHost) Forward(context.Context, []string, string) (map[string]*sdk.Tensor, error) {
	return nil, errors.New("no forward")
}
func (constantHost) Gradient(context.Context, sdk.GradRequest) (*sdk.GradResult, error) {
	return nil, errors.New("no gradient")
}

func BenchmarkAnalyze(b *testing.B) {
	for _, p := range []int{23, 59, 113} {
		b.Run(fmt.Sprintf("p=%d", p), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, uint64(p)))
			r := func(shape ...int) *sdk.Tensor {
				d := make([]float32, sdk.NumElements(shape))
				for i := range d {
					d[i] = float32(rng.NormFloat64())
				}
				return sdk.FromFloat32(d, shape...)
			}
			w := map[string]*sdk.Tensor{
				"embed.W_E": r(p+1, 128), "pos_embed.W_pos": r(3, 128),
				"blocks.0.attn.W_Q": r(4, 128, 32), "blocks.0.attn.W_K": r(4, 128, 32),
				"blocks.0.attn.W_V": r(4, 128, 32), "blocks.0.attn.W_O": r(4, 32, 128),
				"blocks.0.mlp.W_in": r(128, 512), "blocks.0.mlp.W_out": r(512, 128),
				"unembed.W_U": r(128, p),
			}
			a := New()
			if err := a.Begin(context.Background(), &sdk.Run{Host: constantHost{}}); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := a.Analyze(context.Background(), &sdk.Checkpoint{Weights: w}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// cancellingHost cancels the run's context on its third evaluation, as a
// user interrupting an analysis would.
type cancellingHost struct {
	*bowl
	cancel context.CancelFunc
}

func (h cancellingHost) Evaluate(ctx context.Context, req sdk.EvalRequest) (*sdk.EvalResult, error) {
	if len(h.splits) == 2 {
		h.cancel()
	}
	return h.bowl.Evaluate(ctx, req)
}

func TestCancelStopsBetweenDirections(t *testing.T) {
	w, b := model(rand.New(rand.NewPCG(73, 74)), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := New()
	if err := a.Begin(ctx, &sdk.Run{Host: cancellingHost{b, cancel}}); err != nil {
		t.Fatal(err)
	}
	_, err := a.Analyze(ctx, &sdk.Checkpoint{Epoch: 4, Weights: w})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if n := len(b.splits); n != 3 {
		t.Errorf("host evaluated %d times after the cancel, want 3 in all", n)
	}
}
