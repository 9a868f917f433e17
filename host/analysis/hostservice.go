package analysis

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/sdk"
)

// hostService is the sdk.Host that plugins call back during a run. It
// evaluates the checkpoint being analyzed: the run sets it before handing a
// checkpoint to the analyzers and clears it after they all return.
type hostService struct {
	mu      sync.Mutex
	callMu  sync.Mutex // one callback computes at a time: the engine's passes use both cores already
	current *model.Model
	epoch   int
	eval    *model.Evaluator // kept across callbacks: its runners' buffers are reused
	probe   sdk.Dataset
	splits  map[sdk.Split]sdk.Dataset
}

var _ sdk.Host = (*hostService)(nil)

// newHostService prepares the run's probe ("all") and the train/test
// splits once per run: the rows of base, the variant's default probe, that
// metadata.json's indices name (for the default probe base is the probe).
func newHostService(probe, base sdk.Dataset, trainRows, testRows []int) (*hostService, error) {
	h := &hostService{probe: probe, splits: map[sdk.Split]sdk.Dataset{sdk.SplitAll: probe}}
	for split, rows := range map[sdk.Split][]int{sdk.SplitTrain: trainRows, sdk.SplitTest: testRows} {
		if len(rows) == 0 {
			continue
		}
		ds, err := subset(base, rows)
		if err != nil {
			return nil, fmt.Errorf("%s split: %w", split, err)
		}
		h.splits[split] = ds
	}
	return h, nil
}

// subset takes rows of a dataset.
func subset(ds sdk.Dataset, rows []int) (sdk.Dataset, error) {
	shape := ds.Tokens.Shape()
	if len(shape) != 2 {
		return sdk.Dataset{}, fmt.Errorf("probe tokens are %s, want [batch, pos]", ds.Tokens)
	}
	B, n := shape[0], shape[1]
	tok := ds.Tokens.AsFloat64()
	lab := ds.Labels.AsFloat64()
	t := make([]int64, 0, len(rows)*n)
	l := make([]int64, 0, len(rows))
	for _, r := range rows {
		if r < 0 || r >= B {
			return sdk.Dataset{}, fmt.Errorf("row %d outside the probe's %d rows", r, B)
		}
		for j := 0; j < n; j++ {
			t = append(t, int64(tok[r*n+j]))
		}
		l = append(l, int64(lab[r]))
	}
	return sdk.Dataset{Tokens: sdk.FromInt64(t, len(rows), n), Labels: sdk.FromInt64(l, len(rows))}, nil
}

func (h *hostService) set(m *model.Model, epoch int) {
	h.mu.Lock()
	h.current, h.epoch = m, epoch
	h.mu.Unlock()
}

func (h *hostService) model() (*model.Model, int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.current == nil {
		return nil, 0, fmt.Errorf("no checkpoint is being analyzed")
	}
	return h.current, h.epoch, nil
}

// split returns the probe rows of a split ("" is all).
func (h *hostService) split(split sdk.Split) (sdk.Dataset, error) {
	if split == "" {
		split = sdk.SplitAll
	}
	ds, ok := h.splits[split]
	if !ok {
		return sdk.Dataset{}, fmt.Errorf("split %q is not known for this variant (have all, and train/test when metadata.json records them)", split)
	}
	if ds.Labels == nil {
		return sdk.Dataset{}, fmt.Errorf("split %q: the run's probe has no labels (it was added without them), so there is no loss over it; use split train or test", split)
	}
	return ds, nil
}

// Evaluate implements sdk.Host: the loss and accuracy of the current
// checkpoint with some weights replaced. The checkpoint itself is not changed.
func (h *hostService) Evaluate(ctx context.Context, req sdk.EvalRequest) (*sdk.EvalResult, error) {
	m, epoch, err := h.model()
	if err != nil {
		return nil, err
	}
	h.callMu.Lock()
	defer h.callMu.Unlock()
	ds, err := h.split(req.Split)
	if err != nil {
		return nil, err
	}
	sd := m.StateDict()
	for name, t := range req.Replace {
		old, ok := sd[name]
		if !ok {
			return nil, fmt.Errorf("evaluate epoch %d: replaced weight %q is not a parameter of the model", epoch, name)
		}
		if !slices.Equal(old.Shape(), t.Shape()) {
			return nil, fmt.Errorf("evaluate epoch %d: replacement for %s is %s, the parameter is %s", epoch, name, t, old)
		}
	}
	// A copy of the parameters: analyzers evaluating at once never see each
	// other's replacements, and the checkpoint stays as loaded.
	repl := make(map[string]*sdk.Tensor, len(sd))
	for name, t := range sd {
		if r, ok := req.Replace[name]; ok {
			repl[name] = sdk.FromFloat32(append([]float32(nil), r.AsFloat32()...), r.Shape()...)
		} else {
			repl[name] = t
		}
	}
	pm, err := model.FromStateDict(m.Config, repl)
	if err != nil {
		return nil, fmt.Errorf("evaluate epoch %d: %w", epoch, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if h.eval == nil {
		h.eval = model.NewEvaluator(m.Config)
	}
	loss, acc, err := h.eval.Evaluate(pm, ds, model.PosLast)
	if err != nil {
		return nil, fmt.Errorf("evaluate epoch %d: %w", epoch, err)
	}
	res := &sdk.EvalResult{Loss: loss, Accuracy: acc}
	if req.ReturnLogits {
		c, err := pm.Forward(ds.Tokens, model.ForwardOptions{Logits: model.PosLast})
		if err != nil {
			return nil, fmt.Errorf("evaluate epoch %d: %w", epoch, err)
		}
		res.Logits = c.Logits
	}
	return res, nil
}

// Forward implements sdk.Host: hooks of the current checkpoint over the probe.
func (h *hostService) Forward(ctx context.Context, hooks []string, positions string) (map[string]*sdk.Tensor, error) {
	m, epoch, err := h.model()
	if err != nil {
		return nil, err
	}
	h.callMu.Lock()
	defer h.callMu.Unlock()
	pos, err := model.ParsePositions(positions)
	if err != nil {
		return nil, fmt.Errorf("forward epoch %d: %w", epoch, err)
	}
	opts := model.ForwardOptions{Logits: pos}
	wantLogits := false
	for _, name := range hooks {
		if name == "logits" {
			wantLogits = true
			continue
		}
		opts.Hooks = append(opts.Hooks, model.HookRequest{Pattern: name, Positions: pos})
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := m.Forward(h.probe.Tokens, opts)
	if err != nil {
		return nil, fmt.Errorf("forward epoch %d: %w", epoch, err)
	}
	out := c.Hooks
	if out == nil {
		out = map[string]*sdk.Tensor{}
	}
	if wantLogits {
		out["logits"] = c.Logits
	}
	return out, nil
}

// Gradient implements sdk.Host: d(mean cross-entropy on the split)/dW of the
// current checkpoint for the named weights (all when none are named), by the
// engine's backward pass (the one training uses). No optimizer step is taken;
// the checkpoint is not changed.
func (h *hostService) Gradient(ctx context.Context, req sdk.GradRequest) (*sdk.GradResult, error) {
	m, epoch, err := h.model()
	if err != nil {
		return nil, err
	}
	h.callMu.Lock()
	defer h.callMu.Unlock()
	ds, err := h.split(req.Split)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if h.eval == nil {
		h.eval = model.NewEvaluator(m.Config)
	}
	loss, grads, err := h.eval.Gradient(m, ds, model.PosLast, req.Names)
	if err != nil {
		return nil, fmt.Errorf("gradient epoch %d: %w", epoch, err)
	}
	return &sdk.GradResult{Loss: loss, Grads: grads}, nil
}
