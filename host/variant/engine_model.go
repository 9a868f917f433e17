package variant

import (
	"fmt"
	"strings"

	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/sdk"
)

// modelTrainer adapts host/model's Trainer to trainer.
type modelTrainer struct {
	m     *model.Model
	tr    *model.Trainer
	train sdk.Dataset
}

// newModelTrainer builds the engine for cfg and settings: a fresh model
// initialized from cfg's seed when weights is nil, else the given weights and
// optimizer state.
func newModelTrainer(cfg sdk.ModelConfig, ts *TrainingSettings, data *sdk.TrainingData, weights map[string]*sdk.Tensor, opt *checkpoint.OptimizerState) (trainer, error) {
	c, err := model.FromSDK(cfg)
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
		st := make(map[string]*sdk.Tensor, 2*len(opt.ExpAvg))
		for name, t := range opt.ExpAvg {
			st[name+".exp_avg"] = t
			st[name+".exp_avg_sq"] = opt.ExpAvgSq[name]
		}
		if err := tr.LoadOptimizerState(st, int(opt.Step)); err != nil {
			return nil, err
		}
	}
	return &modelTrainer{m: m, tr: tr, train: data.Train}, nil
}

func (t *modelTrainer) Step() (float64, error) { return t.tr.Epoch(t.train) }

func (t *modelTrainer) Evaluate(ds sdk.Dataset) (float64, float64, error) { return t.tr.Evaluate(ds) }

func (t *modelTrainer) Weights() map[string]*sdk.Tensor { return t.m.StateDict() }

func (t *modelTrainer) OptimizerState() *checkpoint.OptimizerState {
	st, step := t.tr.OptimizerState()
	out := &checkpoint.OptimizerState{Step: int64(step), ExpAvg: map[string]*sdk.Tensor{}, ExpAvgSq: map[string]*sdk.Tensor{}}
	for k, v := range st {
		if name, ok := strings.CutSuffix(k, ".exp_avg_sq"); ok {
			out.ExpAvgSq[name] = v
		} else if name, ok := strings.CutSuffix(k, ".exp_avg"); ok {
			out.ExpAvg[name] = v
		}
	}
	return out
}
