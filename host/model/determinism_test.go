package model

import (
	"bytes"
	"strings"
	"testing"
	"unsafe"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/sdk"
)

func weightBytes(p *Params[float32]) []byte {
	return bytes.Clone(unsafe.Slice((*byte)(unsafe.Pointer(&p.Data[0])), len(p.Data)*4))
}

func trainFor(t *testing.T, c sdk.ModelConfig, tc TrainConfig, ds sdk.Dataset, epochs int) (*Model, *Trainer) {
	t.Helper()
	return trainOn(t, CPU(), c, tc, ds, epochs)
}

// trainOn trains a fresh model of c on backend be.
func trainOn(t *testing.T, be Backend, c sdk.ModelConfig, tc TrainConfig, ds sdk.Dataset, epochs int) (*Model, *Trainer) {
	t.Helper()
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	m.Backend = be
	tr, err := NewTrainer(m, tc)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < epochs; i++ {
		if _, err := tr.Epoch(ds); err != nil {
			t.Fatal(err)
		}
	}
	return m, tr
}

// TestTrainingDeterministicAndResumable checks, on every backend, that the
// same seeds give byte-identical weights, and that training 2k epochs
// straight equals k epochs, an export/import of the optimizer state and
// weights into a fresh model and trainer, then k more — full batch (also 200
// vs 100 + 100 on a narrow model) and minibatch (the last batch smaller).
func TestTrainingDeterministicAndResumable(t *testing.T) {
	c := calibrationConfig(23)
	ds := firstRows(calibrationData(23), 23*23*3/10)
	mini := calibrationTrain
	mini.BatchSize, mini.ShuffleSeed = 40, 5
	// 200 epochs of the calibration model take minutes with pure-Go BLAS; a
	// narrow model of the same shape keeps the long run cheap.
	narrow := c
	narrow.DModel, narrow.DHead, narrow.DMLP = 32, 8, 64
	for _, be := range []Backend{CPU(), Gorgonia()} {
		for _, tc := range []struct {
			name string
			c    sdk.ModelConfig
			tc   TrainConfig
			k    int
		}{{"full", c, calibrationTrain, 4}, {"full_narrow_200", narrow, calibrationTrain, 100}, {"minibatch", c, mini, 4}} {
			t.Run(be.Name()+"/"+tc.name, func(t *testing.T) { checkResumable(t, be, tc.c, tc.tc, ds, tc.k) })
		}
	}
}

// checkResumable trains 2k epochs twice and k + resume + k once on be.
func checkResumable(t *testing.T, be Backend, c sdk.ModelConfig, tc TrainConfig, ds sdk.Dataset, k int) {
	a, _ := trainOn(t, be, c, tc, ds, 2*k)
	b, _ := trainOn(t, be, c, tc, ds, 2*k)
	if !bytes.Equal(weightBytes(a.Params), weightBytes(b.Params)) {
		t.Fatal("same seeds gave different weights")
	}
	half, tr := trainOn(t, be, c, tc, ds, k)
	st := tr.OptimizerState()
	sd := map[string]*sdk.Tensor{}
	for k, v := range half.StateDict() {
		sd[k] = v.Clone()
	}
	r, err := FromStateDict(c, sd)
	if err != nil {
		t.Fatal(err)
	}
	r.Backend = be
	rt, err := NewTrainer(r, tc)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.LoadOptimizerState(st); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < k; i++ {
		if _, err := rt.Epoch(ds); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(weightBytes(a.Params), weightBytes(r.Params)) {
		t.Fatal("resumed training differs from straight training")
	}
	if bytes.Equal(weightBytes(a.Params), weightBytes(half.Params)) {
		t.Fatal("training did not change the weights")
	}
}

// TestTrainingLearns trains the calibration model at p=13 and checks that the
// train loss falls and that Evaluate agrees with the training loss before a
// step.
func TestTrainingLearns(t *testing.T) {
	c := calibrationConfig(13)
	ds := calibrationData(13)
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	tc := calibrationTrain
	tc.WeightDecay = 0
	tr, err := NewTrainer(m, tc)
	if err != nil {
		t.Fatal(err)
	}
	evalLoss, _, err := tr.Evaluate(ds)
	if err != nil {
		t.Fatal(err)
	}
	first, err := tr.Epoch(ds)
	if err != nil {
		t.Fatal(err)
	}
	if !scalar.EqualWithinAbsOrRel(first, evalLoss, 0, 1e-9) {
		t.Errorf("first train loss %v, Evaluate before it %v", first, evalLoss)
	}
	var last float64
	for i := 0; i < 60; i++ {
		if last, err = tr.Epoch(ds); err != nil {
			t.Fatal(err)
		}
	}
	_, acc, err := tr.Evaluate(ds)
	if err != nil {
		t.Fatal(err)
	}
	if !(last < first/4) || acc < 0.5 {
		t.Errorf("loss %v → %v, accuracy %v: not learning", first, last, acc)
	}
}

func TestLoadOptimizerStateRejects(t *testing.T) {
	c := calibrationConfig(7)
	_, tr := trainFor(t, c, calibrationTrain, calibrationData(7), 1)
	cases := []struct {
		edit func(*OptimizerState)
		want string
	}{
		{func(s *OptimizerState) { delete(s.ExpAvg, "embed.W_E") }, `missing exp_avg of "embed.W_E"`},
		{func(s *OptimizerState) { s.ExpAvgSq["unembed.W_U"] = sdk.NewTensor(sdk.Float32, 3) }, `exp_avg_sq of "unembed.W_U" is float32(3,)`},
		{func(s *OptimizerState) { s.ExpAvg["unembed.b_U"] = sdk.NewTensor(sdk.Float32, 7) }, `"unembed.b_U", which is not a trainable`},
		{func(s *OptimizerState) { s.ExpAvg["nope"] = sdk.NewTensor(sdk.Float32, 7) }, `"nope", which is not`},
		{func(s *OptimizerState) { s.Step = -1 }, "step -1"},
	}
	for _, tc := range cases {
		st := tr.OptimizerState()
		tc.edit(&st)
		if err := tr.LoadOptimizerState(st); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}

// TestTrainingLossAtAllPositions trains with labels at every position and
// checks the first loss against Evaluate at every position and that the loss
// falls.
func TestTrainingLossAtAllPositions(t *testing.T) {
	c := tinyConfig(2, true, ActGELU, false)
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	tok := sdk.FromInt64([]int64{1, 2, 3, 4, 6, 5, 0, 2, 3, 3, 1, 0}, 3, 4)
	lab := sdk.FromInt64([]int64{0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1}, 3, 4)
	ds := sdk.Dataset{Tokens: tok, Labels: lab}
	tr, err := NewTrainer(m, TrainConfig{AdamW: AdamW{LR: 1e-2, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8}, LossAllPositions: true})
	if err != nil {
		t.Fatal(err)
	}
	before, _, err := tr.Evaluate(ds)
	if err != nil {
		t.Fatal(err)
	}
	first, err := tr.Epoch(ds)
	if err != nil {
		t.Fatal(err)
	}
	if !scalar.EqualWithinAbsOrRel(first, before, 0, 1e-9) {
		t.Errorf("first loss %v, Evaluate %v", first, before)
	}
	var last float64
	for i := 0; i < 30; i++ {
		last, _ = tr.Epoch(ds)
	}
	if !(last < first/2) {
		t.Errorf("loss %v → %v", first, last)
	}
	if _, err := tr.Epoch(sdk.Dataset{Tokens: tok, Labels: sdk.FromInt64([]int64{0, 1, 2}, 3)}); err == nil || !strings.Contains(err.Error(), "want int64(3, 4)") {
		t.Errorf("labels of the wrong shape: %v", err)
	}
}
