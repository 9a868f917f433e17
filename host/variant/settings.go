package variant

import (
	"fmt"

	"github.com/tdw-workbench/tdw/host/registry"
)

// ResolveTraining returns the settings of a fresh run: the family.json
// training defaults, or the named preset's, with the epoch count and
// checkpoint schedule overridden when epochs > 0 or spec != "". A schedule
// written for the family's epoch count is rescaled to a different one; an
// explicit spec is taken as written for the run's epochs.
//
// family.json decides the run, so a user can change it without rebuilding
// the plugin; the plugin's own TrainingConfig only serves a caller that has
// no family.json at hand.
func ResolveTraining(fam *registry.FamilyManifest, preset string, epochs int, spec string) (*TrainingSettings, error) {
	ts, err := fam.TrainingFor(preset)
	if err != nil {
		return nil, err
	}
	if epochs < 0 {
		return nil, fmt.Errorf("--epochs %d is negative", epochs)
	}
	if epochs == 0 {
		epochs = ts.Epochs
	}
	if spec != "" {
		sched, err := registry.ParseSchedule(spec)
		if err != nil {
			return nil, fmt.Errorf("--checkpoints: %w", err)
		}
		ts.Checkpoints, ts.Epochs = sched, epochs // written for this run: no rescaling
	} else if epochs != ts.Epochs {
		sc, err := ts.Checkpoints.Scale(ts.Epochs, epochs)
		if err != nil {
			return nil, err
		}
		ts.Checkpoints, ts.Epochs = sc, epochs
	}
	cfg, err := ts.Config(epochs)
	if err != nil {
		return nil, fmt.Errorf("family %s: %w", fam.Name, err)
	}
	if len(cfg.Checkpoints) == 0 {
		return nil, fmt.Errorf("family %s: the checkpoint schedule %q names no epoch", fam.Name, ts.Checkpoints)
	}
	return &TrainingSettings{TrainingConfig: cfg, Schedule: ts.Checkpoints.String(), Preset: preset}, nil
}
