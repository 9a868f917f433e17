package modadd

import "github.com/tdw-workbench/tdw/sdk"

// Training defaults of the reference project (reference §1).
const (
	LR           = 1e-3
	WeightDecay  = 1.0
	Beta1, Beta2 = 0.9, 0.98
	Eps          = 1e-8
	Epochs       = 25000
)

// ScheduleSpec is the reference project's checkpoint schedule for 25,000
// epochs in the registry's schedule syntax: every 100 up to 1,400, every 500
// from 1,500 to 8,500, every 100 from 9,000 to 12,900 (the grokking region),
// every 500 from 13,000 to 24,500, and the final epoch: 95 checkpoints.
const ScheduleSpec = "0:1400:100,1500:8500:500,9000:12900:100,13000:24500:500,final"

// ReferenceSchedule returns the epochs of ScheduleSpec, ascending. Epoch E
// is the model after E optimizer steps (0 is the initialization).
func ReferenceSchedule() []int {
	var out []int
	for _, r := range [][3]int{{0, 1400, 100}, {1500, 8500, 500}, {9000, 12900, 100}, {13000, 24500, 500}} {
		for e := r[0]; e <= r[1]; e += r[2] {
			out = append(out, e)
		}
	}
	return append(out, Epochs)
}

// TrainingConfig returns the family's training defaults: AdamW with the
// reference hyperparameters, full batch, every bias frozen at zero, loss at
// the last position, 25,000 epochs and the reference schedule. The host
// scales the schedule when a run asks for another number of epochs.
func TrainingConfig() sdk.TrainingConfig {
	return sdk.TrainingConfig{
		Optimizer:     "adamw",
		LR:            LR,
		WeightDecay:   WeightDecay,
		Betas:         []float64{Beta1, Beta2},
		Eps:           Eps,
		Epochs:        Epochs,
		BatchSize:     0,
		Frozen:        []string{"*.b_*"},
		Checkpoints:   ReferenceSchedule(),
		LossPositions: "last",
	}
}
