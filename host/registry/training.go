package registry

import (
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
)

// TrainingSpec is a family's training defaults (family.json "training"), or
// a preset's after its overrides.
type TrainingSpec struct {
	Optimizer   string // "adamw"
	LR          float64
	WeightDecay float64
	Betas       [2]float64
	Eps         float64
	Epochs      int
	// BatchSize 0 means full batch.
	BatchSize int
	// Frozen are Glob patterns of parameter names that are not trained.
	Frozen []string
	// Checkpoints is the schedule, written for Epochs epochs.
	Checkpoints *Schedule
	// LossPositions is "last".
	LossPositions string
}

// Config returns the spec as the sdk's TrainingConfig for a run of epochs
// epochs (the spec's own when epochs is 0), with the checkpoint schedule
// expanded, and rescaled first when epochs differs from the spec's.
func (t TrainingSpec) Config(epochs int) (sdk.TrainingConfig, error) {
	sched := t.Checkpoints
	if epochs == 0 {
		epochs = t.Epochs
	}
	if epochs != t.Epochs {
		var err error
		if sched, err = sched.Scale(t.Epochs, epochs); err != nil {
			return sdk.TrainingConfig{}, err
		}
	}
	eps, err := sched.Epochs(epochs)
	if err != nil {
		return sdk.TrainingConfig{}, err
	}
	return sdk.TrainingConfig{
		Optimizer: t.Optimizer, LR: t.LR, WeightDecay: t.WeightDecay,
		Betas: []float64{t.Betas[0], t.Betas[1]}, Eps: t.Eps, Epochs: epochs,
		BatchSize: t.BatchSize, Frozen: append([]string(nil), t.Frozen...),
		Checkpoints: eps, LossPositions: t.LossPositions,
	}, nil
}

// parseTraining reads a training object. With base nil every field without a
// documented default is required; otherwise the object overrides base, and a
// changed epoch count without a new schedule rescales base's schedule.
func parseTraining(p *problems, path string, v any, base *TrainingSpec) TrainingSpec {
	req := base == nil
	t := TrainingSpec{Eps: 1e-8, LossPositions: "last"}
	if base != nil {
		t = *base
		t.Frozen = append([]string(nil), base.Frozen...)
	}
	o := asObject(p, path, v)
	if o == nil {
		return t
	}
	key := func(k string) string { return joinKey(path, k) }
	if s, ok := o.str("optimizer", req); ok {
		if s != "adamw" {
			p.add(key("optimizer"), "%q is not supported (want \"adamw\")", s)
		}
		t.Optimizer = s
	}
	if f, ok := o.number("lr", req); ok {
		if f <= 0 {
			p.add(key("lr"), "is %v, want a positive number", f)
		}
		t.LR = f
	}
	if f, ok := o.number("weight_decay", req); ok {
		if f < 0 {
			p.add(key("weight_decay"), "is %v, want zero or more", f)
		}
		t.WeightDecay = f
	}
	if raw, bp, ok := o.field("betas", req); ok {
		arr, isArr := raw.([]any)
		if !isArr || len(arr) != 2 {
			p.add(bp, "want an array of two numbers, found %s", describeShort(raw))
		} else {
			for i, e := range arr {
				if f, ok := asNumber(p, joinIndex(bp, i), e); ok {
					if f < 0 || f >= 1 {
						p.add(joinIndex(bp, i), "is %v, want a number in [0, 1)", f)
					}
					t.Betas[i] = f
				}
			}
		}
	}
	if f, ok := o.number("eps", false); ok {
		if f <= 0 {
			p.add(key("eps"), "is %v, want a positive number", f)
		}
		t.Eps = f
	}
	epochsChanged := false
	if n, ok := o.integer("epochs", req); ok {
		if n < 1 {
			p.add(key("epochs"), "is %d, want at least 1", n)
		} else {
			epochsChanged = base != nil && n != base.Epochs
			t.Epochs = n
		}
	}
	if n, ok := o.integer("batch_size", false); ok {
		if n < 0 {
			p.add(key("batch_size"), "is %d, want 0 (full batch) or more", n)
		}
		t.BatchSize = n
	}
	if fs, ok := o.strings("frozen", false); ok {
		for i, g := range fs {
			if _, err := CompileGlob(g); err != nil {
				p.add(joinIndex(key("frozen"), i), "%v", err)
			}
		}
		t.Frozen = fs
	}
	if s, ok := o.str("checkpoints", req); ok {
		sched, err := ParseSchedule(s)
		if err != nil {
			p.add(key("checkpoints"), "%v", err)
		} else {
			t.Checkpoints = sched
			if t.Epochs > 0 {
				if _, err := sched.Epochs(t.Epochs); err != nil {
					p.add(key("checkpoints"), "%v", err)
				}
			}
		}
	} else if epochsChanged && t.Checkpoints != nil {
		if sc, err := t.Checkpoints.Scale(base.Epochs, t.Epochs); err == nil {
			t.Checkpoints = sc
		}
	}
	if s, ok := o.str("loss_positions", false); ok {
		if s != "last" {
			p.add(key("loss_positions"), "%q is not supported (want \"last\")", s)
		}
		t.LossPositions = s
	}
	o.finish()
	return t
}

// describeShort names a value's JSON type, with the length of an array.
func describeShort(v any) string {
	if a, ok := v.([]any); ok {
		return fmt.Sprintf("an array of %d", len(a))
	}
	return jsonType(v)
}
