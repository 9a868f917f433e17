package pluginhost

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

// sumHost is a test sdk.Host: the loss is the sum of the replaced "W".
type sumHost struct {
	split sdk.Split
	fail  bool
}

func (h *sumHost) Evaluate(_ context.Context, req sdk.EvalRequest) (*sdk.EvalResult, error) {
	if h.fail {
		return nil, errors.New("no model loaded")
	}
	h.split = req.Split
	var s float64
	for _, v := range req.Replace["W"].AsFloat64() {
		s += v
	}
	return &sdk.EvalResult{Loss: s}, nil
}

func (h *sumHost) Forward(_ context.Context, hooks []string, positions string) (map[string]*sdk.Tensor, error) {
	return map[string]*sdk.Tensor{hooks[0]: sdk.FromInt64([]int64{int64(len(positions))}, 1)}, nil
}

func (h *sumHost) Gradient(context.Context, sdk.GradRequest) (*sdk.GradResult, error) {
	return nil, errors.New("sumHost: no gradient")
}

// TestHostCallbackAcrossProcesses: a plugin process calls the host's
// Evaluate and Forward through the go-plugin broker during Analyze.
func TestHostCallbackAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	a, err := LaunchAnalyzer(ctx, rowSumSpec("callback"), quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rng := rand.New(rand.NewPCG(31, 32))
	for _, rows := range []int{3, 400} { // 400×300 float32 crosses the shared-memory threshold
		host := &sumHost{}
		if err := a.Begin(ctx, &sdk.Run{Host: host}); err != nil {
			t.Fatal(err)
		}
		cp, want := checkpoint(rng, rows, 300)
		res, err := a.Analyze(ctx, cp)
		if err != nil {
			t.Fatal(err)
		}
		var total float64
		for _, v := range want {
			total += float64(v)
		}
		if got := res.Summary["loss"].Float64s()[0]; got != total || host.split != sdk.SplitTrain {
			t.Fatalf("rows %d: loss %v (split %q), want %v", rows, got, host.split, total)
		}
		if got := res.Summary["embed"].Int64s()[0]; got != 4 { // len("last")
			t.Fatalf("Forward reply %v", got)
		}
		if err := a.End(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Begin(ctx, &sdk.Run{Host: &sumHost{fail: true}}); err != nil {
		t.Fatal(err)
	}
	cp, _ := checkpoint(rng, 2, 2)
	if _, err := a.Analyze(ctx, cp); err == nil || !strings.Contains(err.Error(), `plugin "callback": Analyze: host Evaluate:`) || !strings.Contains(err.Error(), "no model loaded") {
		t.Fatalf("failing host: err = %v", err)
	}
}
