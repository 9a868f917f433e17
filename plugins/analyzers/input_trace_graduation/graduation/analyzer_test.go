package graduation

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

func stacked(epochs []int, correct [][]bool, split []bool) map[string]*sdk.Stacked {
	E, B := len(correct), len(correct[0])
	c, s := make([]bool, E*B), make([]bool, E*B)
	for e := range correct {
		copy(c[e*B:], correct[e])
		copy(s[e*B:], split)
	}
	return map[string]*sdk.Stacked{Source: {Epochs: epochs, Arrays: map[string]*sdk.Tensor{
		"correct": sdk.FromBool(c, E, B), "split": sdk.FromBool(s, E, B),
		"predictions": sdk.NewTensor(sdk.Int32, E, B), // input_trace's other arrays ride along
	}}}
}

func settings(w int) *sdk.Run { return &sdk.Run{Settings: sdk.Params{"window": float64(w)}} }

func TestKnownGraduation(t *testing.T) {
	T, F := true, false
	epochs := []int{0, 10, 20, 30, 40, 50}
	correct := [][]bool{ // rows: epochs; columns: 5 inputs
		{F, T, F, T, F},
		{T, T, F, F, F},
		{T, T, F, T, F},
		{T, F, F, T, T},
		{F, T, T, T, T},
		{T, T, T, T, T},
	}
	split := []bool{T, F, T, T, F}
	out, err := New().AnalyzeAcross(context.Background(), settings(3), stacked(epochs, correct, split))
	if err != nil {
		t.Fatal(err)
	}
	// Input 0: correct at 10, 20, 30 → 10. Input 1: 0, 10, 20 → 0. Input 2:
	// only at 40, 50 → never. Input 3: 20, 30, 40 → 20. Input 4: 30, 40, 50 → 30.
	want := map[string]string{
		"graduation_epoch":      "[10 0 -1 20 30]",
		"epochs":                "[0 10 20 30 40 50]",
		"train_graduated_count": "[0 1 2 2 2 2]",
		"test_graduated_count":  "[1 1 1 2 2 2]",
	}
	for name, w := range want {
		if g := fmt.Sprint(out[name].Int64s()); g != w {
			t.Errorf("%s = %s, want %s", name, g, w)
		}
	}
	if g := fmt.Sprint(out["split"].Uint8s()); g != "[1 0 1 1 0]" {
		t.Errorf("split = %s", g)
	}
	out, _ = New().AnalyzeAcross(context.Background(), settings(1), stacked(epochs, correct, split))
	if g := fmt.Sprint(out["graduation_epoch"].Int64s()); g != "[10 0 40 0 30]" {
		t.Errorf("window 1: %s", g)
	}
	out, _ = New().AnalyzeAcross(context.Background(), settings(7), stacked(epochs, correct, split))
	if g := fmt.Sprint(out["graduation_epoch"].Int64s()); g != "[-1 -1 -1 -1 -1]" {
		t.Errorf("window longer than the run: %s", g)
	}
}

func TestErrors(t *testing.T) {
	good := stacked([]int{1, 2}, [][]bool{{true}, {true}}, []bool{true})
	for _, tc := range []struct {
		r   *sdk.Run
		in  map[string]*sdk.Stacked
		err string
	}{
		{&sdk.Run{}, good, `"window" is missing`},
		{settings(0), good, `"window" is 0`},
		{settings(2), map[string]*sdk.Stacked{}, "input artifact input_trace missing"},
		{settings(2), map[string]*sdk.Stacked{Source: {Epochs: []int{1}, Arrays: good[Source].Arrays}}, "want bool (epochs = 1, batch)"},
		{settings(2), map[string]*sdk.Stacked{Source: {Epochs: []int{2, 1}, Arrays: good[Source].Arrays}}, "not ascending"},
	} {
		if _, err := New().AnalyzeAcross(context.Background(), tc.r, tc.in); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("err = %v, want one containing %q", err, tc.err)
		}
	}
}

func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/input_trace_graduation/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	const E, B = 9, 50
	correct := make([][]bool, E)
	split := make([]bool, B)
	for e := range correct {
		correct[e] = make([]bool, B)
		for n := range correct[e] {
			correct[e][n] = rng.Float64() < float64(e)/E
			split[n] = n%3 == 0
		}
	}
	in := stacked([]int{0, 5, 10, 15, 20, 30, 40, 60, 80}, correct, split)
	r := &sdk.Run{Settings: m.Defaults()}
	want, err := New().AnalyzeAcross(context.Background(), r, in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sdktest.Analyzer(t, New(), sdktest.Options{}).AnalyzeAcross(context.Background(), r, in)
	if err != nil {
		t.Fatal(err)
	}
	sdktest.SameTensors(t, "array", want, got)
	if err := m.CheckArrays(got, false); err != nil {
		t.Error(err)
	}
	if len(got) != len(m.Outputs) {
		t.Errorf("%d arrays, %d declared", len(got), len(m.Outputs))
	}
}
