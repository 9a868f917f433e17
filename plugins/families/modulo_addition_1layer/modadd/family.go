package modadd

import (
	"context"
	"math"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
)

// Name and Version identify the family; they must match family.json.
const (
	Name    = "modulo_addition_1layer"
	Version = "1.0.0"
)

// Architecture of the calibration model (reference §1).
const (
	DModel = 128
	NHeads = 4
	DHead  = 32
	DMLP   = 512
)

// Family implements sdk.ProbeFamily for modular addition. It holds no state; the
// zero value is ready to use and safe for concurrent use.
type Family struct{}

var _ sdk.ProbeFamily = (*Family)(nil)

// New returns the family.
func New() *Family { return &Family{} }

// Info returns the family's name and version.
func (*Family) Info() sdk.FamilyInfo { return sdk.FamilyInfo{Name: Name, Version: Version} }

// ModelConfig returns the one-layer model for the parameters: vocabulary
// p+1 in (the extra token is "="), p out, no LayerNorm, ReLU MLP, and the
// TransformerLens "gpt2" initializer range 0.8/sqrt(d_model) seeded by seed.
func (*Family) ModelConfig(_ context.Context, p sdk.Params) (sdk.ModelConfig, error) {
	ps, err := ParseParams(p)
	if err != nil {
		return sdk.ModelConfig{}, err
	}
	return ModelConfig(ps), nil
}

// ModelConfig returns the model configuration for checked parameters.
func ModelConfig(ps Params) sdk.ModelConfig {
	return sdk.ModelConfig{
		NLayers:           1,
		DModel:            DModel,
		NHeads:            NHeads,
		DHead:             DHead,
		DMLP:              DMLP,
		DVocab:            ps.Prime + 1,
		DVocabOut:         ps.Prime,
		NCtx:              NCtx,
		ActFn:             "relu",
		NormalizationType: "",
		AttnOnly:          false,
		InitRange:         0.8 / math.Sqrt(DModel),
		Seed:              ps.Seed,
	}
}

// TrainingData returns the data_seed split of the full grid.
func (*Family) TrainingData(_ context.Context, p sdk.Params) (*sdk.TrainingData, error) {
	ps, err := ParseParams(p)
	if err != nil {
		return nil, err
	}
	grid := Grid(ps.Prime)
	train, test := Split(ps)
	return &sdk.TrainingData{
		Train:        rows(grid, train),
		Test:         rows(grid, test),
		TrainIndices: train,
		TestIndices:  test,
	}, nil
}

// Probe returns the full p×p grid with its labels, row k = (k/p, k%p): the
// "grid" generator's probe, the family's default.
func (*Family) Probe(_ context.Context, p sdk.Params) (*sdk.Dataset, error) {
	ps, err := ParseParams(p)
	if err != nil {
		return nil, err
	}
	g := Grid(ps.Prime)
	return &g, nil
}

// AnalysisContext returns, over the probe grid:
//
//	fourier_basis float64 [p, p]  orthonormal Fourier basis (sdk/fourier; row 0 constant, then cos k, sin k)
//	labels        int64   [p²]    (a+b) mod p per probe row
//	train_mask    bool    [p²]    whether the row is in the training split
//	probe_shape   int64   [2]     [p, p]: the probe's batch axis as an (a, b) grid
func (*Family) AnalysisContext(_ context.Context, p sdk.Params) (map[string]*sdk.Tensor, error) {
	ps, err := ParseParams(p)
	if err != nil {
		return nil, err
	}
	n := ps.Prime
	g := Grid(n)
	return map[string]*sdk.Tensor{
		fourier.ContextKey: fourier.BasisTensor(n),
		"labels":           g.Labels,
		"train_mask":       sdk.FromBool(TrainMask(ps), n*n),
		"probe_shape":      sdk.FromInt64([]int64{int64(n), int64(n)}, 2),
	}, nil
}

// TrainingConfig returns the family's training defaults; they do not depend
// on the parameters beyond checking them.
func (*Family) TrainingConfig(_ context.Context, p sdk.Params) (sdk.TrainingConfig, error) {
	if _, err := ParseParams(p); err != nil {
		return sdk.TrainingConfig{}, err
	}
	return TrainingConfig(), nil
}
