// Package trajectory is the parameter_trajectory cross-epoch analyzer: the
// path the model takes through weight space. It reads parameter_snapshot over
// all epochs and returns, for the whole model and for the embedding,
// attention and MLP weights separately, a PCA of the flattened weights over
// epochs (projections and explained variance) and the velocity
// |Δθ| / Δepoch between consecutive checkpoints.
package trajectory

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/stats"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "parameter_trajectory"
	Version = "0.1.0"
	// Input is the artifact the analyzer reads.
	Input = "parameter_snapshot"
	// DefaultComponents is the n_components parameter's default, as in the
	// reference project.
	DefaultComponents = 10
)

// Groups are the weight groups, in output order. "all" holds every array of
// the snapshot; the others select by TransformerLens name.
var Groups = []string{"all", "embedding", "attention", "mlp"}

// InGroup reports whether the state-dict name belongs to the group:
// embedding is embed.*, pos_embed.*, unembed.* and an MLP model's
// embed_a.* and embed_b.*; attention is
// blocks.*.attn.*; mlp is blocks.*.mlp.*. It panics on an unknown group.
func InGroup(group, name string) bool {
	switch group {
	case "all":
		return true
	case "embedding":
		return strings.HasPrefix(name, "embed.") || strings.HasPrefix(name, "pos_embed.") || strings.HasPrefix(name, "unembed.") ||
			strings.HasPrefix(name, "embed_a.") || strings.HasPrefix(name, "embed_b.")
	case "attention":
		return strings.HasPrefix(name, "blocks.") && strings.Contains(name, ".attn.")
	case "mlp":
		return strings.HasPrefix(name, "blocks.") && strings.Contains(name, ".mlp.")
	}
	panic(fmt.Sprintf("trajectory: unknown group %q", group))
}

// Analyzer implements sdk.CrossEpochAnalyzer.
type Analyzer struct{}

// New returns a parameter_trajectory analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.CrossEpoch}
}

// Components reads the n_components parameter (default DefaultComponents).
func Components(p sdk.Params) (int, error) {
	if _, ok := p["n_components"]; !ok {
		return DefaultComponents, nil
	}
	k, err := p.Int("n_components")
	if err != nil {
		return 0, err
	}
	if k < 1 {
		return 0, fmt.Errorf("parameter \"n_components\" is %d, want at least 1", k)
	}
	return k, nil
}

// perArray is one weight's contribution: its centered Gram over epochs and
// its squared displacement between consecutive epochs.
type perArray struct {
	gram *stats.Gram
	step []float64 // |θ_{e+1} − θ_e|² over this weight, len E−1
}

// AnalyzeAcross computes the trajectory outputs; see analyzer.json for the
// arrays. A group with no weights (mlp in an attention-only model) has no
// arrays.
func (a *Analyzer) AnalyzeAcross(ctx context.Context, run *sdk.Run, inputs map[string]*sdk.Stacked) (map[string]*sdk.Tensor, error) {
	fail := func(format string, args ...any) (map[string]*sdk.Tensor, error) {
		return nil, fmt.Errorf("%s: "+format, append([]any{Name}, args...)...)
	}
	k, err := Components(run.Settings)
	if err != nil {
		return fail("%v", err)
	}
	in, ok := inputs[Input]
	if !ok || in == nil {
		return fail("input artifact %s missing", Input)
	}
	n := len(in.Epochs)
	if n == 0 {
		return fail("%s has no epochs", Input)
	}
	for i := 1; i < n; i++ {
		if in.Epochs[i] <= in.Epochs[i-1] {
			return fail("%s epochs not strictly ascending: %d then %d", Input, in.Epochs[i-1], in.Epochs[i])
		}
	}
	names := make([]string, 0, len(in.Arrays))
	for name := range in.Arrays {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return fail("%s has no arrays", Input)
	}
	parts := make(map[string]perArray, len(names))
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := in.Arrays[name]
		if t.Rank() < 1 || t.Shape()[0] != n {
			return fail("%s array %s has shape %s, want a leading axis of %d epochs", Input, name, t.ShapeString(), n)
		}
		p, err := contribution(t, n)
		if err != nil {
			return fail("%s array %s: %v", Input, name, err)
		}
		parts[name] = p
	}
	epochs := make([]int64, n)
	for i, e := range in.Epochs {
		epochs[i] = int64(e)
	}
	out := map[string]*sdk.Tensor{"epochs": sdk.FromInt64(epochs, n)}
	for _, g := range Groups {
		gram := stats.NewGram(n)
		sq := make([]float64, n-1)
		members := 0
		for _, name := range names {
			if !InGroup(g, name) {
				continue
			}
			members++
			p := parts[name]
			gram.AddGram(p.gram)
			for i, v := range p.step {
				sq[i] += v
			}
		}
		if members == 0 {
			continue
		}
		pca, err := stats.GramPCA(gram, k)
		if err != nil {
			return fail("group %s: %v", g, err)
		}
		kk := len(pca.Variance)
		out[g+"__projections"] = sdk.FromFloat64(pca.Scores.RawMatrix().Data, n, kk)
		out[g+"__explained_variance"] = sdk.FromFloat64(pca.Variance, kk)
		out[g+"__explained_variance_ratio"] = sdk.FromFloat64(pca.VarianceRatio, kk)
		vel := make([]float64, n-1)
		for i, v := range sq {
			vel[i] = math.Sqrt(v) / float64(in.Epochs[i+1]-in.Epochs[i])
		}
		out[g+"__velocity"] = sdk.FromFloat64(vel, n-1)
	}
	return out, nil
}

// contribution computes one stacked weight's Gram and step lengths.
func contribution(t *sdk.Tensor, n int) (perArray, error) {
	d := t.Len() / n
	p := perArray{gram: stats.NewGram(n)}
	var err error
	switch t.DType() {
	case sdk.Float64:
		x := t.Float64s()
		if p.step, err = steps(x, n, d); err == nil {
			p.gram.AddFloat64(x, d)
		}
	case sdk.Float32, sdk.Float16, sdk.BFloat16:
		x := t.AsFloat32()
		if p.step, err = steps(x, n, d); err == nil {
			p.gram.AddFloat32(x, d)
		}
	default:
		err = fmt.Errorf("dtype %s is not floating point", t.DType())
	}
	return p, err
}

// steps returns |x_{e+1} − x_e|² for the n rows of d values in x, checking
// that every value is finite.
func steps[T float32 | float64](x []T, n, d int) ([]float64, error) {
	for i, v := range x {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("holds %v at epoch index %d", f, i/d)
		}
	}
	out := make([]float64, n-1)
	for e := range out {
		a, b := x[e*d:(e+1)*d], x[(e+1)*d:(e+2)*d]
		var ss float64
		for j := range a {
			diff := float64(b[j]) - float64(a[j])
			ss += diff * diff
		}
		out[e] = ss
	}
	return out, nil
}
