package model

import (
	"math/rand/v2"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func TestEvaluatorMatchesEvaluate(t *testing.T) {
	c := sdk.ModelConfig{NLayers: 1, DModel: 16, NHeads: 2, DHead: 8, DMLP: 32, DVocab: 12, DVocabOut: 11, NCtx: 3, ActFn: ActReLU, Seed: 7}
	rng := rand.New(rand.NewPCG(1, 2))
	const B = 50
	tok := make([]int64, B*3)
	lab := make([]int64, B)
	for i := range tok {
		tok[i] = int64(rng.IntN(12))
	}
	for i := range lab {
		lab[i] = int64(rng.IntN(11))
	}
	ds := sdk.Dataset{Tokens: sdk.FromInt64(tok, B, 3), Labels: sdk.FromInt64(lab, B)}
	ev := NewEvaluator(c)
	for seed := int64(1); seed <= 3; seed++ {
		c.Seed = seed
		m, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		wantL, wantA, err := Evaluate(m, ds, PosLast)
		if err != nil {
			t.Fatal(err)
		}
		gotL, gotA, err := ev.Evaluate(m, ds, PosLast)
		if err != nil {
			t.Fatal(err)
		}
		if gotL != wantL || gotA != wantA {
			t.Errorf("seed %d: Evaluator gives (%v, %v), Evaluate (%v, %v)", seed, gotL, gotA, wantL, wantA)
		}
	}
	if len(ev.cache) != 1 {
		t.Errorf("Evaluator holds %d runners, want 1 reused", len(ev.cache))
	}
}
