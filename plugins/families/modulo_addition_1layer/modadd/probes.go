package modadd

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
)

// Probe generators (family.json "probes" name one of them):
//
//	grid         every (a, b) pair, row a·p + b: the default probe, the
//	             probe analyses used before probes were named
//	split        {"split": "train" | "test"}: the rows of that split, in
//	             the order metadata.json's train_indices / test_indices give
//	per_residue  {"per_class": k, "seed": s}: k pairs (a, b) of every
//	             residue class c = (a + b) mod p, classes ascending; class
//	             c's pairs are a = the first k entries of
//	             Permutation(p, s + c), b = (c − a) mod p
const (
	GeneratorGrid       = "grid"
	GeneratorSplit      = "split"
	GeneratorPerResidue = "per_residue"
)

// generators lists what GenerateProbe knows, with the parameters each takes.
var generators = map[string][]string{
	GeneratorGrid:       nil,
	GeneratorSplit:      {"split"},
	GeneratorPerResidue: {"per_class", "seed"},
}

// ProbeGenerators lists the generator names GenerateProbe knows, sorted.
func (*Family) ProbeGenerators() []string {
	out := make([]string, 0, len(generators))
	for g := range generators {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// GenerateProbe returns the probe spec names (see the generators above).
// An unknown generator or parameter, or a value out of range, is an error
// naming the probe and the parameter.
func (*Family) GenerateProbe(_ context.Context, p sdk.Params, spec sdk.ProbeSpec) (*sdk.Dataset, error) {
	ps, err := ParseParams(p)
	if err != nil {
		return nil, err
	}
	ds, err := generate(ps, spec)
	if err != nil {
		return nil, fmt.Errorf("%s: probe %s: %w", Name, spec.Name, err)
	}
	return ds, nil
}

// generate runs one generator for checked domain parameters.
func generate(ps Params, spec sdk.ProbeSpec) (*sdk.Dataset, error) {
	known, ok := generators[spec.Generator]
	if !ok {
		g := make([]string, 0, len(generators))
		for k := range generators {
			g = append(g, k)
		}
		sort.Strings(g)
		return nil, fmt.Errorf("unknown generator %q (known: %s)", spec.Generator, strings.Join(g, ", "))
	}
	for _, n := range spec.Params.Names() {
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("generator %s takes no parameter %q (it takes: %s)", spec.Generator, n, strings.Join(known, ", "))
		}
	}
	grid := Grid(ps.Prime)
	switch spec.Generator {
	case GeneratorSplit:
		which, err := spec.Params.String("split")
		if err != nil {
			return nil, err
		}
		train, test := Split(ps)
		switch which {
		case "train":
			ds := rows(grid, train)
			return &ds, nil
		case "test":
			ds := rows(grid, test)
			return &ds, nil
		}
		return nil, fmt.Errorf("parameter \"split\" is %q, want \"train\" or \"test\"", which)
	case GeneratorPerResidue:
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
		ds := rows(grid, PerResidueRows(ps.Prime, k, int64(seed)))
		return &ds, nil
	}
	return &grid, nil
}

// PerResidueRows returns the grid rows of the per_residue probe: for each
// residue class c = 0..p-1 in turn, the pairs (a, (c − a) mod p) for a the
// first k entries of Permutation(p, seed + c).
func PerResidueRows(p, k int, seed int64) []int {
	out := make([]int, 0, p*k)
	for c := 0; c < p; c++ {
		for _, a := range Permutation(p, seed+int64(c))[:k] {
			b := ((c-a)%p + p) % p
			out = append(out, a*p+b)
		}
	}
	return out
}

// ProbeContext returns the analysis context over probe's rows, each of
// which must be tokens [a, b, =] with a, b in [0, p):
//
//	fourier_basis float64 [p, p]  as AnalysisContext
//	labels        int64   [rows]  (a+b) mod p per row
//	train_mask    bool    [rows]  whether the row's pair is in the training split
//	probe_shape   int64   [2]     [p, p], only when the rows are the full grid in grid order
//
// For the full grid it equals AnalysisContext.
func (*Family) ProbeContext(_ context.Context, p sdk.Params, probe sdk.Probe) (map[string]*sdk.Tensor, error) {
	ps, err := ParseParams(p)
	if err != nil {
		return nil, err
	}
	idx, err := GridRows(ps.Prime, probe.Tokens)
	if err != nil {
		return nil, fmt.Errorf("%s: probe %s: %w", Name, probe.Name, err)
	}
	return GridContext(ps, idx), nil
}

// GridContext returns ProbeContext's entries for probe rows that are the
// grid rows idx (a·p + b, GridRows) of the variant ps: any family over
// modular addition's grid and split shares it, whatever its tokens.
func GridContext(ps Params, idx []int) map[string]*sdk.Tensor {
	n := ps.Prime
	mask := TrainMask(ps)
	labels := make([]int64, len(idx))
	train := make([]bool, len(idx))
	isGrid := len(idx) == n*n
	for i, k := range idx {
		labels[i] = int64((k/n + k%n) % n)
		train[i] = mask[k]
		isGrid = isGrid && k == i
	}
	out := map[string]*sdk.Tensor{
		fourier.ContextKey: fourier.BasisTensor(n),
		"labels":           sdk.FromInt64(labels, len(idx)),
		"train_mask":       sdk.FromBool(train, len(idx)),
	}
	if isGrid {
		out["probe_shape"] = sdk.FromInt64([]int64{int64(n), int64(n)}, 2)
	}
	return out
}

// GridRows returns, for probe tokens int64 [rows, 3] of the form
// [a, b, p], the grid row a·p + b of each; any other row is an error naming
// it.
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
		a, b, eq := tok[i*NCtx], tok[i*NCtx+1], tok[i*NCtx+2]
		if a < 0 || a >= int64(p) || b < 0 || b >= int64(p) || eq != int64(p) {
			return nil, fmt.Errorf("row %d is %v, not [a, b, =] with a, b in [0, %d) and = the token %d", i, tok[i*NCtx:(i+1)*NCtx], p, p)
		}
		out[i] = int(a)*p + int(b)
	}
	return out, nil
}
