package progress

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
	"github.com/tdw-workbench/tdw/sdk/stats"
)

func w(p, k, x int) float64 { return 2 * math.Pi * float64(k*x%p) / float64(p) }

// keyLogits returns logits [p², v] built only from the key frequencies:
// Σ_k β_kc cos(w_k(a+b)) + γ_kc sin(w_k(a+b)), random β, γ (no mean term).
func keyLogits(rng *rand.Rand, p, v int, keys []int, scale float64) []float64 {
	l := make([]float64, p*p*v)
	for _, k := range keys {
		for c := 0; c < v; c++ {
			beta, gamma := scale*rng.NormFloat64(), scale*rng.NormFloat64()
			for a := 0; a < p; a++ {
				for b := 0; b < p; b++ {
					l[(a*p+b)*v+c] += beta*math.Cos(w(p, k, a+b)) + gamma*math.Sin(w(p, k, a+b))
				}
			}
		}
	}
	return l
}

func labels(p int) []int64 {
	l := make([]int64, p*p)
	for r := range l {
		l[r] = int64((r/p + r%p) % p)
	}
	return l
}

func trainMask(rng *rand.Rand, n int, frac float64) []bool {
	m := make([]bool, n)
	for i := range m {
		m[i] = rng.Float64() < frac
	}
	m[0], m[1] = true, false
	return m
}

// TestKeyOnlyLogits is the known answer of the issue: logits built only from
// the key frequencies have restricted loss equal to their full loss and
// excluded loss equal to the uniform loss log p.
func TestKeyOnlyLogits(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	for _, tc := range []struct {
		p    int
		keys []int
	}{{7, []int{2}}, {13, []int{1, 5}}, {31, []int{4, 9, 14}}} {
		p, v := tc.p, tc.p
		l := keyLogits(rng, p, v, tc.keys, 3)
		lab := labels(p)
		mask := trainMask(rng, p*p, 0.3)
		restricted, excluded := Decompose(l, p, v, tc.keys)
		full, _ := CrossEntropy(l, v, lab, nil, true)
		rl, _ := CrossEntropy(restricted, v, lab, nil, true)
		el, _ := CrossEntropy(excluded, v, lab, mask, true)
		if !scalar.EqualWithinAbsOrRel(rl, full, 1e-10, 1e-10) {
			t.Errorf("p=%d keys %v: restricted loss %g, full loss %g", p, tc.keys, rl, full)
		}
		if !scalar.EqualWithinAbsOrRel(el, math.Log(float64(p)), 1e-10, 1e-10) {
			t.Errorf("p=%d keys %v: excluded loss %g, want log p = %g", p, tc.keys, el, math.Log(float64(p)))
		}
	}
}

// TestDecomposeSplits checks both outputs element by element on logits that
// mix a per-output mean, key components, a non-key frequency and a term that
// depends on a alone (not a function of a+b).
func TestDecomposeSplits(t *testing.T) {
	const p, v = 11, 12 // v > p: an extra output column is carried along
	rng := rand.New(rand.NewPCG(63, 64))
	keys := []int{3}
	key := keyLogits(rng, p, v, keys, 2)
	other := keyLogits(rng, p, v, []int{4}, 2)
	l := make([]float64, len(key))
	mean := make([]float64, v)
	for c := range mean {
		mean[c] = rng.NormFloat64()
	}
	for r := 0; r < p*p; r++ {
		for c := 0; c < v; c++ {
			l[r*v+c] = mean[c] + key[r*v+c] + other[r*v+c] + math.Cos(w(p, 3, r/p)) // cos(3a): frequency 3 but not of a+b
		}
	}
	restricted, excluded := Decompose(l, p, v, keys)
	for r := 0; r < p*p; r++ {
		for c := 0; c < v; c++ {
			i := r*v + c
			// cos(3a) has zero mean and is orthogonal to cos/sin(3(a+b)).
			if want := mean[c] + key[i]; !scalar.EqualWithinAbsOrRel(restricted[i], want, 1e-10, 1e-10) {
				t.Fatalf("restricted[%d, %d] = %g, want %g", r, c, restricted[i], want)
			}
			if want := l[i] - key[i]; !scalar.EqualWithinAbsOrRel(excluded[i], want, 1e-10, 1e-10) {
				t.Fatalf("excluded[%d, %d] = %g, want %g", r, c, excluded[i], want)
			}
		}
	}
}

func TestCrossEntropy(t *testing.T) {
	logits := []float64{
		0, 0, 0, // uniform: log 3, argmax 0
		10, 0, 0, // confident, right for label 0
		0, 0, 5, // confident, wrong for label 1
	}
	lab := []int64{1, 0, 1}
	loss, acc := CrossEntropy(logits, 3, lab, nil, true)
	want := (math.Log(3) + (math.Log(math.Exp(10)+2) - 10) + (math.Log(2+math.Exp(5)) - 0)) / 3
	if !scalar.EqualWithinAbsOrRel(loss, want, 1e-12, 1e-12) || !scalar.EqualWithinAbsOrRel(acc, 1.0/3, 1e-12, 1e-12) {
		t.Errorf("all rows: loss %g acc %g, want %g, 1/3", loss, acc, want)
	}
	mask := []bool{true, false, true}
	if loss, acc = CrossEntropy(logits, 3, lab, mask, false); !scalar.EqualWithinAbsOrRel(loss, math.Log(math.Exp(10)+2)-10, 1e-12, 1e-12) || acc != 1 {
		t.Errorf("masked: loss %g acc %g", loss, acc)
	}
	// Large logits: log-softmax in float64 must not overflow.
	if loss, _ = CrossEntropy([]float64{1000, 0}, 2, []int64{0}, nil, true); !scalar.EqualWithinAbsOrRel(loss, 0, 1e-12, 1e-12) || math.IsNaN(loss) {
		t.Errorf("large logits: loss %g, want 0", loss)
	}
	if loss, acc = CrossEntropy(logits, 3, lab, []bool{false, false, false}, true); !math.IsNaN(loss) || !math.IsNaN(acc) {
		t.Errorf("no rows: %g %g, want NaN", loss, acc)
	}
}

func TestParseFrequencies(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want string
		err  string
	}{
		{"", "[]", ""}, {"  ", "[]", ""}, {"14,35, 41", "[14 35 41]", ""}, {"56", "[56]", ""},
		{"0", "", `"0" is not a frequency in 1..56`}, {"57", "", "not a frequency"}, {"3,x", "", `"x"`},
		{"3,3", "", "listed twice"}, {"3,", "", `"" is not`},
	} {
		got, err := ParseFrequencies(tc.s, 56)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want %q", tc.s, err, tc.err)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != tc.want && !(len(got) == 0 && tc.want == "[]") {
			t.Errorf("%q: %v, %v; want %s", tc.s, got, err, tc.want)
		}
	}
}

func TestFourierNormsGini(t *testing.T) {
	const p, d = 11, 4
	tr := fourier.NewTransformer(fourier.Basis(p), p)
	f := fourier.Basis(p)
	// W_E: every column a multiple of basis row 5 (cos 3), plus an extra "=" row.
	we := make([]float64, (p+1)*d)
	for x := 0; x < p; x++ {
		for j := 0; j < d; j++ {
			we[x*d+j] = float64(j+1) * f[5*p+x]
		}
	}
	norms := EmbedFourierNorms(tr, we, d)
	// One component holds everything: the Gini coefficient is (n-1)/n.
	if g := stats.Gini(norms); !scalar.EqualWithinAbsOrRel(g, float64(p-1)/p, 1e-12, 1e-12) {
		t.Errorf("Gini of a one-component W_E spectrum = %g, want %g", g, float64(p-1)/p)
	}
	for i, v := range norms {
		want := 0.0
		if i == 5 {
			want = math.Sqrt(1 + 4 + 9 + 16)
		}
		if !scalar.EqualWithinAbsOrRel(v, want, 1e-12, 1e-12) {
			t.Errorf("W_E norm %d = %g, want %g", i, v, want)
		}
	}
	// W_L = W_out·W_U with W_U's first p columns the basis (W_U = [I_p | 0]
	// on a d_model = p residual) and W_out = I: W_L Fᵀ = Fᵀ... every
	// component has norm 1, so the Gini is 0.
	dm := p
	wout := make([]float64, dm*dm)
	wu := make([]float64, dm*(p+1))
	for i := 0; i < dm; i++ {
		wout[i*dm+i] = 1
		wu[i*(p+1)+i] = 1
	}
	nl := UnembedFourierNorms(tr, wout, wu, dm, dm, p+1)
	if g := stats.Gini(nl); !scalar.EqualWithinAbsOrRel(g, 0, 1e-12, 1e-12) {
		t.Errorf("Gini of a flat W_L spectrum = %g, want 0", g)
	}
	for i, v := range nl {
		if !scalar.EqualWithinAbsOrRel(v, 1, 1e-12, 1e-12) {
			t.Errorf("W_L norm %d = %g, want 1", i, v)
		}
	}
}

// fixture is a complete checkpoint of a p = 13 "model" whose neurons use
// frequencies 2 and 5 and whose logits are built from them.
type fixture struct {
	p, v, dm, dmodel int
	run              *sdk.Run
	cp               *sdk.Checkpoint
	logits           []float64
	lab              []int64
	mask             []bool
	ssq              float64
}

func newFixture(t testing.TB, keyParam string) *fixture {
	t.Helper()
	const p, dm, dmodel = 13, 24, 8
	rng := rand.New(rand.NewPCG(71, 72))
	fx := &fixture{p: p, v: p, dm: dm, dmodel: dmodel, lab: labels(p), mask: trainMask(rng, p*p, 0.3)}
	acts := make([]float32, p*p*dm)
	for n := 0; n < dm; n++ {
		k := []int{2, 5, 2, 5, 2, 5, 2, 5, 3}[n%9] // one neuron in nine at 3: below the share threshold
		ph := rng.Float64() * 2 * math.Pi
		for a := 0; a < p; a++ {
			for b := 0; b < p; b++ {
				acts[(a*p+b)*dm+n] = float32(math.Max(0, math.Cos(w(p, k, a)+ph)+math.Cos(w(p, k, b)+ph)))
			}
		}
	}
	fx.logits = keyLogits(rng, p, p, []int{2, 5}, 4)
	lg32 := make([]float32, len(fx.logits))
	for i, x := range fx.logits {
		lg32[i] = float32(x)
		fx.logits[i] = float64(lg32[i])
	}
	weights := map[string]*sdk.Tensor{}
	add := func(name string, shape ...int) {
		d := make([]float32, sdk.NumElements(shape))
		for i := range d {
			d[i] = float32(rng.NormFloat64() / 4)
			fx.ssq += float64(d[i]) * float64(d[i])
		}
		weights[name] = sdk.FromFloat32(d, shape...)
	}
	add(EmbedWeight, p+1, dmodel)
	add(OutWeight(0), dm, dmodel)
	add(UnembedWeight, dmodel, p)
	add("blocks.0.mlp.W_in", dmodel, dm)
	add("blocks.0.mlp.b_in", dm)
	fx.run = &sdk.Run{Model: sdk.ModelConfig{NLayers: 1}, Settings: sdk.Params{"key_frequencies": keyParam, "min_share_ratio": 1.5},
		Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p), "labels": sdk.FromInt64(fx.lab, p*p), "train_mask": sdk.FromBool(fx.mask, p*p)}}
	fx.cp = &sdk.Checkpoint{Epoch: 500, Hooks: map[string]*sdk.Tensor{fourier.NeuronHook(0): sdk.FromFloat32(acts, p*p, dm)},
		Weights: weights, Logits: sdk.FromFloat32(lg32, p*p, p)}
	return fx
}

func (fx *fixture) analyze(t testing.TB) *sdk.Result {
	t.Helper()
	a := New()
	if err := a.Begin(context.Background(), fx.run); err != nil {
		t.Fatal(err)
	}
	res, err := a.Analyze(context.Background(), fx.cp)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestAnalyzeDiscovers(t *testing.T) {
	fx := newFixture(t, "")
	res := fx.analyze(t)
	sum := func(name string) float64 { return res.Summary[name].Float64s()[0] }
	mask := res.Summary["key_frequencies"].Int64s()
	want := make([]int64, 6)
	want[1], want[4] = 1, 1
	if fmt.Sprint(mask) != fmt.Sprint(want) || res.Summary["n_key_frequencies"].Int64s()[0] != 2 {
		t.Errorf("key_frequencies = %v, want %v (2 and 5, not 3)", mask, want)
	}
	share := res.Summary["frequency_energy_share"].Float64s()
	if share[1] < 0.3 || share[4] < 0.3 || share[2] > 0.25 {
		t.Errorf("frequency_energy_share = %v", share)
	}
	full, fullAcc := CrossEntropy(fx.logits, fx.v, fx.lab, nil, true)
	// The logits went through float32: the rounding noise they carry off
	// the key frequencies is what the restricted logits drop.
	if !scalar.EqualWithinAbsOrRel(sum("restricted_loss"), full, 1e-6, 1e-6) || !scalar.EqualWithinAbsOrRel(sum("restricted_accuracy"), fullAcc, 1e-12, 1e-12) {
		t.Errorf("restricted loss %g acc %g, want the full %g, %g", sum("restricted_loss"), sum("restricted_accuracy"), full, fullAcc)
	}
	if !scalar.EqualWithinAbsOrRel(sum("excluded_loss"), math.Log(13), 1e-6, 1e-6) {
		t.Errorf("excluded loss %g, want log 13", sum("excluded_loss"))
	}
	trl, tra := CrossEntropy(fx.logits, fx.v, fx.lab, fx.mask, true)
	tel, tea := CrossEntropy(fx.logits, fx.v, fx.lab, fx.mask, false)
	for name, want := range map[string]float64{"train_loss": trl, "train_accuracy": tra, "test_loss": tel, "test_accuracy": tea, "sum_squared_weights": fx.ssq} {
		if !scalar.EqualWithinAbsOrRel(sum(name), want, 1e-9, 1e-9) {
			t.Errorf("%s = %g, want %g", name, sum(name), want)
		}
	}
	for _, name := range []string{"gini_W_E", "gini_W_L"} {
		if g := sum(name); !(g > 0 && g < 12.0/13) {
			t.Errorf("%s = %g, want in (0, (p-1)/p)", name, g)
		}
	}
	if res.Summary["fourier_norms_W_E"].ShapeString() != "(13,)" || res.Arrays != nil {
		t.Errorf("fourier_norms_W_E is %v; arrays %v", res.Summary["fourier_norms_W_E"], res.Arrays)
	}
}

// TestAnalyzeFixedKeys checks that the key_frequencies parameter replaces
// discovery: with only frequency 2 fixed, the logits' frequency-5 part is
// excluded from the restricted logits and kept in the excluded ones.
func TestAnalyzeFixedKeys(t *testing.T) {
	fx := newFixture(t, "2")
	res := fx.analyze(t)
	if got := res.Summary["key_frequencies"].Int64s(); fmt.Sprint(got) != "[0 1 0 0 0 0]" {
		t.Errorf("key_frequencies = %v, want only 2", got)
	}
	restricted, excluded := Decompose(fx.logits, fx.p, fx.v, []int{2})
	rl, _ := CrossEntropy(restricted, fx.v, fx.lab, nil, true)
	el, _ := CrossEntropy(excluded, fx.v, fx.lab, fx.mask, true)
	if g := res.Summary["restricted_loss"].Float64s()[0]; !scalar.EqualWithinAbsOrRel(g, rl, 1e-12, 1e-12) {
		t.Errorf("restricted_loss = %g, want %g", g, rl)
	}
	if g := res.Summary["excluded_loss"].Float64s()[0]; !scalar.EqualWithinAbsOrRel(g, el, 1e-12, 1e-12) || scalar.EqualWithinAbsOrRel(g, math.Log(13), 1e-3, 1e-3) {
		t.Errorf("excluded_loss = %g, want %g (not log p: frequency 5 stays)", g, el)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, "")
	mod := func(f func(r *sdk.Run)) *sdk.Run {
		r := *fx.run
		r.Settings = sdk.Params{}
		for k, v := range fx.run.Settings {
			r.Settings[k] = v
		}
		r.Context = map[string]*sdk.Tensor{}
		for k, v := range fx.run.Context {
			r.Context[k] = v
		}
		f(&r)
		return &r
	}
	for _, tc := range []struct {
		name string
		run  *sdk.Run
		err  string
	}{
		{"no labels", mod(func(r *sdk.Run) { delete(r.Context, "labels") }), `"labels"`},
		{"label range", mod(func(r *sdk.Run) { l := labels(13); l[7] = 13; r.Context["labels"] = sdk.FromInt64(l, 169) }), "row 7 is 13"},
		{"mask dtype", mod(func(r *sdk.Run) { r.Context["train_mask"] = sdk.NewTensor(sdk.Int64, 169) }), `"train_mask"`},
		{"all train", mod(func(r *sdk.Run) { r.Context["train_mask"] = sdk.FromBool(make([]bool, 169), 169) }), "selects 0 of 169"},
		{"bad keys", mod(func(r *sdk.Run) { r.Settings["key_frequencies"] = "7" }), `"key_frequencies": "7" is not a frequency in 1..6`},
		{"ratio", mod(func(r *sdk.Run) { r.Settings["min_share_ratio"] = 0.5 }), `"min_share_ratio" is 0.5`},
		{"attn only", mod(func(r *sdk.Run) { r.Model.AttnOnly = true }), "attention-only"},
	} {
		if err := New().Begin(ctx, tc.run); err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), Name) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.err)
		}
	}
	a := New()
	if err := a.Begin(ctx, fx.run); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mod  func(cp *sdk.Checkpoint)
		err  string
	}{
		{"no logits", func(cp *sdk.Checkpoint) { cp.Logits = nil }, "logits missing"},
		{"all positions", func(cp *sdk.Checkpoint) { cp.Logits = sdk.NewTensor(sdk.Float32, 169, 3, 13) }, "logits have shape (169, 3, 13)"},
		{"no W_U", func(cp *sdk.Checkpoint) { delete(cp.Weights, UnembedWeight) }, "weight unembed.W_U missing"},
		{"W_U shape", func(cp *sdk.Checkpoint) { cp.Weights[UnembedWeight] = sdk.NewTensor(sdk.Float32, 7, 13) }, "do not compose"},
		{"no hook", func(cp *sdk.Checkpoint) { cp.Hooks = nil }, "hook blocks.0.mlp.hook_post missing"},
		{"NaN weight", func(cp *sdk.Checkpoint) {
			w := cp.Weights[OutWeight(0)].Clone()
			w.Float32s()[5] = float32(math.NaN())
			cp.Weights[OutWeight(0)] = w
		}, "weight blocks.0.mlp.W_out holds NaN at flat index 5"},
	} {
		cp := *fx.cp
		cp.Weights = map[string]*sdk.Tensor{}
		for k, v := range fx.cp.Weights {
			cp.Weights[k] = v
		}
		tc.mod(&cp)
		if _, err := a.Analyze(ctx, &cp); err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "epoch 500") {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.err)
		}
	}
}

// TestThroughPlugin runs the analyzer through the real gRPC plugin path and
// checks it returns what the in-process call returns.
func TestThroughPlugin(t *testing.T) {
	fx := newFixture(t, "")
	want := fx.analyze(t)
	got := sdktest.AnalyzeOnce(t, New(), sdktest.Options{}, fx.run, fx.cp)
	sdktest.SameResult(t, want, got)
}

// BenchmarkAnalyze times one checkpoint at calibration sizes (p = 113,
// d_mlp = 512, d_model = 128).
func BenchmarkAnalyze(b *testing.B) {
	for _, p := range []int{59, 113} {
		b.Run(fmt.Sprintf("p=%d/d_mlp=512", p), func(b *testing.B) {
			const dm, dmodel = 512, 128
			rng := rand.New(rand.NewPCG(1, 2))
			rnd := func(shape ...int) *sdk.Tensor {
				d := make([]float32, sdk.NumElements(shape))
				for i := range d {
					d[i] = float32(rng.NormFloat64())
				}
				return sdk.FromFloat32(d, shape...)
			}
			acts := rnd(p*p, dm)
			for i, x := range acts.Float32s() {
				acts.Float32s()[i] = float32(math.Max(float64(x), 0))
			}
			run := &sdk.Run{Model: sdk.ModelConfig{NLayers: 1}, Settings: sdk.Params{"key_frequencies": "", "min_share_ratio": 2.5},
				Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p), "labels": sdk.FromInt64(labels(p), p*p),
					"train_mask": sdk.FromBool(trainMask(rng, p*p, 0.3), p*p)}}
			cp := &sdk.Checkpoint{Hooks: map[string]*sdk.Tensor{fourier.NeuronHook(0): acts}, Logits: rnd(p*p, p),
				Weights: map[string]*sdk.Tensor{EmbedWeight: rnd(p+1, dmodel), OutWeight(0): rnd(dm, dmodel), UnembedWeight: rnd(dmodel, p),
					"blocks.0.mlp.W_in": rnd(dmodel, dm)}}
			a := New()
			if err := a.Begin(context.Background(), run); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := a.Analyze(context.Background(), cp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestManifest holds the analyzer to its analyzer.json: Info matches, the
// declared parameter defaults are accepted, and every returned array is
// declared with its dtype and rank.
func TestManifest(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/progress_measures/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	fx := newFixture(t, "")
	fx.run.Settings = m.Defaults()
	res := fx.analyze(t)
	if len(res.Arrays)+len(res.Summary) == 0 {
		t.Fatal("no arrays returned")
	}
	if err := m.CheckArrays(res.Arrays, false); err != nil {
		t.Error(err)
	}
	if err := m.CheckArrays(res.Summary, true); err != nil {
		t.Error(err)
	}
}
