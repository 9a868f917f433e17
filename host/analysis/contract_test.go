package analysis

import (
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/sdk"
)

func spec(name, dtype, shape string) registry.OutputSpec {
	var dts []sdk.DType
	for _, d := range strings.Split(dtype, "|") {
		dts = append(dts, sdk.DType(d))
	}
	return registry.OutputSpec{Name: name, DType: dts[0], DTypes: dts, Shape: shape}
}

// TestContractHoldsResultToItsDeclaration: names, dtypes, ranks, resolved
// dimensions and byte ceilings, each violation named with what was declared
// and what came.
func TestContractHoldsResultToItsDeclaration(t *testing.T) {
	m := &registry.AnalyzerManifest{Name: "a",
		Outputs: []registry.OutputSpec{spec("x", "float32", "(d_mlp,)"), spec("w_*", "float16|float32", "(n_freq, k)"),
			spec("grid", "float32", "(p, p), the (a, b) grid")},
		Summary: []registry.OutputSpec{spec("s", "float64", "()"), spec("v", "float64", "(k)")}}
	sym := ShapeSymbols(sdk.ModelConfig{NLayers: 1, DMLP: 4}, sdk.Params{"prime": int64(5)}, 25,
		map[string]registry.Dim{"p": mustDim(t, "prime"), "n_freq": mustDim(t, "(prime-1)/2")})
	c := newContract(m, sym)
	f32 := func(shape ...int) *sdk.Tensor { return sdk.NewTensor(sdk.Float32, shape...) }
	good := func() (map[string]*sdk.Tensor, map[string]*sdk.Tensor) {
		return map[string]*sdk.Tensor{"x": f32(4), "w_1": f32(2, 7), "grid": f32(5, 5)},
			map[string]*sdk.Tensor{"s": sdk.Scalar(1), "v": sdk.FromFloat64([]float64{1, 2}, 2)}
	}
	cases := []struct {
		name   string
		change func(a, s map[string]*sdk.Tensor)
		want   string
	}{
		{"ok", func(a, s map[string]*sdk.Tensor) {}, ""},
		{"free axis any size", func(a, s map[string]*sdk.Tensor) { a["w_1"] = f32(2, 1000) }, ""},
		{"wrong alternative", func(a, s map[string]*sdk.Tensor) { a["w_1"] = sdk.NewTensor(sdk.Float64, 2, 7) }, "declares float16|float32"},
		{"undeclared", func(a, s map[string]*sdk.Tensor) { a["y"] = f32(1) }, `undeclared array "y"`},
		{"missing", func(a, s map[string]*sdk.Tensor) { delete(a, "x") }, `no array "x"`},
		{"missing summary", func(a, s map[string]*sdk.Tensor) { delete(s, "s") }, `no summary statistic "s"`},
		{"wrong size", func(a, s map[string]*sdk.Tensor) { a["x"] = f32(400000) },
			`array "x" as float32(400000,) (1600000 bytes), analyzer.json declares float32 (d_mlp,) = (4)`},
		{"wrong rank", func(a, s map[string]*sdk.Tensor) { a["x"] = f32(4, 1) }, `array "x" as float32(4, 1)`},
		{"family symbol", func(a, s map[string]*sdk.Tensor) { a["grid"] = f32(5, 6) }, `declares float32 (p, p) = (5, 5)`},
		{"family expression", func(a, s map[string]*sdk.Tensor) { a["w_1"] = f32(3, 7) }, `(n_freq, k) = (2, k)`},
		{"summary rank", func(a, s map[string]*sdk.Tensor) { s["s"] = sdk.FromFloat64([]float64{1, 2}, 2) }, `summary statistic "s" as float64(2,)`},
		{"flood", func(a, s map[string]*sdk.Tensor) { a["w_2"] = f32(2, MinMaxBytes/8+1) }, "past the analyzer's ceiling of 67108864 bytes"},
		{"huge summary", func(a, s map[string]*sdk.Tensor) { s["v"] = sdk.NewTensor(sdk.Float64, SummaryMaxBytes/8+1) }, "summary statistics of 65552 bytes in all"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, s := good()
			tc.change(a, s)
			err := c.check(a, s, nil, nil)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func mustDim(t *testing.T, s string) registry.Dim {
	t.Helper()
	d, err := registry.ParseDim(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestContractCeilings: max_bytes wins; the default is 4x the declared
// outputs, at least MinMaxBytes; the transport may carry summaries on top.
func TestContractCeilings(t *testing.T) {
	sym := map[string]int{"d_mlp": 512, "p": 1009}
	big := &registry.AnalyzerManifest{Name: "b", Outputs: []registry.OutputSpec{spec("acts", "float16|float32", "(d_mlp, p, p)")}}
	if got, want := newContract(big, sym).maxBytes, int64(4*4*512*1009*1009); got != want {
		t.Errorf("default ceiling %d, want %d (4x float32 (512, 1009, 1009))", got, want)
	}
	small := &registry.AnalyzerManifest{Name: "s", Outputs: []registry.OutputSpec{spec("x", "float32", "(4,)")}}
	if got := newContract(small, sym).maxBytes; got != MinMaxBytes {
		t.Errorf("small default ceiling %d, want %d", got, MinMaxBytes)
	}
	small.MaxBytes = 100
	c := newContract(small, sym)
	if c.maxBytes != 100 || c.replyLimit() != 100+SummaryMaxBytes {
		t.Errorf("max_bytes ceiling %d, reply limit %d", c.maxBytes, c.replyLimit())
	}
}

// TestContractSummaryKeepsItsShape: a statistic whose shape changes between
// epochs is refused at the epoch it changes, naming both shapes and epochs.
func TestContractSummaryKeepsItsShape(t *testing.T) {
	m := &registry.AnalyzerManifest{Name: "a", Summary: []registry.OutputSpec{spec("v", "float64", "(k)")}}
	c := newContract(m, nil)
	rec := &results.AnalyzerRecord{Epochs: map[int]*results.EpochRecord{
		50: {Summary: map[string]results.SummaryValue{"v": {DType: sdk.Float64, Shape: []int{2}, Values: []float64{1, 2}}}}}}
	err := c.check(nil, map[string]*sdk.Tensor{"v": sdk.FromFloat64([]float64{1, 2, 3}, 3)}, nil, summaryShapes(rec, 100))
	if err == nil || !strings.Contains(err.Error(), `summary statistic "v" has shape (3,), but (2,) at epoch 50`) {
		t.Fatalf("error %v", err)
	}
	if err := c.check(nil, map[string]*sdk.Tensor{"v": sdk.FromFloat64([]float64{1, 2}, 2)}, nil, summaryShapes(rec, 100)); err != nil {
		t.Fatal(err)
	}
	// Recomputing the epoch a shape was recorded at compares with others.
	if err := c.check(nil, map[string]*sdk.Tensor{"v": sdk.FromFloat64([]float64{1, 2, 3}, 3)}, nil, summaryShapes(rec, 50)); err != nil {
		t.Fatal(err)
	}
}
