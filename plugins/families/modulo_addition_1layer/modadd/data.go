package modadd

import "github.com/tdw-workbench/tdw/sdk"

// NCtx is the sequence length: tokens [a, b, =].
const NCtx = 3

// Grid returns the full input grid of p² rows, row k = (a = k/p, b = k%p),
// as tokens [a, b, p] (p is the "=" token) and labels (a+b) mod p.
func Grid(p int) sdk.Dataset {
	n := p * p
	tok := make([]int64, n*NCtx)
	lab := make([]int64, n)
	for k := 0; k < n; k++ {
		a, b := k/p, k%p
		tok[k*NCtx], tok[k*NCtx+1], tok[k*NCtx+2] = int64(a), int64(b), int64(p)
		lab[k] = int64((a + b) % p)
	}
	return sdk.Dataset{Tokens: sdk.FromInt64(tok, n, NCtx), Labels: sdk.FromInt64(lab, n)}
}

// Split returns the training rows (the first NumTrain entries of the
// data_seed permutation of 0..p²-1, in permutation order) and the test rows
// (the rest, in permutation order).
func Split(ps Params) (train, test []int) {
	perm := Permutation(ps.Prime*ps.Prime, ps.DataSeed)
	n := ps.NumTrain()
	return perm[:n:n], perm[n:]
}

// TrainMask returns, for every grid row, whether it is in the training split.
func TrainMask(ps Params) []bool {
	train, _ := Split(ps)
	mask := make([]bool, ps.Prime*ps.Prime)
	for _, k := range train {
		mask[k] = true
	}
	return mask
}

// rows gathers the given grid rows into a new Dataset.
func rows(grid sdk.Dataset, idx []int) sdk.Dataset {
	tok, lab := grid.Tokens.Int64s(), grid.Labels.Int64s()
	outTok := make([]int64, len(idx)*NCtx)
	outLab := make([]int64, len(idx))
	for i, k := range idx {
		copy(outTok[i*NCtx:(i+1)*NCtx], tok[k*NCtx:(k+1)*NCtx])
		outLab[i] = lab[k]
	}
	return sdk.Dataset{Tokens: sdk.FromInt64(outTok, len(idx), NCtx), Labels: sdk.FromInt64(outLab, len(idx))}
}
