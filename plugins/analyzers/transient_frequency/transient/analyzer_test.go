package transient

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

// planted builds neuron_dynamics' output for 40 neurons over 6 epochs (0, 100,
// …, 500). Frequency 3 gathers neurons 0-5 at epoch 100, 0-9 at 200 and 0-7
// at 300; from 400 on neurons 0-4 commit to frequency 7 and 5-9 stay on 3
// below the threshold (0.3). Frequency 7 holds neurons 10-19 from epoch 200
// on. Neuron 30 is committed to 11 throughout (one neuron: too few to
// qualify); the others are uncommitted (fraction 0.2) or dead (20-24: 0).
func planted() map[string]*sdk.Stacked {
	const E, N = 6, 40
	dom := make([]int64, E*N)
	frac := make([]float32, E*N)
	set := func(e, n int, k int64, f float32) { dom[e*N+n], frac[e*N+n] = k, f }
	for e := 0; e < E; e++ {
		for n := 0; n < N; n++ {
			set(e, n, int64(1+n%5), 0.2)
		}
		for n := 20; n < 25; n++ {
			set(e, n, 0, 0)
		}
		set(e, 30, 11, 0.95)
		switch e {
		case 1:
			for n := 0; n < 6; n++ {
				set(e, n, 3, 0.9)
			}
		case 2, 3:
			for n := 0; n < map[int]int{2: 10, 3: 8}[e]; n++ {
				set(e, n, 3, 0.9)
			}
		case 4, 5:
			for n := 0; n < 5; n++ {
				set(e, n, 7, 0.8)
			}
			for n := 5; n < 10; n++ {
				set(e, n, 3, 0.3)
			}
		}
		if e >= 2 {
			for n := 10; n < 20; n++ {
				set(e, n, 7, 0.85)
			}
		}
	}
	return map[string]*sdk.Stacked{Source: {Arrays: map[string]*sdk.Tensor{
		"epochs":             sdk.FromInt64([]int64{0, 100, 200, 300, 400, 500}, E),
		"dominant_frequency": sdk.FromInt64(dom, E, N),
		"dominant_fraction":  sdk.FromFloat32(frac, E, N),
		"switch_count":       sdk.NewTensor(sdk.Int64, N),
	}}}
}

func settings() *sdk.Run {
	return &sdk.Run{Settings: sdk.Params{"neuron_threshold": 0.7, "transient_threshold": 0.05, "final_threshold": 0.1}}
}

func TestPlantedTransient(t *testing.T) {
	out, err := New().AnalyzeAcross(context.Background(), settings(), planted())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"ever_qualified_freqs": "[3 7]",
		"peak_epoch":           "[200 400]",
		"peak_count":           "[10 15]",
		"homeless_count":       "[5 0]",
		"committed_counts":     "[0 0 6 0 10 10 8 10 0 15 0 15]",
		"peak_members_flat":    "[0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 10 11 12 13 14 15 16 17 18 19]",
		"peak_members_offsets": "[0 10 25]",
		"epochs":               "[0 100 200 300 400 500]",
	} {
		if g := fmt.Sprint(out[name].Int64s()); g != want {
			t.Errorf("%s = %s, want %s", name, g, want)
		}
	}
	if g := fmt.Sprint(out["is_final"].Uint8s()); g != "[0 1]" {
		t.Errorf("is_final = %s, want [0 1] (3 is the transient)", g)
	}
	if s := out["committed_counts"].ShapeString(); s != "(6, 2)" {
		t.Errorf("committed_counts %s", s)
	}
	// At a per-neuron threshold of 0.82 frequency 3's cohort (0.9) still
	// counts but frequency 7's late members (0.8) do not: its peak is the 10
	// neurons of epoch 200.
	r := settings()
	r.Settings["neuron_threshold"] = 0.82
	out, _ = New().AnalyzeAcross(context.Background(), r, planted())
	if g := fmt.Sprint(out["peak_epoch"].Int64s(), out["peak_count"].Int64s()); g != "[200 200] [10 10]" {
		t.Errorf("threshold 0.82: peaks %s", g)
	}
}

func TestNoneQualifies(t *testing.T) {
	r := settings()
	r.Settings["transient_threshold"] = 0.9
	out, err := New().AnalyzeAcross(context.Background(), r, planted())
	if err != nil {
		t.Fatal(err)
	}
	if out["ever_qualified_freqs"].Len() != 0 || out["committed_counts"].ShapeString() != "(6, 0)" || fmt.Sprint(out["peak_members_offsets"].Int64s()) != "[0]" {
		t.Errorf("nothing qualifies: %v %v %v", out["ever_qualified_freqs"], out["committed_counts"], out["peak_members_offsets"])
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := New().AnalyzeAcross(ctx, &sdk.Run{}, planted()); err == nil || !strings.Contains(err.Error(), `"neuron_threshold" is missing`) {
		t.Errorf("no settings: %v", err)
	}
	if _, err := New().AnalyzeAcross(ctx, settings(), map[string]*sdk.Stacked{}); err == nil || !strings.Contains(err.Error(), "input neuron_dynamics/cross_epoch missing") {
		t.Errorf("no input: %v", err)
	}
	in := planted()
	in[Source].Arrays["dominant_fraction"] = sdk.NewTensor(sdk.Float32, 6, 39)
	if _, err := New().AnalyzeAcross(ctx, settings(), in); err == nil || !strings.Contains(err.Error(), "want (6, 40)") {
		t.Errorf("mismatched fraction: %v", err)
	}
}

func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/transient_frequency/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const E, N = 8, 64
	dom, frac := make([]int64, E*N), make([]float32, E*N)
	for i := range dom {
		dom[i], frac[i] = int64(rng.IntN(6)), float32(rng.Float64())
	}
	in := map[string]*sdk.Stacked{Source: {Arrays: map[string]*sdk.Tensor{
		"epochs": sdk.FromInt64([]int64{0, 1, 2, 3, 4, 5, 6, 7}, E), "dominant_frequency": sdk.FromInt64(dom, E, N), "dominant_fraction": sdk.FromFloat32(frac, E, N),
	}}}
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
