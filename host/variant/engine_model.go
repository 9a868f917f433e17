package variant

import (
	"fmt"
	"math"

	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/sdk"
)

// modelTrainer adapts host/model's Trainer to trainer.
type modelTrainer struct {
	m     *model.Model
	tr    *model.Trainer
	train sdk.Dataset
	evals map[*sdk.Tensor]*evaluator // by the data set's token tensor
}

// newModelTrainer builds the engine for cfg and settings: a fresh model
// initialized from cfg's seed when weights is nil, else the given weights and
// optimizer state.
func newModelTrainer(cfg sdk.ModelConfig, ts *TrainingSettings, data *sdk.TrainingData, weights map[string]*sdk.Tensor, opt *checkpoint.OptimizerState) (trainer, error) {
	c, err := model.NormalizeConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("model config: %w", err)
	}
	var m *model.Model
	if weights == nil {
		m, err = model.New(c)
	} else {
		m, err = model.FromStateDict(c, weights)
	}
	if err != nil {
		return nil, err
	}
	tc, err := model.TrainConfigFromSDK(ts.TrainingConfig)
	if err != nil {
		return nil, err
	}
	tr, err := model.NewTrainer(m, tc)
	if err != nil {
		return nil, err
	}
	if opt != nil {
		if err := tr.LoadOptimizerState(model.OptimizerState{Step: int(opt.Step), ExpAvg: opt.ExpAvg, ExpAvgSq: opt.ExpAvgSq}); err != nil {
			return nil, err
		}
	}
	return &modelTrainer{m: m, tr: tr, train: data.Train, evals: map[*sdk.Tensor]*evaluator{}}, nil
}

func (t *modelTrainer) Step() (float64, error) { return t.tr.Epoch(t.train) }

// Evaluate runs on a forward runner kept per data set: model.Evaluate
// builds a new runner, with its buffers, on every call, which made the
// per-epoch test evaluation cost as much as the training step itself.
func (t *modelTrainer) Evaluate(ds sdk.Dataset) (float64, float64, error) {
	ev := t.evals[ds.Tokens]
	if ev == nil {
		var err error
		if ev, err = newEvaluator(t.m, ds); err != nil {
			return 0, 0, err
		}
		t.evals[ds.Tokens] = ev
	}
	return ev.run(t.m)
}

func (t *modelTrainer) Weights() map[string]*sdk.Tensor { return t.m.StateDict() }

func (t *modelTrainer) Engine() string { return t.m.Backend.Name() }

func (t *modelTrainer) OptimizerState() *checkpoint.OptimizerState {
	st := t.tr.OptimizerState()
	return &checkpoint.OptimizerState{Step: int64(st.Step), ExpAvg: st.ExpAvg, ExpAvgSq: st.ExpAvgSq}
}

// evalBatch bounds the rows one forward pass holds, as model.Evaluate does.
const evalBatch = 4096

// evaluator computes loss and accuracy at the last position of a fixed data
// set, reusing one runner's buffers across calls.
type evaluator struct {
	r      model.Runner
	tok    []int64
	lab    []int64
	n, bsz int
}

func newEvaluator(m *model.Model, ds sdk.Dataset) (*evaluator, error) {
	if ds.Tokens == nil || ds.Labels == nil || ds.Tokens.DType() != sdk.Int64 || ds.Tokens.Rank() != 2 ||
		ds.Labels.DType() != sdk.Int64 || ds.Labels.Len() != ds.Tokens.Shape()[0] || ds.Tokens.Shape()[0] == 0 {
		return nil, fmt.Errorf("evaluate: want int64 tokens [batch, pos] and int64 labels [batch], got %v and %v", ds.Tokens, ds.Labels)
	}
	B, n := ds.Tokens.Shape()[0], ds.Tokens.Shape()[1]
	bsz := min(B, evalBatch)
	return &evaluator{
		r:   m.Backend.NewRunner(m.Config, n, bsz, model.RunSpec{Logits: model.PosLast}),
		tok: ds.Tokens.Int64s(), lab: ds.Labels.Int64s(), n: n, bsz: bsz,
	}, nil
}

// run returns the mean cross-entropy, log-softmax in float64, and the
// accuracy (argmax equals the label) of m's current weights.
func (ev *evaluator) run(m *model.Model) (loss, acc float64, err error) {
	V := m.Config.DVocabOut
	B := len(ev.lab)
	var sum float64
	hit := 0
	// A device backend reduces loss and accuracy where it runs: two numbers
	// come back instead of the logits.
	dev, onDevice := ev.r.(model.LossRunner)
	for off := 0; off < B; off += ev.bsz {
		nb := min(ev.bsz, B-off)
		if onDevice {
			l, h := dev.ForwardLoss(m.Params, ev.tok[off*ev.n:(off+nb)*ev.n], ev.lab[off:off+nb], nb)
			sum, hit = sum+l, hit+h
			continue
		}
		logits := ev.r.Forward(m.Params, ev.tok[off*ev.n:(off+nb)*ev.n], nb, nil)
		if len(logits) != nb*V {
			return 0, 0, fmt.Errorf("evaluate: engine returned %d logits for %d rows of %d", len(logits), nb, V)
		}
		for i := 0; i < nb; i++ {
			x := logits[i*V : (i+1)*V]
			y := ev.lab[off+i]
			best := 0
			for j, v := range x {
				if v > x[best] {
					best = j
				}
			}
			mx := float64(x[best])
			var z float64
			for _, v := range x {
				z += math.Exp(float64(v) - mx)
			}
			sum += mx + math.Log(z) - float64(x[y])
			if int64(best) == y {
				hit++
			}
		}
	}
	return sum / float64(B), float64(hit) / float64(B), nil
}
