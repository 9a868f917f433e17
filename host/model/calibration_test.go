package model

import (
	"github.com/tdw-workbench/tdw/sdk"
)

// calibrationConfig is the 1-layer modular-addition model at prime p.
func calibrationConfig(p int) sdk.ModelConfig {
	return sdk.ModelConfig{NLayers: 1, DModel: 128, NHeads: 4, DHead: 32, DMLP: 512, DVocab: p + 1, DVocabOut: p,
		NCtx: 3, ActFn: ActReLU, Seed: 999}
}

// calibrationData returns every (a, b, =) input at prime p with its label
// (a+b) mod p, row k = (a = k/p, b = k%p).
func calibrationData(p int) sdk.Dataset {
	tok := make([]int64, 0, p*p*3)
	lab := make([]int64, 0, p*p)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			tok = append(tok, int64(a), int64(b), int64(p))
			lab = append(lab, int64((a+b)%p))
		}
	}
	return sdk.Dataset{Tokens: sdk.FromInt64(tok, p*p, 3), Labels: sdk.FromInt64(lab, p*p)}
}

// firstRows returns the first k rows of ds.
func firstRows(ds sdk.Dataset, k int) sdk.Dataset {
	n := ds.Tokens.Shape()[1]
	return sdk.Dataset{
		Tokens: sdk.FromInt64(ds.Tokens.Int64s()[:k*n], k, n),
		Labels: sdk.FromInt64(ds.Labels.Int64s()[:k], k),
	}
}

// calibrationFrozen freezes every bias, as the reference project does.
var calibrationFrozen = []string{"*.b_*", "blocks.*.attn.b_*", "blocks.*.mlp.b_*"}

// calibrationTrain is the reference project's optimizer.
var calibrationTrain = TrainConfig{
	AdamW:  AdamW{LR: 1e-3, Beta1: 0.9, Beta2: 0.98, Eps: 1e-8, WeightDecay: 1},
	Frozen: calibrationFrozen,
}
