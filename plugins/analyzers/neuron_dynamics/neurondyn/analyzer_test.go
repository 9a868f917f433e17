package neurondyn

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// traj is one neuron's dominant frequency and its fraction per epoch.
type traj struct {
	dom  []int
	frac []float64
}

// stack builds norm_matrix (E, nf, N): at each epoch the neuron's dominant
// frequency holds frac and the other frequencies share a smaller remainder.
func stack(nf int, ts []traj) []float32 {
	E, N := len(ts[0].dom), len(ts)
	d := make([]float32, E*nf*N)
	for n, t := range ts {
		for e := 0; e < E; e++ {
			if t.dom[e] == 0 {
				continue // no variance: all fractions 0
			}
			for k := 1; k <= nf; k++ {
				v := (1 - t.frac[e]) / float64(nf) / 2
				if k == t.dom[e] {
					v = t.frac[e]
				}
				d[(e*nf+k-1)*N+n] = float32(v)
			}
		}
	}
	return d
}

func inputs(nf int, epochs []int, ts []traj) map[string]*sdk.Stacked {
	return map[string]*sdk.Stacked{Source: {Epochs: epochs, Arrays: map[string]*sdk.Tensor{
		Array: sdk.FromFloat32(stack(nf, ts), len(epochs), nf, len(ts))}}}
}

func run(th float64) *sdk.Run { return &sdk.Run{Settings: sdk.Params{"threshold": th}} }

func TestKnownDynamics(t *testing.T) {
	epochs := []int{0, 100, 200, 500, 1000}
	ts := []traj{
		{[]int{2, 2, 2, 2, 2}, []float64{0.3, 0.6, 0.7, 0.8, 0.9}},   // commits at 100
		{[]int{1, 3, 1, 3, 3}, []float64{0.6, 0.6, 0.6, 0.6, 0.9}},   // 3 switches, commits at 500
		{[]int{0, 0, 0, 0, 0}, []float64{0, 0, 0, 0, 0}},             // dead: never
		{[]int{3, 3, 3, 3, 3}, []float64{0.9, 0.9, 0.9, 0.9, 0.4}},   // final fraction too low: never
		{[]int{2, 2, 2, 2, 2}, []float64{0.9, 0.9, 0.9, 0.45, 0.95}}, // dips below at 500: commits at 1000
		{[]int{0, 1, 1, 1, 1}, []float64{0, 0.8, 0.8, 0.8, 0.8}},     // comes alive: 1 switch, commits at 100
	}
	out, err := New().AnalyzeAcross(context.Background(), run(0.5), inputs(3, epochs, ts))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"epochs":              "[0 100 200 500 1000]",
		"switch_count":        "[0 3 0 0 0 1]",
		"commitment_epoch":    "[100 500 -1 -1 1000 100]",
		"committed_frequency": "[2 3 0 0 2 1]",
		"committed_count":     "[0 2 2 3 4]",
	}
	for name, w := range want {
		if g := fmt.Sprint(out[name].Int64s()); g != w {
			t.Errorf("%s = %s, want %s", name, g, w)
		}
	}
	if s := out["dominant_frequency"].ShapeString(); s != "(5, 6)" {
		t.Errorf("dominant_frequency shape %s", s)
	}
	dom, frac := out["dominant_frequency"].Int64s(), out["dominant_fraction"].Float32s()
	for n, tr := range ts {
		for e := range epochs {
			if dom[e*6+n] != int64(tr.dom[e]) || frac[e*6+n] != float32(tr.frac[e]) {
				t.Errorf("neuron %d epoch %d: dominant %d (%g), want %d (%g)", n, e, dom[e*6+n], frac[e*6+n], tr.dom[e], tr.frac[e])
			}
		}
	}
	// A stricter threshold: neuron 0 commits only at 1000 (0.9 ≥ 0.85 there), neuron 1 at 1000.
	out, err = New().AnalyzeAcross(context.Background(), run(0.85), inputs(3, epochs, ts))
	if err != nil {
		t.Fatal(err)
	}
	if g := fmt.Sprint(out["commitment_epoch"].Int64s()); g != "[1000 1000 -1 -1 1000 -1]" {
		t.Errorf("threshold 0.85: commitment_epoch = %s", g)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	good := inputs(2, []int{1, 2}, []traj{{[]int{1, 1}, []float64{1, 1}}})
	for _, tc := range []struct {
		name string
		run  *sdk.Run
		in   map[string]*sdk.Stacked
		err  string
	}{
		{"no threshold", &sdk.Run{}, good, `"threshold" is missing`},
		{"threshold range", run(1.5), good, `"threshold" is 1.5`},
		{"no input", run(0.5), map[string]*sdk.Stacked{}, "input artifact neuron_freq_norm missing"},
		{"no array", run(0.5), map[string]*sdk.Stacked{Source: {Epochs: []int{1}, Arrays: map[string]*sdk.Tensor{}}}, "no array norm_matrix"},
		{"rank", run(0.5), map[string]*sdk.Stacked{Source: {Epochs: []int{1}, Arrays: map[string]*sdk.Tensor{Array: sdk.NewTensor(sdk.Float32, 2, 3)}}}, "want (epochs, n_freq, neurons)"},
		{"epochs", run(0.5), map[string]*sdk.Stacked{Source: {Epochs: []int{1}, Arrays: good[Source].Arrays}}, "lists 1 epochs but norm_matrix stacks 2"},
		{"order", run(0.5), map[string]*sdk.Stacked{Source: {Epochs: []int{2, 1}, Arrays: good[Source].Arrays}}, "not ascending"},
	} {
		if _, err := New().AnalyzeAcross(ctx, tc.run, tc.in); err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), Name) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.err)
		}
	}
}

// TestThroughPlugin runs the analyzer through the real gRPC plugin path and
// checks it returns what the in-process call returns.
func TestThroughPlugin(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	const E, nf, N = 6, 5, 7
	d := make([]float32, E*nf*N)
	for i := range d {
		d[i] = float32(rng.Float64() / 2)
	}
	in := map[string]*sdk.Stacked{Source: {Epochs: []int{0, 1, 2, 3, 10, 20}, Arrays: map[string]*sdk.Tensor{Array: sdk.FromFloat32(d, E, nf, N)}}}
	want, err := New().AnalyzeAcross(context.Background(), run(0.3), in)
	if err != nil {
		t.Fatal(err)
	}
	c := sdktest.Analyzer(t, New(), sdktest.Options{})
	got, err := c.AnalyzeAcross(context.Background(), run(0.3), in)
	if err != nil {
		t.Fatal(err)
	}
	sdktest.SameTensors(t, "array", want, got)
}

// BenchmarkAnalyzeAcross times a whole run: E checkpoints of the p = 113
// model's (56, 512) norm_matrix (95 is the reference schedule).
func BenchmarkAnalyzeAcross(b *testing.B) {
	for _, E := range []int{25, 95, 400} {
		b.Run(fmt.Sprintf("epochs=%d", E), func(b *testing.B) {
			const nf, N = 56, 512
			rng := rand.New(rand.NewPCG(1, 2))
			d := make([]float32, E*nf*N)
			for i := range d {
				d[i] = float32(rng.Float64())
			}
			epochs := make([]int, E)
			for i := range epochs {
				epochs[i] = i * 100
			}
			in := map[string]*sdk.Stacked{Source: {Epochs: epochs, Arrays: map[string]*sdk.Tensor{Array: sdk.FromFloat32(d, E, nf, N)}}}
			for b.Loop() {
				if _, err := New().AnalyzeAcross(context.Background(), run(0.5), in); err != nil {
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
	m, err := manifestcheck.Load("../../../../analyzers/neuron_dynamics/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	out, err := New().AnalyzeAcross(context.Background(), &sdk.Run{Settings: m.Defaults()}, inputs(3, []int{1, 2}, []traj{{[]int{1, 2}, []float64{0.7, 0.8}}}))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(m.Outputs) {
		t.Errorf("%d arrays returned, %d declared", len(out), len(m.Outputs))
	}
	if err := m.CheckArrays(out, false); err != nil {
		t.Error(err)
	}
}
