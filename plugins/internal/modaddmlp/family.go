// Package modaddmlp is the modular-addition task for the engine's
// architecture "mlp" models, shared by the two MLP family plugins
// (modulo_addition_2layer_mlp: one-hot a ⊕ b; modulo_addition_learned_emb_mlp:
// two learned embeddings summed). A Spec says which; Family serves it.
//
// Inputs are the token pair [a, b] (n_ctx 2, d_vocab p, no "=" token),
// labels (a + b) mod p. The split and the probe generators are the 1-layer
// family's (modadd): the same data_seed gives the same pairs for training,
// and probe rows are numbered a·p + b as there.
package modaddmlp

import (
	"context"
	"fmt"

	"slices"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

// NCtx is the sequence length: the pair [a, b].
const NCtx = 2

// Spec is one MLP family: its identity, model and reference training
// defaults.
type Spec struct {
	Name, Version string
	// InputEncoding and DEmbed are the model's (sdk.ModelConfig).
	InputEncoding string
	DEmbed        int
	DMLP          int
	// DefaultTrainFraction is the train_fraction a variant gets when it
	// names none.
	DefaultTrainFraction float64
	// LR, WeightDecay and Epochs are the reference hyperparameters; Schedule
	// is the checkpoint epochs for Epochs.
	LR, WeightDecay float64
	Epochs          int
	Schedule        []int
}

// Family implements sdk.ProbeFamily for one Spec; it holds no other state
// and is safe for concurrent use.
type Family struct{ s Spec }

var _ sdk.ProbeFamily = (*Family)(nil)

// New returns the family of s.
func New(s Spec) *Family { return &Family{s: s} }

// Info returns the family's name and version.
func (f *Family) Info() sdk.FamilyInfo { return sdk.FamilyInfo{Name: f.s.Name, Version: f.s.Version} }

// Params are the domain parameters, checked.
type Params struct {
	modadd.Params
}

var known = []string{"prime", "seed", "data_seed", "train_fraction"}

// ParseParams reads and checks the domain parameters as the 1-layer family
// does (a missing one takes its default; an unknown name, a wrong type, a
// prime that is not prime or out of range, a train_fraction leaving an
// empty split are errors naming the family and the parameter).
func (f *Family) ParseParams(p sdk.Params) (Params, error) {
	for _, name := range p.Names() {
		if !slices.Contains(known, name) {
			return Params{}, fmt.Errorf("%s: unknown parameter %q (known: %s)", f.s.Name, name, strings.Join(known, ", "))
		}
	}
	q := sdk.Params{}
	for k, v := range p {
		q[k] = v
	}
	if _, ok := q["train_fraction"]; !ok {
		q["train_fraction"] = f.s.DefaultTrainFraction
	}
	ps, err := modadd.ParseParams(q)
	if err != nil {
		return Params{}, fmt.Errorf("%s: %s", f.s.Name, strings.TrimPrefix(err.Error(), modadd.Name+": "))
	}
	return Params{ps}, nil
}

// ModelConfig returns the MLP for the parameters: d_vocab = d_vocab_out =
// p, one hidden ReLU layer of DMLP units, PyTorch's default initialization
// seeded by seed.
func (f *Family) ModelConfig(_ context.Context, p sdk.Params) (sdk.ModelConfig, error) {
	ps, err := f.ParseParams(p)
	if err != nil {
		return sdk.ModelConfig{}, err
	}
	return f.Config(ps), nil
}

// Config returns the model configuration for checked parameters.
func (f *Family) Config(ps Params) sdk.ModelConfig {
	return sdk.ModelConfig{
		Architecture: "mlp", InputEncoding: f.s.InputEncoding, DEmbed: f.s.DEmbed,
		NLayers: 1, DMLP: f.s.DMLP, DVocab: ps.Prime, DVocabOut: ps.Prime, NCtx: NCtx,
		ActFn: "relu", Seed: ps.Seed,
	}
}

// Grid returns every pair, row k = (a = k/p, b = k%p), tokens [a, b],
// labels (a+b) mod p.
func Grid(p int) sdk.Dataset {
	n := p * p
	tok, lab := make([]int64, n*NCtx), make([]int64, n)
	for k := 0; k < n; k++ {
		a, b := k/p, k%p
		tok[k*NCtx], tok[k*NCtx+1] = int64(a), int64(b)
		lab[k] = int64((a + b) % p)
	}
	return sdk.Dataset{Tokens: sdk.FromInt64(tok, n, NCtx), Labels: sdk.FromInt64(lab, n)}
}

// rows gathers grid rows into a new Dataset.
func rows(grid sdk.Dataset, idx []int) sdk.Dataset {
	tok, lab := grid.Tokens.Int64s(), grid.Labels.Int64s()
	outTok, outLab := make([]int64, len(idx)*NCtx), make([]int64, len(idx))
	for i, k := range idx {
		copy(outTok[i*NCtx:(i+1)*NCtx], tok[k*NCtx:(k+1)*NCtx])
		outLab[i] = lab[k]
	}
	return sdk.Dataset{Tokens: sdk.FromInt64(outTok, len(idx), NCtx), Labels: sdk.FromInt64(outLab, len(idx))}
}

// TrainingData returns the data_seed split of the grid (modadd.Split).
func (f *Family) TrainingData(_ context.Context, p sdk.Params) (*sdk.TrainingData, error) {
	ps, err := f.ParseParams(p)
	if err != nil {
		return nil, err
	}
	grid := Grid(ps.Prime)
	train, test := modadd.Split(ps.Params)
	return &sdk.TrainingData{Train: rows(grid, train), Test: rows(grid, test), TrainIndices: train, TestIndices: test}, nil
}

// Probe returns the full grid, the default probe.
func (f *Family) Probe(_ context.Context, p sdk.Params) (*sdk.Dataset, error) {
	ps, err := f.ParseParams(p)
	if err != nil {
		return nil, err
	}
	g := Grid(ps.Prime)
	return &g, nil
}

// AnalysisContext is ProbeContext over the full grid: fourier_basis
// float64 [p, p], labels int64 [p²], train_mask bool [p²], probe_shape
// int64 [2] = [p, p].
func (f *Family) AnalysisContext(ctx context.Context, p sdk.Params) (map[string]*sdk.Tensor, error) {
	ps, err := f.ParseParams(p)
	if err != nil {
		return nil, err
	}
	g := Grid(ps.Prime)
	return f.ProbeContext(ctx, p, sdk.Probe{Name: "full_grid", Dataset: g})
}

// TrainingConfig returns the reference defaults: AdamW, full batch, the
// Spec's lr, weight decay, epochs and schedule, nothing frozen (the model
// has no biases), loss at the only output.
func (f *Family) TrainingConfig(_ context.Context, p sdk.Params) (sdk.TrainingConfig, error) {
	if _, err := f.ParseParams(p); err != nil {
		return sdk.TrainingConfig{}, err
	}
	return sdk.TrainingConfig{
		Optimizer: "adamw", LR: f.s.LR, WeightDecay: f.s.WeightDecay, Betas: []float64{0.9, 0.98}, Eps: 1e-8,
		Epochs: f.s.Epochs, Checkpoints: slices.Clone(f.s.Schedule), LossPositions: "last",
	}, nil
}

// Probe generators, as the 1-layer family's (modadd): grid, split
// {"split": "train" | "test"}, per_residue {"per_class": k, "seed": s}.
var generators = map[string][]string{"grid": nil, "split": {"split"}, "per_residue": {"per_class", "seed"}}

// ProbeGenerators lists the generator names, sorted.
func (f *Family) ProbeGenerators() []string {
	out := make([]string, 0, len(generators))
	for g := range generators {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// GenerateProbe returns the probe spec names; errors name the probe and
// the parameter.
func (f *Family) GenerateProbe(_ context.Context, p sdk.Params, spec sdk.ProbeSpec) (*sdk.Dataset, error) {
	ps, err := f.ParseParams(p)
	if err != nil {
		return nil, err
	}
	ds, err := generate(ps, spec)
	if err != nil {
		return nil, fmt.Errorf("%s: probe %s: %w", f.s.Name, spec.Name, err)
	}
	return ds, nil
}

func generate(ps Params, spec sdk.ProbeSpec) (*sdk.Dataset, error) {
	known, ok := generators[spec.Generator]
	if !ok {
		return nil, fmt.Errorf("unknown generator %q (known: grid, per_residue, split)", spec.Generator)
	}
	for _, n := range spec.Params.Names() {
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("generator %s takes no parameter %q (it takes: %s)", spec.Generator, n, strings.Join(known, ", "))
		}
	}
	grid := Grid(ps.Prime)
	var ds sdk.Dataset
	switch spec.Generator {
	case "split":
		which, err := spec.Params.String("split")
		if err != nil {
			return nil, err
		}
		train, test := modadd.Split(ps.Params)
		switch which {
		case "train":
			ds = rows(grid, train)
		case "test":
			ds = rows(grid, test)
		default:
			return nil, fmt.Errorf("parameter \"split\" is %q, want \"train\" or \"test\"", which)
		}
	case "per_residue":
		k, err := spec.Params.Int("per_class")
		if err != nil {
			return nil, err
		}
		if k < 1 || k > ps.Prime {
			return nil, fmt.Errorf("parameter \"per_class\" is %d, outside [1, p = %d]", k, ps.Prime)
		}
		seed, err := spec.Params.Int("seed")
		if err != nil {
			return nil, err
		}
		ds = rows(grid, modadd.PerResidueRows(ps.Prime, k, int64(seed)))
	default:
		ds = grid
	}
	return &ds, nil
}

// ProbeContext returns the analysis context over a probe whose rows are
// pairs [a, b] with a, b in [0, p): fourier_basis float64 [p, p], labels
// int64 [rows], train_mask bool [rows], and probe_shape int64 [2] = [p, p]
// only when the rows are the full grid in grid order.
func (f *Family) ProbeContext(_ context.Context, p sdk.Params, probe sdk.Probe) (map[string]*sdk.Tensor, error) {
	ps, err := f.ParseParams(p)
	if err != nil {
		return nil, err
	}
	idx, err := GridRows(ps.Prime, probe.Tokens)
	if err != nil {
		return nil, fmt.Errorf("%s: probe %s: %w", f.s.Name, probe.Name, err)
	}
	return modadd.GridContext(ps.Params, idx), nil
}

// GridRows returns the grid row a·p + b of each probe row [a, b]; any
// other row is an error naming it.
func GridRows(p int, tokens *sdk.Tensor) ([]int, error) {
	if tokens == nil {
		return nil, fmt.Errorf("no tokens")
	}
	if tokens.DType() != sdk.Int64 || tokens.Rank() != 2 || tokens.Shape()[1] != NCtx {
		return nil, fmt.Errorf("tokens are %v, want int64 [rows, %d]", tokens, NCtx)
	}
	tok := tokens.Int64s()
	out := make([]int, tokens.Shape()[0])
	for i := range out {
		a, b := tok[i*NCtx], tok[i*NCtx+1]
		if a < 0 || a >= int64(p) || b < 0 || b >= int64(p) {
			return nil, fmt.Errorf("row %d is %v, not [a, b] with a, b in [0, %d)", i, tok[i*NCtx:(i+1)*NCtx], p)
		}
		out[i] = int(a)*p + int(b)
	}
	return out, nil
}

// Schedule expands "start:end:step" ranges (inclusive) and appends final:
// the registry's schedule syntax, for the Spec's reference schedule.
func Schedule(ranges [][3]int, final int) []int {
	var out []int
	for _, r := range ranges {
		for e := r[0]; e <= r[1]; e += r[2] {
			out = append(out, e)
		}
	}
	return append(out, final)
}
