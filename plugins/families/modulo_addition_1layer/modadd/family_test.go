package modadd

import (
	"context"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestSplitSizes(t *testing.T) {
	for _, tc := range []struct {
		prime       int
		frac        float64
		train, test int
	}{
		{113, 0.3, 3830, 8939},
		{113, 0.5, 6384, 6385},
		{59, 0.5, 1740, 1741},
		{17, 0.3, 86, 203},
	} {
		ps, err := ParseParams(sdk.Params{"prime": tc.prime, "train_fraction": tc.frac})
		if err != nil {
			t.Fatal(err)
		}
		td, err := New().TrainingData(context.Background(), sdk.Params{"prime": tc.prime, "train_fraction": tc.frac})
		if err != nil {
			t.Fatal(err)
		}
		if ps.NumTrain() != tc.train || len(td.TrainIndices) != tc.train || len(td.TestIndices) != tc.test {
			t.Errorf("p=%d frac=%v: train/test %d/%d, want %d/%d", tc.prime, tc.frac, len(td.TrainIndices), len(td.TestIndices), tc.train, tc.test)
		}
		if got := td.Train.Tokens.Shape(); !reflect.DeepEqual(got, []int{tc.train, 3}) {
			t.Errorf("p=%d: train tokens shape %v", tc.prime, got)
		}
		if got := td.Test.Labels.Shape(); !reflect.DeepEqual(got, []int{tc.test}) {
			t.Errorf("p=%d: test labels shape %v", tc.prime, got)
		}
		// Together the splits cover every grid row exactly once.
		seen := make([]bool, tc.prime*tc.prime)
		for _, k := range append(append([]int(nil), td.TrainIndices...), td.TestIndices...) {
			if seen[k] {
				t.Fatalf("p=%d: row %d in both splits or twice", tc.prime, k)
			}
			seen[k] = true
		}
	}
}

func TestTrainingDataRows(t *testing.T) {
	const p = 17
	td, err := New().TrainingData(context.Background(), sdk.Params{"prime": p})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, ds sdk.Dataset, idx []int) {
		tok, lab := ds.Tokens.Int64s(), ds.Labels.Int64s()
		for i, k := range idx {
			a, b := int64(k/p), int64(k%p)
			if tok[3*i] != a || tok[3*i+1] != b || tok[3*i+2] != p || lab[i] != (a+b)%p {
				t.Fatalf("%s row %d (grid %d): tokens %v label %d", name, i, k, tok[3*i:3*i+3], lab[i])
			}
		}
	}
	check("train", td.Train, td.TrainIndices)
	check("test", td.Test, td.TestIndices)
}

func TestSplitDeterministic(t *testing.T) {
	f := New()
	ctx := context.Background()
	a, _ := f.TrainingData(ctx, sdk.Params{"prime": 31, "data_seed": 7})
	b, _ := f.TrainingData(ctx, sdk.Params{"prime": 31, "data_seed": 7})
	c, _ := f.TrainingData(ctx, sdk.Params{"prime": 31, "data_seed": 8})
	if !reflect.DeepEqual(a.TrainIndices, b.TrainIndices) || !reflect.DeepEqual(a.Train.Tokens.Bytes(), b.Train.Tokens.Bytes()) {
		t.Error("same data_seed gave different splits")
	}
	if reflect.DeepEqual(a.TrainIndices, c.TrainIndices) {
		t.Error("data_seed 7 and 8 gave the same split")
	}
	// The model seed does not move the split.
	d, _ := f.TrainingData(ctx, sdk.Params{"prime": 31, "data_seed": 7, "seed": 1})
	if !reflect.DeepEqual(a.TrainIndices, d.TrainIndices) {
		t.Error("seed changed the split")
	}
}

// TestSplitGolden pins the split algorithm: a change to the generator or the
// shuffle would silently change every variant's data.
func TestSplitGolden(t *testing.T) {
	ps, err := ParseParams(sdk.Params{"prime": 17})
	if err != nil {
		t.Fatal(err)
	}
	train, _ := Split(ps)
	path := filepath.Join("testdata", "split_p17_dseed598_frac0.3.json")
	if *update {
		b, _ := json.Marshal(train)
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !reflect.DeepEqual(train, want) {
		t.Errorf("split of p=17 changed:\n got %v\nwant %v", train, want)
	}
}

func TestBadParams(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params sdk.Params
		want   string // substrings of the error
	}{
		{"composite", sdk.Params{"prime": 4}, `"prime" is 4, which is not prime`},
		{"composite odd", sdk.Params{"prime": 91}, `"prime" is 91, which is not prime`},
		{"two", sdk.Params{"prime": 2}, `"prime" is 2, outside`},
		{"negative", sdk.Params{"prime": -7}, `"prime" is -7, outside`},
		{"too big", sdk.Params{"prime": 1013}, `"prime" is 1013, outside`},
		{"fractional prime", sdk.Params{"prime": 7.5}, `"prime" is 7.5`},
		{"string prime", sdk.Params{"prime": "113"}, `"prime"`},
		{"string seed", sdk.Params{"seed": "x"}, `"seed"`},
		{"bool data_seed", sdk.Params{"data_seed": true}, `"data_seed"`},
		{"string fraction", sdk.Params{"train_fraction": "0.3"}, `"train_fraction"`},
		{"fraction zero", sdk.Params{"train_fraction": 0.0}, `"train_fraction" is 0, not in (0, 1)`},
		{"fraction one", sdk.Params{"train_fraction": 1.0}, `"train_fraction" is 1, not in (0, 1)`},
		{"fraction negative", sdk.Params{"train_fraction": -0.2}, `"train_fraction"`},
		{"fraction NaN", sdk.Params{"train_fraction": math.NaN()}, `"train_fraction"`},
		{"empty train split", sdk.Params{"prime": 3, "train_fraction": 0.1}, `"train_fraction" 0.1 leaves 0 of 9`},
		{"unknown", sdk.Params{"modulus": 113}, `unknown parameter "modulus"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := New()
			ctx := context.Background()
			calls := map[string]func() error{
				"ModelConfig":     func() error { _, err := f.ModelConfig(ctx, tc.params); return err },
				"TrainingData":    func() error { _, err := f.TrainingData(ctx, tc.params); return err },
				"Probe":           func() error { _, err := f.Probe(ctx, tc.params); return err },
				"AnalysisContext": func() error { _, err := f.AnalysisContext(ctx, tc.params); return err },
				"TrainingConfig":  func() error { _, err := f.TrainingConfig(ctx, tc.params); return err },
			}
			for method, call := range calls {
				err := call()
				if err == nil {
					t.Fatalf("%s accepted %v", method, tc.params)
				}
				if !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: error %q does not contain %q", method, err, tc.want)
				}
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	ps, err := ParseParams(sdk.Params{})
	if err != nil {
		t.Fatal(err)
	}
	want := Params{Prime: 113, Seed: 999, DataSeed: 598, TrainFraction: 0.3}
	if ps != want {
		t.Errorf("defaults %+v, want %+v", ps, want)
	}
	// JSON numbers arrive as float64 and must be accepted where exact.
	ps, err = ParseParams(sdk.Params{"prime": 59.0, "seed": 1.0, "data_seed": int64(2), "train_fraction": 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Params{59, 1, 2, 0.5}); ps != want {
		t.Errorf("got %+v, want %+v", ps, want)
	}
}

func TestModelConfig(t *testing.T) {
	cfg, err := New().ModelConfig(context.Background(), sdk.Params{"prime": 59, "seed": 5})
	if err != nil {
		t.Fatal(err)
	}
	want := sdk.ModelConfig{NLayers: 1, DModel: 128, NHeads: 4, DHead: 32, DMLP: 512, DVocab: 60, DVocabOut: 59,
		NCtx: 3, ActFn: "relu", InitRange: 0.8 / math.Sqrt(128), Seed: 5}
	if cfg != want {
		t.Errorf("got %+v\nwant %+v", cfg, want)
	}
}

func TestAnalysisContext(t *testing.T) {
	const p = 17
	params := sdk.Params{"prime": p, "train_fraction": 0.4}
	f := New()
	ctx, err := f.AnalysisContext(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key   string
		dtype sdk.DType
		shape []int
	}{
		{"fourier_basis", sdk.Float64, []int{p, p}},
		{"labels", sdk.Int64, []int{p * p}},
		{"train_mask", sdk.Bool, []int{p * p}},
		{"probe_shape", sdk.Int64, []int{2}},
	} {
		x := ctx[tc.key]
		if x == nil {
			t.Fatalf("context %q missing", tc.key)
		}
		if x.DType() != tc.dtype || !reflect.DeepEqual(x.Shape(), tc.shape) {
			t.Errorf("context %q is %v, want %s%v", tc.key, x, tc.dtype, tc.shape)
		}
	}
	if len(ctx) != 4 {
		t.Errorf("context has %d entries, want 4", len(ctx))
	}
	if got := ctx["probe_shape"].Int64s(); got[0] != p || got[1] != p {
		t.Errorf("probe_shape %v", got)
	}
	// Labels and mask agree with the probe and the training split.
	probe, _ := f.Probe(context.Background(), params)
	if !reflect.DeepEqual(probe.Labels.Int64s(), ctx["labels"].Int64s()) {
		t.Error("context labels differ from probe labels")
	}
	td, _ := f.TrainingData(context.Background(), params)
	mask := ctx["train_mask"].Uint8s()
	n := 0
	for _, m := range mask {
		n += int(m)
	}
	if n != len(td.TrainIndices) {
		t.Errorf("train_mask has %d set, want %d", n, len(td.TrainIndices))
	}
	for _, k := range td.TrainIndices {
		if mask[k] != 1 {
			t.Fatalf("train row %d not in mask", k)
		}
	}
	// The basis is orthonormal: B Bᵀ = I.
	b := ctx["fourier_basis"].Float64s()
	for i := 0; i < p; i++ {
		for j := 0; j < p; j++ {
			var s float64
			for x := 0; x < p; x++ {
				s += b[i*p+x] * b[j*p+x]
			}
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(s-want) > 1e-12 {
				t.Fatalf("basis rows %d·%d = %g, want %g", i, j, s, want)
			}
		}
	}
}

func TestProbe(t *testing.T) {
	probe, err := New().Probe(context.Background(), sdk.Params{"prime": 5})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(probe.Tokens.Shape(), []int{25, 3}) {
		t.Fatalf("probe shape %v", probe.Tokens.Shape())
	}
	tok := probe.Tokens.Int64s()
	// Row 7 = (a=1, b=2), label 3.
	if !reflect.DeepEqual(tok[21:24], []int64{1, 2, 5}) || probe.Labels.Int64s()[7] != 3 {
		t.Errorf("row 7: %v label %d", tok[21:24], probe.Labels.Int64s()[7])
	}
}

func TestTrainingConfig(t *testing.T) {
	tc, err := New().TrainingConfig(context.Background(), sdk.Params{})
	if err != nil {
		t.Fatal(err)
	}
	if tc.Optimizer != "adamw" || tc.LR != 1e-3 || tc.WeightDecay != 1 || !reflect.DeepEqual(tc.Betas, []float64{0.9, 0.98}) ||
		tc.Eps != 1e-8 || tc.Epochs != 25000 || tc.BatchSize != 0 || tc.LossPositions != "last" ||
		!reflect.DeepEqual(tc.Frozen, []string{"*.b_*"}) {
		t.Errorf("training config %+v", tc)
	}
	cp := tc.Checkpoints
	if len(cp) != 95 || cp[0] != 0 || cp[len(cp)-1] != 25000 {
		t.Errorf("schedule has %d checkpoints from %d to %d, want 95 from 0 to 25000", len(cp), cp[0], cp[len(cp)-1])
	}
	for i := 1; i < len(cp); i++ {
		if cp[i] <= cp[i-1] {
			t.Fatalf("schedule not ascending at %d: %v", i, cp[i-1:i+1])
		}
	}
	for _, e := range []int{1400, 1500, 8500, 9000, 12900, 13000, 24500} {
		found := false
		for _, c := range cp {
			found = found || c == e
		}
		if !found {
			t.Errorf("schedule lacks epoch %d", e)
		}
	}
}

func TestIsPrime(t *testing.T) {
	var got []int
	for n := -3; n < 40; n++ {
		if IsPrime(n) {
			got = append(got, n)
		}
	}
	if want := []int{2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}; !reflect.DeepEqual(got, want) {
		t.Errorf("primes below 40: %v", got)
	}
}

func TestPermutationUniform(t *testing.T) {
	// Each of the 6 orderings of 3 items appears about equally often over seeds.
	counts := map[[3]int]int{}
	const n = 6000
	for s := int64(0); s < n; s++ {
		p := Permutation(3, s)
		counts[[3]int{p[0], p[1], p[2]}]++
	}
	if len(counts) != 6 {
		t.Fatalf("%d orderings seen, want 6", len(counts))
	}
	for k, c := range counts {
		if c < n/6-150 || c > n/6+150 {
			t.Errorf("ordering %v seen %d times of %d", k, c, n)
		}
	}
}
