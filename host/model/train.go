package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path"
	"slices"

	"github.com/tdw-workbench/tdw/sdk"
)

// TrainConfig configures a Trainer.
type TrainConfig struct {
	AdamW
	// BatchSize is the number of sequences per step; 0 or ≥ the data size
	// means full batch (one step per epoch).
	BatchSize int
	// Frozen holds glob patterns (path.Match) of parameter names that are
	// neither updated nor decayed, e.g. "*.b_*" and "unembed.b_U".
	Frozen []string
	// LossAllPositions puts the loss at every position (labels int64
	// [batch, pos]) instead of the default, the last position only (labels
	// int64 [batch]).
	LossAllPositions bool
	// ShuffleSeed seeds the minibatch order; the order of an epoch depends only
	// on it and the optimizer step at the epoch's start, so resuming from an
	// exported state replays it.
	ShuffleSeed uint64
}

func (tc TrainConfig) lossPos() Positions {
	if tc.LossAllPositions {
		return PosAll
	}
	return PosLast
}

// TrainConfigFromSDK converts a family's training defaults. It rejects an
// optimizer other than "adamw", betas that are not two values, and loss
// positions other than "last"/"all" (empty means "last").
func TrainConfigFromSDK(t sdk.TrainingConfig) (TrainConfig, error) {
	if t.Optimizer != "" && t.Optimizer != "adamw" {
		return TrainConfig{}, fmt.Errorf("training config: optimizer %q, only \"adamw\" is supported", t.Optimizer)
	}
	if len(t.Betas) != 2 {
		return TrainConfig{}, fmt.Errorf("training config: betas %v, want two values", t.Betas)
	}
	lp := PosLast
	if t.LossPositions != "" {
		var err error
		if lp, err = ParsePositions(t.LossPositions); err != nil {
			return TrainConfig{}, fmt.Errorf("training config: loss_positions: %w", err)
		}
	}
	return TrainConfig{
		AdamW:     AdamW{LR: t.LR, Beta1: t.Betas[0], Beta2: t.Betas[1], Eps: t.Eps, WeightDecay: t.WeightDecay},
		BatchSize: t.BatchSize, Frozen: t.Frozen, LossAllPositions: lp.Select == AllPositions,
	}, nil
}

// Trainer trains a Model in place with AdamW (PyTorch's rule, decoupled
// weight decay) on mean cross-entropy at the chosen positions, log-softmax in
// float64. Same model, data and config give byte-identical weights on one
// machine.
type Trainer struct {
	m      *Model
	tc     TrainConfig
	frozen map[string]bool
	grads  *Params[float32]
	exp    *Params[float32] // first moments
	expSq  *Params[float32] // second moments
	step   int
	runner Runner
	rB, rn int
	tok    []int64
	lab    []int64
	eval   map[evalKey]Runner

	// dev is runner when it trains on its device (deviceStepper); then
	// devMoments says the device holds the newest AdamW moments.
	dev        deviceStepper
	devMoments bool
}

// NewTrainer validates tc against the model (every Frozen pattern must match
// a parameter) and returns a trainer at step 0 with zero moments.
func NewTrainer(m *Model, tc TrainConfig) (*Trainer, error) {
	o := tc.AdamW
	switch {
	case !(o.LR >= 0) || math.IsInf(o.LR, 0):
		return nil, fmt.Errorf("training config: lr %v must be finite and >= 0", o.LR)
	case !(o.Beta1 >= 0 && o.Beta1 < 1):
		return nil, fmt.Errorf("training config: beta1 %v must be in [0, 1)", o.Beta1)
	case !(o.Beta2 >= 0 && o.Beta2 < 1):
		return nil, fmt.Errorf("training config: beta2 %v must be in [0, 1)", o.Beta2)
	case !(o.Eps > 0):
		return nil, fmt.Errorf("training config: eps %v must be > 0", o.Eps)
	case !(o.WeightDecay >= 0) || math.IsInf(o.WeightDecay, 0):
		return nil, fmt.Errorf("training config: weight_decay %v must be finite and >= 0", o.WeightDecay)
	case tc.BatchSize < 0:
		return nil, fmt.Errorf("training config: batch_size %d must be >= 0", tc.BatchSize)
	}
	if IsMLP(m.Config) && tc.LossAllPositions {
		return nil, fmt.Errorf("training config: loss_positions \"all\": an architecture \"mlp\" model has one output per pair")
	}
	t := &Trainer{m: m, tc: tc, frozen: map[string]bool{}}
	for _, g := range tc.Frozen {
		hit := false
		for _, s := range m.Params.Specs {
			ok, err := path.Match(g, s.Name)
			if err != nil {
				return nil, fmt.Errorf("training config: frozen pattern %q: %w", g, err)
			}
			if ok {
				t.frozen[s.Name], hit = true, true
			}
		}
		if !hit {
			return nil, fmt.Errorf("training config: frozen pattern %q matches no parameter", g)
		}
	}
	t.grads, t.exp, t.expSq = zeroLike(m.Params), zeroLike(m.Params), zeroLike(m.Params)
	return t, nil
}

// Step returns the number of optimizer steps taken.
func (t *Trainer) Step() int { return t.step }

// Frozen reports whether the named parameter is frozen.
func (t *Trainer) Frozen(name string) bool { return t.frozen[name] }

// dataset validates tokens and labels and returns them flat.
func (t *Trainer) dataset(ds sdk.Dataset, what string, pos Positions) (tok, lab []int64, B, n int, err error) {
	c := t.m.Config
	tok, B, n, err = tokenMatrix(c, ds.Tokens, what+" tokens")
	if err != nil {
		return
	}
	if IsMLP(c) && pos.Select != LastPosition {
		return nil, nil, 0, 0, fmt.Errorf("%s: an architecture \"mlp\" model has one output per pair: the loss is at positions \"last\", not %s", what, pos)
	}
	l := ds.Labels
	want := []int{B}
	if pos.Select == AllPositions {
		want = []int{B, n}
	}
	if l == nil || l.DType() != sdk.Int64 || !slices.Equal(l.Shape(), want) {
		got := "none"
		if l != nil {
			got = l.String()
		}
		return nil, nil, 0, 0, fmt.Errorf("%s labels: %s, want int64%s", what, got, sdk.ShapeString(want))
	}
	lab = l.Int64s()
	for i, v := range lab {
		if v < 0 || v >= int64(c.DVocabOut) {
			return nil, nil, 0, 0, fmt.Errorf("%s labels: label %d at %d outside 0..d_vocab_out-1=%d", what, v, i, c.DVocabOut-1)
		}
	}
	return
}

// Epoch runs one pass over ds (tokens int64 [batch, pos]; labels int64 [batch]
// for PosLast or [batch, pos] for PosAll) — one step when full batch — and
// returns the mean training loss, computed by the forward of each step before
// its update, as a PyTorch training loop reports it.
func (t *Trainer) Epoch(ds sdk.Dataset) (float64, error) {
	tok, lab, B, n, err := t.dataset(ds, "train", t.tc.lossPos())
	if err != nil {
		return 0, err
	}
	if B == 0 {
		return 0, fmt.Errorf("train tokens: empty batch")
	}
	bs := t.tc.BatchSize
	if bs <= 0 || bs >= B {
		bs = B
	}
	if t.runner == nil || t.rB != bs || t.rn != n {
		t.syncMoments()
		t.runner = t.m.Backend.NewRunner(t.m.Config, n, bs, RunSpec{Logits: t.tc.lossPos(), Train: true})
		t.rB, t.rn = bs, n
		t.dev, _ = t.runner.(deviceStepper)
		t.devMoments = false
	}
	if t.dev != nil {
		t.deviceBegin()
	}
	lr := 1
	if t.tc.lossPos().Select == AllPositions {
		lr = n
	}
	var order []int
	if bs < B {
		order = rand.New(rand.NewPCG(t.tc.ShuffleSeed, uint64(t.step))).Perm(B)
		t.tok, t.lab = make([]int64, bs*n), make([]int64, bs*lr)
	}
	var total float64
	for off := 0; off < B; off += bs {
		nb := min(bs, B-off)
		bt, bl := tok[off*n:(off+nb)*n], lab[off*lr:(off+nb)*lr]
		if order != nil {
			for i, r := range order[off : off+nb] {
				copy(t.tok[i*n:(i+1)*n], tok[r*n:(r+1)*n])
				copy(t.lab[i*lr:(i+1)*lr], lab[r*lr:(r+1)*lr])
			}
			bt, bl = t.tok[:nb*n], t.lab[:nb*lr]
		}
		if t.dev != nil {
			t.step++
			total += t.dev.step(bt, bl, nb, nb*lr, t.tc.AdamW, t.step, t.frozen)
			continue
		}
		clear(t.grads.Data)
		total += t.runner.Gradient(t.m.Params, bt, bl, nb, nb*lr, t.grads, t.frozen)
		t.update()
	}
	if t.dev != nil {
		t.dev.storeParams(t.m.Params)
	}
	return total / float64(B*lr), nil
}

// update applies one AdamW step to every parameter that is not frozen.
func (t *Trainer) update() {
	t.step++
	p := t.m.Params
	for _, s := range p.Specs {
		if t.frozen[s.Name] {
			continue
		}
		adamwStep(t.tc.AdamW, t.step, p.Get(s.Name), t.grads.Get(s.Name), t.exp.Get(s.Name), t.expSq.Get(s.Name))
	}
}

// Evaluate returns the mean cross-entropy (log-softmax in float64) and the
// accuracy (argmax = label) on ds at the trainer's loss positions, without
// changing anything.
func (t *Trainer) Evaluate(ds sdk.Dataset) (loss, acc float64, err error) {
	if t.eval == nil {
		t.eval = map[evalKey]Runner{}
	}
	return evaluate(t.m, ds, t.tc.lossPos(), t.eval)
}

// Evaluate returns m's mean cross-entropy (log-softmax in float64) and
// accuracy on ds (labels int64 [batch] at the last position for PosLast,
// [batch, pos] for PosAll).
func Evaluate(m *Model, ds sdk.Dataset, pos Positions) (loss, acc float64, err error) {
	return evaluate(m, ds, pos, nil)
}

// evalKey names a forward-only Runner kept between evaluations (a training
// loop evaluates the train and test sets every epoch) by the sizes it was
// made for.
type evalKey struct {
	n, bs int
	pos   Selection
}

// evaluate is Evaluate reusing the runners in cache (which may be nil).
func evaluate(m *Model, ds sdk.Dataset, pos Positions, cache map[evalKey]Runner) (loss, acc float64, err error) {
	if err := pos.kept("eval"); err != nil {
		return 0, 0, err
	}
	t := &Trainer{m: m}
	tok, lab, B, n, err := t.dataset(ds, "eval", pos)
	if err != nil {
		return 0, 0, err
	}
	if B == 0 {
		return 0, 0, fmt.Errorf("eval tokens: empty batch")
	}
	bs := min(B, 4096)
	key := evalKey{n, bs, pos.Select}
	r := cache[key]
	if r == nil {
		r = m.Backend.NewRunner(m.Config, n, bs, RunSpec{Logits: pos})
		if cache != nil {
			cache[key] = r
		}
	}
	V := m.Config.DVocabOut
	var sum float64
	var hit int
	lr, onDevice := r.(LossRunner)
	for off := 0; off < B; off += bs {
		nb := min(bs, B-off)
		if onDevice {
			per := len(lab) / B
			l, h := lr.ForwardLoss(m.Params, tok[off*n:(off+nb)*n], lab[off*per:(off+nb)*per], nb)
			sum, hit = sum+l, hit+h
			continue
		}
		logits := r.Forward(m.Params, tok[off*n:(off+nb)*n], nb, nil)
		rows := len(logits) / V
		l0 := off * (rows / nb)
		for i := 0; i < rows; i++ {
			x := logits[i*V : (i+1)*V]
			y := lab[l0+i]
			sum += logSumExp(x) - float64(x[y])
			best := 0
			for j, v := range x {
				if v > x[best] {
					best = j
				}
			}
			if int64(best) == y {
				hit++
			}
		}
	}
	rows := len(lab)
	return sum / float64(rows), float64(hit) / float64(rows), nil
}

// OptimizerState is AdamW's state for resuming training exactly: for every
// trainable parameter (by TransformerLens name) PyTorch's exp_avg and
// exp_avg_sq, float32, shaped like the parameter, and the step count. Frozen
// parameters have no entry. Its fields match checkpoint.OptimizerState.
type OptimizerState struct {
	Step             int
	ExpAvg, ExpAvgSq map[string]*sdk.Tensor
}

// OptimizerState returns a copy of the AdamW state. LoadOptimizerState
// restores it exactly.
func (t *Trainer) OptimizerState() OptimizerState {
	t.syncMoments()
	st := OptimizerState{Step: t.step, ExpAvg: map[string]*sdk.Tensor{}, ExpAvgSq: map[string]*sdk.Tensor{}}
	for _, s := range t.m.Params.Specs {
		if t.frozen[s.Name] {
			continue
		}
		st.ExpAvg[s.Name] = sdk.FromFloat32(append([]float32(nil), t.exp.Get(s.Name)...), s.Shape...)
		st.ExpAvgSq[s.Name] = sdk.FromFloat32(append([]float32(nil), t.expSq.Get(s.Name)...), s.Shape...)
	}
	return st
}

// LoadOptimizerState restores what OptimizerState returned (copying it). It
// rejects a missing, unknown, non-float32 or mis-shaped moment, naming it, and
// a negative step.
func (t *Trainer) LoadOptimizerState(st OptimizerState) error {
	if st.Step < 0 {
		return fmt.Errorf("optimizer state: step %d is negative", st.Step)
	}
	for _, mm := range []struct {
		what string
		m    map[string]*sdk.Tensor
	}{{"exp_avg", st.ExpAvg}, {"exp_avg_sq", st.ExpAvgSq}} {
		n := 0
		for _, s := range t.m.Params.Specs {
			if t.frozen[s.Name] {
				continue
			}
			n++
			x, ok := mm.m[s.Name]
			if !ok || x == nil {
				return fmt.Errorf("optimizer state: missing %s of %q", mm.what, s.Name)
			}
			if x.DType() != sdk.Float32 || !slices.Equal(x.Shape(), s.Shape) {
				return fmt.Errorf("optimizer state: %s of %q is %s, want float32%s", mm.what, s.Name, x, sdk.ShapeString(s.Shape))
			}
		}
		if len(mm.m) != n {
			for k := range mm.m {
				if !t.m.Params.Has(k) || t.frozen[k] {
					return fmt.Errorf("optimizer state: %s of %q, which is not a trainable parameter", mm.what, k)
				}
			}
		}
	}
	for _, s := range t.m.Params.Specs {
		if t.frozen[s.Name] {
			continue
		}
		copy(t.exp.Get(s.Name), st.ExpAvg[s.Name].Float32s())
		copy(t.expSq.Get(s.Name), st.ExpAvgSq[s.Name].Float32s())
	}
	t.devMoments = false
	t.step = st.Step
	return nil
}
