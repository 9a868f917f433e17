package rpc_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/internal/rpc"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// rowSum is a per-checkpoint analyzer: it sums each row of hook "h", scales
// by the "scale" setting and calls the host back when asked to.
type rowSum struct {
	run *sdk.Run
}

func (a *rowSum) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: "row_sum", Version: "1.0.0", Kind: sdk.PerCheckpoint}
}

func (a *rowSum) Begin(_ context.Context, run *sdk.Run) error { a.run = run; return nil }

func (a *rowSum) Analyze(ctx context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	h := cp.Hooks["h"]
	if h == nil {
		return nil, errors.New("hook h missing")
	}
	scale, err := a.run.Settings.Float("scale")
	if err != nil {
		return nil, err
	}
	rows, cols := h.Shape()[0], h.Shape()[1]
	out := make([]float32, rows)
	x := h.Float32s()
	for i := range rows {
		var s float32
		for _, v := range x[i*cols : (i+1)*cols] {
			s += v
		}
		out[i] = s * float32(scale)
	}
	res := &sdk.Result{
		Arrays:  map[string]*sdk.Tensor{"row_sum": sdk.FromFloat32(out, rows)},
		Summary: map[string]*sdk.Tensor{"epoch": sdk.Scalar(float64(cp.Epoch))},
	}
	if a.run.Host != nil {
		ev, err := a.run.Host.Evaluate(ctx, sdk.EvalRequest{Replace: map[string]*sdk.Tensor{"W": cp.Weights["W"]}, Split: sdk.SplitTest, ReturnLogits: true})
		if err != nil {
			return nil, err
		}
		res.Summary["loss"] = sdk.Scalar(ev.Loss)
		res.Arrays["logits"] = ev.Logits
		fw, err := a.run.Host.Forward(ctx, []string{"blocks.0.hook_resid_post"}, "last")
		if err != nil {
			return nil, err
		}
		res.Arrays["resid"] = fw["blocks.0.hook_resid_post"]
		gr, err := a.run.Host.Gradient(ctx, sdk.GradRequest{Names: []string{"W", "b"}, Split: sdk.SplitTrain})
		if err != nil {
			return nil, err
		}
		res.Summary["grad_loss"] = sdk.Scalar(gr.Loss)
		res.Arrays["grad_W"], res.Arrays["grad_b"] = gr.Grads["W"], gr.Grads["b"]
	}
	return res, nil
}

func (a *rowSum) End(context.Context) error { return nil }

// fakeHost is a test sdk.Host: Evaluate sums the replaced weights into the loss.
type fakeHost struct{ split sdk.Split }

func (h *fakeHost) Evaluate(_ context.Context, req sdk.EvalRequest) (*sdk.EvalResult, error) {
	h.split = req.Split
	var s float64
	for _, v := range req.Replace["W"].AsFloat64() {
		s += v
	}
	return &sdk.EvalResult{Loss: s, Accuracy: 0.5, Logits: sdk.FromFloat32([]float32{1, 2, 3}, 1, 3)}, nil
}

func (h *fakeHost) Forward(_ context.Context, hooks []string, positions string) (map[string]*sdk.Tensor, error) {
	if positions != "last" {
		return nil, fmt.Errorf("positions %q", positions)
	}
	return map[string]*sdk.Tensor{hooks[0]: sdk.FromFloat64([]float64{7}, 1)}, nil
}

// Gradient answers one tensor per name, of the name's length, filled with
// the split's length, and the number of names as the loss.
func (h *fakeHost) Gradient(_ context.Context, req sdk.GradRequest) (*sdk.GradResult, error) {
	g := map[string]*sdk.Tensor{}
	for _, name := range req.Names {
		x := make([]float32, len(name))
		for i := range x {
			x[i] = float32(len(req.Split))
		}
		g[name] = sdk.FromFloat32(x, len(name))
	}
	return &sdk.GradResult{Loss: float64(len(req.Names)), Grads: g}, nil
}

func randomTensor(rng *rand.Rand, rows, cols int) *sdk.Tensor {
	x := make([]float32, rows*cols)
	for i := range x {
		x[i] = rng.Float32()
	}
	return sdk.FromFloat32(x, rows, cols)
}

func TestAnalyzerRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name       string
		rows, cols int
		shared     bool
		arena      bool
		host       bool
	}{
		{"small streamed", 3, 4, false, false, false},
		{"chunked streamed", 1000, 700, false, false, false},
		{"staged shared", 1000, 700, true, false, false},
		{"arena shared", 1000, 700, true, true, false},
		{"host callback", 5, 4, false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			impl := &rowSum{}
			c := sdktest.Analyzer(t, impl, sdktest.Options{SharedMemory: tc.shared})
			if got := c.Info(); got != impl.Info() {
				t.Fatalf("Info = %+v, want %+v", got, impl.Info())
			}
			h := randomTensor(rng, tc.rows, tc.cols)
			if tc.arena {
				a, err := rpc.NewSharedArena(tc.rows * tc.cols * 4)
				if err != nil {
					t.Skipf("no shared memory here: %v", err)
				}
				defer a.Close()
				ah, err := a.NewTensor(sdk.Float32, tc.rows, tc.cols)
				if err != nil {
					t.Fatal(err)
				}
				copy(ah.Float32s(), h.Float32s())
				h = ah
			}
			host := &fakeHost{}
			run := &sdk.Run{
				Family: "fam", Variant: "v1", Probe: "train",
				Params:   sdk.Params{"prime": int64(113), "name": "x", "frac": 0.3, "flag": true},
				Settings: sdk.Params{"scale": 2.0},
				Model:    sdk.ModelConfig{NLayers: 1, DModel: 128, ActFn: "relu"},
				Context:  map[string]*sdk.Tensor{"basis": randomTensor(rng, 600, 600)},
				Epochs:   []int{0, 100},
			}
			if tc.host {
				run.Host = host
			}
			ctx := context.Background()
			if err := c.Begin(ctx, run); err != nil {
				t.Fatal(err)
			}
			if p, _ := impl.run.Params.Int("prime"); p != 113 || impl.run.Model != run.Model || impl.run.Variant != "v1" || impl.run.Probe != "train" {
				t.Fatalf("run arrived as %+v", impl.run)
			}
			if !equalBytes(impl.run.Context["basis"], run.Context["basis"]) {
				t.Fatal("context tensor changed in transit")
			}
			w := sdk.FromFloat64([]float64{1, 2, 3.5}, 3)
			res, err := c.Analyze(ctx, &sdk.Checkpoint{Epoch: 100, Hooks: map[string]*sdk.Tensor{"h": h}, Weights: map[string]*sdk.Tensor{"W": w}})
			if err != nil {
				t.Fatal(err)
			}
			got := res.Arrays["row_sum"].Float32s()
			x := h.Float32s()
			for i := range tc.rows {
				var s float32
				for _, v := range x[i*tc.cols : (i+1)*tc.cols] {
					s += v
				}
				if got[i] != 2*s {
					t.Fatalf("row %d: got %v, want %v", i, got[i], 2*s)
				}
			}
			if e := res.Summary["epoch"].Float64s()[0]; e != 100 {
				t.Fatalf("summary epoch = %v", e)
			}
			if tc.host {
				if l := res.Summary["loss"].Float64s()[0]; l != 6.5 || host.split != sdk.SplitTest {
					t.Fatalf("host Evaluate: loss %v split %q", l, host.split)
				}
				if res.Arrays["logits"].String() != "float32(1, 3)" || res.Arrays["resid"].Float64s()[0] != 7 {
					t.Fatalf("host replies: %v %v", res.Arrays["logits"], res.Arrays["resid"])
				}
				gw, gb := res.Arrays["grad_W"], res.Arrays["grad_b"]
				if l := res.Summary["grad_loss"].Float64s()[0]; l != 2 || gw.String() != "float32(1,)" || gb.String() != "float32(1,)" || gw.Float32s()[0] != 5 {
					t.Fatalf("host Gradient: loss %v, W %v, b %v", l, gw, gb)
				}
			}
			if err := c.End(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func equalBytes(a, b *sdk.Tensor) bool {
	return a != nil && b != nil && a.String() == b.String() && string(a.Bytes()) == string(b.Bytes())
}

// failing returns errors and panics on demand.
type failing struct{ rowSum }

func (f *failing) Analyze(ctx context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	switch cp.Epoch {
	case 1:
		return nil, errors.New("no luck")
	case 2:
		panic("boom")
	}
	return &sdk.Result{}, nil
}

func TestAnalyzerErrors(t *testing.T) {
	c := sdktest.Analyzer(t, &failing{}, sdktest.Options{})
	ctx := context.Background()
	if err := c.Begin(ctx, &sdk.Run{Settings: sdk.Params{"bad": []int{1}}}); err == nil || !strings.Contains(err.Error(), `"bad"`) {
		t.Fatalf("unsendable setting: err = %v", err)
	}
	for _, tc := range []struct {
		epoch int
		want  string
	}{{1, "Analyze: no luck"}, {2, "Analyze panicked: boom"}, {3, ""}} {
		_, err := c.Analyze(ctx, &sdk.Checkpoint{Epoch: tc.epoch})
		if tc.want == "" {
			if err != nil {
				t.Fatalf("epoch %d: %v", tc.epoch, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("epoch %d: err = %v, want %q", tc.epoch, err, tc.want)
		}
	}
	if _, err := c.AnalyzeAcross(ctx, &sdk.Run{}, nil); err == nil || !strings.Contains(err.Error(), "no AnalyzeAcross") {
		t.Fatalf("AnalyzeAcross on a per-checkpoint analyzer: err = %v", err)
	}
}

type stacker struct{}

func (stacker) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: "stacker", Version: "0.1", Kind: sdk.CrossEpoch}
}

func (stacker) AnalyzeAcross(_ context.Context, run *sdk.Run, in map[string]*sdk.Stacked) (map[string]*sdk.Tensor, error) {
	s := in["a/summary"]
	if s == nil {
		return nil, errors.New("a/summary missing")
	}
	x := s.Arrays["loss"].Float64s()
	out := make([]float64, len(x))
	for i := range x {
		out[i] = x[i] * float64(s.Epochs[i])
	}
	return map[string]*sdk.Tensor{"weighted": sdk.FromFloat64(out)}, nil
}

func TestCrossEpochRoundTrip(t *testing.T) {
	c := sdktest.Analyzer(t, stacker{}, sdktest.Options{SharedMemory: true})
	if c.Info().Kind != sdk.CrossEpoch {
		t.Fatalf("kind %q", c.Info().Kind)
	}
	in := map[string]*sdk.Stacked{
		"a/summary": {Epochs: []int{1, 2, 3}, Arrays: map[string]*sdk.Tensor{"loss": sdk.FromFloat64([]float64{3, 2, 1})}},
		"b":         {Epochs: []int{1}, Arrays: map[string]*sdk.Tensor{"x": sdk.NewTensor(sdk.Float32, 300, 300)}},
	}
	out, err := c.AnalyzeAcross(context.Background(), &sdk.Run{}, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := out["weighted"].Float64s(); fmt.Sprint(got) != "[3 4 3]" {
		t.Fatalf("weighted = %v", got)
	}
	if _, err := c.Analyze(context.Background(), &sdk.Checkpoint{}); err == nil {
		t.Fatal("Analyze on a cross-epoch analyzer succeeded")
	}
}
