package inputtrace

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/sdk"
)

// modAdd builds the modular-addition context for p with a seeded split.
func modAdd(rng *rand.Rand, p int, frac float64) (labels []int64, train []bool) {
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			labels = append(labels, int64((a+b)%p))
			train = append(train, rng.Float64() < frac)
		}
	}
	return labels, train
}

func runFor(labels []int64, train []bool) *sdk.Run {
	return &sdk.Run{Context: map[string]*sdk.Tensor{
		"labels":     sdk.FromInt64(labels, len(labels)),
		"train_mask": sdk.FromBool(train, len(train)),
	}}
}

// TestKnownTrace builds logits with a known prediction and confidence per
// input: the predicted class gets logit log(c·(V-1)/(1-c)) over zeros, so
// its softmax probability is exactly c.
func TestKnownTrace(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	const p = 7
	labels, train := modAdd(rng, p, 0.4)
	n := len(labels)
	logits := make([]float32, n*p)
	wantPred := make([]int32, n)
	wantConf := make([]float64, n)
	// Wrong on every input whose a is 0 (row < p): residue classes lose
	// exactly one input each.
	for i := 0; i < n; i++ {
		pred := int(labels[i])
		if i < p {
			pred = (pred + 1) % p
		}
		c := 0.2 + 0.7*rng.Float64()
		logits[i*p+pred] = float32(math.Log(c * (p - 1) / (1 - c)))
		wantPred[i], wantConf[i] = int32(pred), c
	}
	a := New()
	if err := a.Begin(context.Background(), runFor(labels, train)); err != nil {
		t.Fatal(err)
	}
	res, err := a.Analyze(context.Background(), &sdk.Checkpoint{Logits: sdk.FromFloat32(logits, n, p)})
	if err != nil {
		t.Fatal(err)
	}
	pred := res.Arrays["predictions"].Int32s()
	corr := res.Arrays["correct"].Uint8s()
	conf := res.Arrays["confidence"].Float16Bits()
	split := res.Arrays["split"].Uint8s()
	for i := 0; i < n; i++ {
		if pred[i] != wantPred[i] {
			t.Fatalf("prediction %d = %d, want %d", i, pred[i], wantPred[i])
		}
		if (corr[i] == 1) != (i >= p) {
			t.Fatalf("correct %d = %d", i, corr[i])
		}
		if c := float64(sdk.Float16ToFloat32(conf[i])); !scalar.EqualWithinAbsOrRel(c, wantConf[i], 1e-3, 0) {
			t.Fatalf("confidence %d = %v, want %v", i, c, wantConf[i])
		}
		if (split[i] == 1) != train[i] {
			t.Fatalf("split %d = %d", i, split[i])
		}
	}
	// Expected accuracies by counting.
	for _, sp := range []struct {
		prefix string
		in     bool
	}{{"train", true}, {"test", false}} {
		acc := res.Summary[sp.prefix+"_residue_class_accuracy"].Float64s()
		var okAll, nAll int
		for r := 0; r < p; r++ {
			var ok, tot int
			for i := 0; i < n; i++ {
				if train[i] == sp.in && labels[i] == int64(r) {
					tot++
					if i >= p {
						ok++
					}
				}
			}
			okAll += ok
			nAll += tot
			want := math.NaN()
			if tot > 0 {
				want = float64(ok) / float64(tot)
			}
			if !(scalar.EqualWithinAbsOrRel(acc[r], want, 1e-12, 0) || math.IsNaN(want) && math.IsNaN(acc[r])) {
				t.Errorf("%s accuracy of residue %d = %v, want %v", sp.prefix, r, acc[r], want)
			}
		}
		overall := res.Summary[sp.prefix+"_overall_accuracy"].Float64s()[0]
		if !scalar.EqualWithinAbsOrRel(overall, float64(okAll)/float64(nAll), 1e-12, 0) {
			t.Errorf("%s overall accuracy %v, want %v", sp.prefix, overall, float64(okAll)/float64(nAll))
		}
	}
}

func TestEmptySplitIsNaN(t *testing.T) {
	labels := []int64{0, 1, 1}
	a := New()
	if err := a.Begin(context.Background(), runFor(labels, []bool{true, true, true})); err != nil {
		t.Fatal(err)
	}
	res, err := a.Analyze(context.Background(), &sdk.Checkpoint{Logits: sdk.FromFloat32([]float32{1, 0, 0, 0, 1, 0, 0, 0, 1}, 3, 3)})
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Summary["test_overall_accuracy"].Float64s()[0]; !math.IsNaN(v) {
		t.Errorf("test accuracy with no test inputs = %v, want NaN", v)
	}
	tr := res.Summary["train_residue_class_accuracy"].Float64s()
	if tr[0] != 1 || tr[1] != 0.5 || !math.IsNaN(tr[2]) {
		t.Errorf("train per-label accuracy %v, want [1 0.5 NaN]", tr)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	labels := []int64{0, 1}
	train := []bool{true, false}
	for _, tc := range []struct {
		name   string
		run    *sdk.Run
		logits *sdk.Tensor
		want   string
	}{
		{"no labels", &sdk.Run{Context: map[string]*sdk.Tensor{}}, nil, "no labels"},
		{"no mask", &sdk.Run{Context: map[string]*sdk.Tensor{"labels": sdk.FromInt64(labels, 2)}}, nil, "no train_mask"},
		{"mask length", &sdk.Run{Context: map[string]*sdk.Tensor{"labels": sdk.FromInt64(labels, 2), "train_mask": sdk.FromBool([]bool{true}, 1)}}, nil, "train_mask"},
		{"no logits", runFor(labels, train), nil, "no logits"},
		{"all positions", runFor(labels, train), sdk.NewTensor(sdk.Float32, 2, 3, 2), "want last-position"},
		{"label out of range", runFor([]int64{0, 5}, train), sdk.NewTensor(sdk.Float32, 2, 3), "outside the 3 logit classes"},
		{"NaN logit", runFor(labels, train), sdk.FromFloat32([]float32{0, float32(math.NaN()), 0, 0}, 2, 2), "logits[0, 1] is NaN"},
	} {
		a := New()
		err := a.Begin(ctx, tc.run)
		if err == nil {
			_, err = a.Analyze(ctx, &sdk.Checkpoint{Logits: tc.logits})
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func BenchmarkAnalyze(b *testing.B) {
	for _, p := range []int{23, 59, 113} {
		b.Run(fmt.Sprintf("p=%d", p), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, uint64(p)))
			labels, train := modAdd(rng, p, 0.3)
			logits := make([]float32, len(labels)*p)
			for i := range logits {
				logits[i] = float32(rng.NormFloat64())
			}
			a := New()
			if err := a.Begin(context.Background(), runFor(labels, train)); err != nil {
				b.Fatal(err)
			}
			cp := &sdk.Checkpoint{Logits: sdk.FromFloat32(logits, len(labels), p)}
			for b.Loop() {
				if _, err := a.Analyze(context.Background(), cp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
