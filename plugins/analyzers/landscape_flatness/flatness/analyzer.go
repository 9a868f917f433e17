// Package flatness is the landscape_flatness analyzer: how much the loss
// changes when the weights move a fixed small distance ε in random
// directions. Flat basins barely change; sharp ones change a lot. The loss is
// evaluated by the host (sdk.Host.Evaluate), so the analyzer works on any
// model the engine runs.
package flatness

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "landscape_flatness"
	Version = "0.1.0"
)

// Analyzer implements sdk.Analyzer. Per checkpoint it draws Directions unit
// vectors u over the concatenation of the perturbed weights (Gaussian,
// normalized), asks the host for the loss at θ + ε·u, and records
// delta_losses[i] = L(θ + ε·u_i) − L(θ).
type Analyzer struct {
	set  Settings
	host sdk.Host
}

// New returns a landscape_flatness analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin reads the settings and keeps the host callback, which is required.
func (a *Analyzer) Begin(_ context.Context, run *sdk.Run) error {
	s, err := ParseSettings(run.Settings)
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	if run.Host == nil {
		return fmt.Errorf("%s: needs the host callback to evaluate the loss, and the run offers none", Name)
	}
	a.set, a.host = s, run.Host
	return nil
}

// IsBias reports whether a state-dict name is a bias: b_* (TransformerLens
// attention, MLP and unembedding biases) or a LayerNorm's b.
func IsBias(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	return last == "b" || strings.HasPrefix(last, "b_")
}

// isBuffer reports whether name is a TransformerLens buffer, not a parameter.
func isBuffer(name string) bool {
	return strings.HasSuffix(name, ".attn.mask") || strings.HasSuffix(name, ".attn.IGNORE")
}

// target is one perturbed weight: its base values and the tensor sent to the
// host, rewritten for every direction.
type target struct {
	name string
	base []float64
	out  *sdk.Tensor
}

func (a *Analyzer) targets(cp *sdk.Checkpoint) ([]target, int, error) {
	names := make([]string, 0, len(cp.Weights))
	for name := range cp.Weights {
		if isBuffer(name) || (!a.set.IncludeBiases && IsBias(name)) {
			continue
		}
		names = append(names, name)
	}
	// Sorted, so that a direction's coordinates map to the same weights
	// whatever order the map iterates in.
	sort.Strings(names)
	ts := make([]target, 0, len(names))
	total := 0
	for _, name := range names {
		w := cp.Weights[name]
		if w.DType() != sdk.Float32 && w.DType() != sdk.Float64 {
			return nil, 0, fmt.Errorf("weight %s is %s; only float32 and float64 weights can be perturbed", name, w)
		}
		base := w.AsFloat64()
		for i, v := range base {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, fmt.Errorf("weight %s holds %v at flat index %d", name, v, i)
			}
		}
		ts = append(ts, target{name: name, base: base, out: sdk.NewTensor(w.DType(), w.Shape()...)})
		total += len(base)
	}
	if total == 0 {
		return nil, 0, fmt.Errorf("no weights to perturb (received %d tensors)", len(cp.Weights))
	}
	return ts, total, nil
}

// Analyze measures the loss change along the seeded random directions.
func (a *Analyzer) Analyze(ctx context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	if a.host == nil {
		return nil, fmt.Errorf("%s: Analyze before Begin", Name)
	}
	fail := func(err error) (*sdk.Result, error) {
		return nil, fmt.Errorf("%s: epoch %d: %w", Name, cp.Epoch, err)
	}
	ts, total, err := a.targets(cp)
	if err != nil {
		return fail(err)
	}
	base, err := a.host.Evaluate(ctx, sdk.EvalRequest{Split: a.set.Split})
	if err != nil {
		return fail(fmt.Errorf("baseline loss from the host: %w", err))
	}
	if math.IsNaN(base.Loss) || math.IsInf(base.Loss, 0) {
		return fail(fmt.Errorf("host returned baseline loss %v", base.Loss))
	}
	dir := make([]float64, total)
	deltas := make([]float64, a.set.Directions)
	replace := make(map[string]*sdk.Tensor, len(ts))
	for _, t := range ts {
		replace[t.name] = t.out
	}
	for i := range deltas {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		Direction(dir, a.set.Seed, i)
		off := 0
		for _, t := range ts {
			d := dir[off : off+len(t.base)]
			off += len(t.base)
			switch t.out.DType() {
			case sdk.Float32:
				o := t.out.Float32s()
				for j, v := range t.base {
					o[j] = float32(v + a.set.Epsilon*d[j])
				}
			case sdk.Float64:
				o := t.out.Float64s()
				for j, v := range t.base {
					o[j] = v + a.set.Epsilon*d[j]
				}
			}
		}
		r, err := a.host.Evaluate(ctx, sdk.EvalRequest{Replace: replace, Split: a.set.Split})
		if err != nil {
			return fail(fmt.Errorf("loss along direction %d from the host: %w", i, err))
		}
		deltas[i] = r.Loss - base.Loss
	}
	st := Summarize(deltas, base.Loss)
	return &sdk.Result{
		Arrays: map[string]*sdk.Tensor{
			"delta_losses":  sdk.FromFloat64(deltas, len(deltas)),
			"baseline_loss": sdk.Scalar(base.Loss),
			"epsilon":       sdk.Scalar(a.set.Epsilon),
		},
		Summary: st.Tensors(),
	}, nil
}

// Direction fills dst with the unit vector number i of the stream seed: i.i.d.
// standard normals from PCG(seed, i), divided by their L2 norm. It panics if
// dst is empty.
func Direction(dst []float64, seed, i int) {
	if len(dst) == 0 {
		panic("flatness: empty direction")
	}
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(i)))
	var ss float64
	for j := range dst {
		v := rng.NormFloat64()
		dst[j] = v
		ss += v * v
	}
	inv := 1 / math.Sqrt(ss)
	for j := range dst {
		dst[j] *= inv
	}
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }
