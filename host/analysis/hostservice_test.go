package analysis

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// tinyModAdd returns a seeded 1-layer model over Z_5 and the full probe of
// (a, b, =) rows labelled (a+b) mod 5, with every third row in the train split.
func tinyModAdd(t *testing.T) (*model.Model, sdk.Dataset, []int, []int) {
	t.Helper()
	const p = 5
	m, err := model.New(sdk.ModelConfig{NLayers: 1, DModel: 8, NHeads: 2, DHead: 4, DMLP: 16, DVocab: p + 1, DVocabOut: p, NCtx: 3, ActFn: "relu", Seed: 17})
	if err != nil {
		t.Fatal(err)
	}
	var tok, lab []int64
	var train, test []int
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			r := len(lab)
			tok = append(tok, int64(a), int64(b), p)
			lab = append(lab, int64((a+b)%p))
			if r%3 == 0 {
				train = append(train, r)
			} else {
				test = append(test, r)
			}
		}
	}
	return m, sdk.Dataset{Tokens: sdk.FromInt64(tok, p*p, 3), Labels: sdk.FromInt64(lab, p*p)}, train, test
}

// gradAnalyzer asks the host for the gradient of names on the train split
// and returns it as arrays, the loss as a summary statistic.
type gradAnalyzer struct {
	host  sdk.Host
	names []string
}

func (a *gradAnalyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: "grad", Version: "0.1.0", Kind: sdk.PerCheckpoint}
}
func (a *gradAnalyzer) Begin(_ context.Context, run *sdk.Run) error { a.host = run.Host; return nil }
func (a *gradAnalyzer) End(context.Context) error                   { return nil }
func (a *gradAnalyzer) Analyze(ctx context.Context, _ *sdk.Checkpoint) (*sdk.Result, error) {
	g, err := a.host.Gradient(ctx, sdk.GradRequest{Names: a.names, Split: sdk.SplitTrain})
	if err != nil {
		return nil, err
	}
	return &sdk.Result{Arrays: g.Grads, Summary: map[string]*sdk.Tensor{"loss": sdk.Scalar(g.Loss)}}, nil
}

// TestHostGradient: the host's Gradient is the engine's gradient on the
// split's rows, leaves the checkpoint unchanged, and reaches a plugin through
// the broker byte for byte.
func TestHostGradient(t *testing.T) {
	m, probe, train, test := tinyModAdd(t)
	h, err := newHostService(probe, probe, train, test)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := h.Gradient(ctx, sdk.GradRequest{}); err == nil || !strings.Contains(err.Error(), "no checkpoint") {
		t.Fatalf("gradient with no checkpoint: err = %v", err)
	}
	h.set(m, 40)
	before := slices.Clone(m.Params.Data)
	names := []string{"embed.W_E", "blocks.0.mlp.W_in"}
	got, err := h.Gradient(ctx, sdk.GradRequest{Names: names, Split: sdk.SplitTrain})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, m.Params.Data) {
		t.Fatal("Gradient changed the checkpoint's weights")
	}
	rows, err := subset(probe, train)
	if err != nil {
		t.Fatal(err)
	}
	loss, want, err := model.Gradient(m, rows, model.PosLast, names)
	if err != nil {
		t.Fatal(err)
	}
	if got.Loss != loss || len(got.Grads) != len(names) {
		t.Fatalf("host: loss %v and %d gradients; engine on the train rows: %v and %d", got.Loss, len(got.Grads), loss, len(want))
	}
	sdktest.SameTensors(t, "gradient", want, got.Grads)
	ev, err := h.Evaluate(ctx, sdk.EvalRequest{Split: sdk.SplitTrain})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Loss != got.Loss {
		t.Errorf("Gradient's loss %v, Evaluate's %v", got.Loss, ev.Loss)
	}

	res := sdktest.AnalyzeOnce(t, &gradAnalyzer{names: names}, sdktest.Options{}, &sdk.Run{Host: h}, &sdk.Checkpoint{Epoch: 40})
	sdktest.SameTensors(t, "gradient through the plugin", got.Grads, res.Arrays)
	if l := res.Summary["loss"].Float64s()[0]; l != got.Loss {
		t.Errorf("loss through the plugin %v, in-process %v", l, got.Loss)
	}

	all, err := h.Gradient(ctx, sdk.GradRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Grads) != len(m.Params.Specs) {
		t.Errorf("no names: %d gradients, the model has %d parameters", len(all.Grads), len(m.Params.Specs))
	}
	for _, bad := range []sdk.GradRequest{{Names: []string{"embed.W_X"}}, {Split: "validation"}} {
		if _, err := h.Gradient(ctx, bad); err == nil || (!strings.Contains(err.Error(), "embed.W_X") && !strings.Contains(err.Error(), "validation")) {
			t.Errorf("request %+v: err = %v", bad, err)
		}
	}
}
