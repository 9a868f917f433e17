package job

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// engineMargin scales the engine's counted memory for what the count leaves
// out: the garbage collector's slack and the Gorgonia backend's per-batch
// graphs. Measured peaks exceeded the count by 4 to 7% (docs/engine.md).
const engineMargin = 1.10

// EstimateTrain estimates the training r asks for, launching the family
// plugin for the model config and the data: the plan a dry run prints. A
// bad request returns a *RequestError; a resume or extension Train would
// refuse returns that refusal.
func EstimateTrain(ctx context.Context, env Env, r TrainRequest) (*Estimate, error) {
	p, err := r.plan(env)
	if err != nil {
		return nil, err
	}
	plugin, err := env.launchFamily(ctx, p.fam)
	if err != nil {
		return nil, err
	}
	defer plugin.Close()
	return p.estimate(ctx, env, r, plugin)
}

// estimate estimates the training p describes with the family plugin fp.
// Resuming or extending takes the run's recorded settings; a variant that
// does not exist yet is a fresh run.
func (p *trainPlan) estimate(ctx context.Context, env Env, r TrainRequest, fp sdk.Family) (*Estimate, error) {
	settings, start, err := p.run(env, r)
	if err != nil {
		return nil, err
	}
	cfg, err := fp.ModelConfig(ctx, p.params)
	if err != nil {
		return nil, fmt.Errorf("family plugin %s: ModelConfig: %w", p.fam.Name, err)
	}
	c, err := model.NormalizeConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("family plugin %s: model config: %w", p.fam.Name, err)
	}
	data, err := fp.TrainingData(ctx, p.params)
	if err != nil {
		return nil, fmt.Errorf("family plugin %s: TrainingData: %w", p.fam.Name, err)
	}
	train, test, n := rows(data.Train), rows(data.Test), seqLen(data.Train)
	tc, err := model.TrainConfigFromSDK(settings.TrainingConfig)
	if err != nil {
		return nil, err
	}
	writes := 0
	for _, e := range settings.Checkpoints {
		if e > start {
			writes++
		}
	}
	if start == 0 && len(settings.Checkpoints) > 0 && settings.Checkpoints[0] == 0 {
		writes++
	}
	return trainingEstimate(c, tc, p.name, train, test, n, settings.Epochs-start, writes, env.machine()), nil
}

// run returns the settings of the run p describes and the epoch it starts
// from: a fresh run's, or for a resume or an extension those the variant
// records, refused as Train would refuse them.
func (p *trainPlan) run(env Env, r TrainRequest) (*variant.TrainingSettings, int, error) {
	if p.settings != nil {
		return p.settings, 0, nil
	}
	if _, err := os.Stat(filepath.Join(env.Results, p.fam.Name, p.name)); errors.Is(err, fs.ErrNotExist) {
		return nil, 0, fmt.Errorf("train %s: nothing to resume or extend: the variant has never been trained", p.name)
	}
	v, err := variant.Open(env.Results, p.fam.Name, p.name)
	if err != nil {
		return nil, 0, err
	}
	return v.PlannedRun(variant.TrainOptions{Resume: r.Resume, ExtendTo: r.ExtendTo, Schedule: r.Checkpoints})
}

// trainingEstimate adds up the memory and disk of a training run: the
// engine's (model.TrainingBytes, and the two evaluation runners host/variant
// keeps for the train and test sets) with its margin, the processes' own,
// and the checkpoints, optimizer state and metadata.json it writes.
func trainingEstimate(c sdk.ModelConfig, tc model.TrainConfig, name string, train, test, n, epochs, checkpoints int, m Machine) *Estimate {
	e := &Estimate{Job: "training of " + name, Machine: m}
	pos := model.PosLast
	if tc.LossAllPositions {
		pos = model.PosAll
	}
	step := model.TrainingBytes(c, n, train, tc)
	eval := model.EvalBytes(c, n, train, pos) + model.EvalBytes(c, n, test, pos)
	batch := "full-batch"
	if tc.BatchSize > 0 && tc.BatchSize < train {
		batch = fmt.Sprintf("batches of %d", tc.BatchSize)
	}
	e.add(fmt.Sprintf("engine: %d parameters with gradients and AdamW moments, a %s step over %d sequences, evaluation of %d + %d (+%.0f%% margin)",
		model.ParamCount(c), batch, train, train, test, 100*(engineMargin-1)), int64(engineMargin*float64(step+eval)), 0)
	e.add("tdw-host and the family plugin", hostBaseBytes+pluginBaseBytes, 0)
	params := model.ParamCount(c)
	ckpt := 4*params + safetensorsHeader(len(model.ParamSpecs(c)))
	e.add(fmt.Sprintf("%d checkpoints of %s", checkpoints, Bytes(ckpt)), 0, int64(checkpoints)*ckpt)
	// One optimizer state file is kept; the next is written beside it
	// before the old one goes.
	e.add("optimizer state (two files at a time)", 0, 2*(8*params+2*safetensorsHeader(len(model.ParamSpecs(c)))))
	e.add("metadata.json (split and per-epoch losses)", 0, 8*int64(train+test)+64*int64(max(epochs, 0)))
	return e
}

// safetensorsHeader is a generous size of a safetensors header for k tensors.
func safetensorsHeader(k int) int64 { return 2048 + 160*int64(k) }

// rows is the number of sequences of a data set.
func rows(ds sdk.Dataset) int {
	if ds.Tokens == nil || ds.Tokens.Rank() < 1 {
		return 0
	}
	return ds.Tokens.Shape()[0]
}

// seqLen is the positions per sequence of a data set (1 if unknown).
func seqLen(ds sdk.Dataset) int {
	if ds.Tokens == nil || ds.Tokens.Rank() != 2 {
		return 1
	}
	return ds.Tokens.Shape()[1]
}
