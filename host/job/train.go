package job

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// TrainRequest asks for a variant to be trained, as `tdw-host train` does.
type TrainRequest struct {
	// Family is the family's name.
	Family string `json:"family"`
	// Variant, if set, names an existing variant (its folder name), whose
	// recorded parameters are used; Params must then be empty.
	Variant string `json:"variant,omitempty"`
	// Preset takes a family preset's parameters and training settings.
	Preset string `json:"preset,omitempty"`
	// Params are domain parameters written as text (NAME → VALUE, as -p
	// NAME=VALUE); unset ones take the preset's or family's defaults.
	Params map[string]string `json:"params,omitempty"`
	// Epochs changes the epoch count of a fresh run (0: the preset's or
	// family's).
	Epochs int `json:"epochs,omitempty"`
	// Checkpoints is a checkpoint schedule spec ("0:1000:50,final").
	Checkpoints string `json:"checkpoints,omitempty"`
	// Resume continues a stopped run.
	Resume bool `json:"resume,omitempty"`
	// ExtendTo trains a finished run further, to this many epochs.
	ExtendTo int `json:"extend_to,omitempty"`
	// Force discards an existing run and trains from scratch.
	Force bool `json:"force,omitempty"`
	// AllowLarge runs the training even when its estimate exceeds the
	// machine's available memory or free disk (estimate.go).
	AllowLarge bool `json:"allow_large,omitempty"`
}

// Check refuses contradictory options; messages name fields as the
// dashboard's JSON spells them.
func (r TrainRequest) Check() error { return r.CheckAs(func(field string) string { return field }) }

// CheckAs is Check with the other fields a message mentions written as
// name(field), so a command line words them as its flags. The error's
// Field stays the JSON name.
func (r TrainRequest) CheckAs(name func(field string) string) error {
	switch {
	case r.Epochs < 0:
		return requestErrorf("epochs", "%d: want a positive number", r.Epochs)
	case r.ExtendTo < 0:
		return requestErrorf("extend_to", "%d: want a positive number", r.ExtendTo)
	case r.Force && (r.Resume || r.ExtendTo > 0):
		return requestErrorf("force", "starts over: it cannot be combined with %s or %s", name("resume"), name("extend_to"))
	case r.ExtendTo > 0 && r.Epochs > 0:
		return requestErrorf("epochs", "%s sets the epoch count: drop %s", name("extend_to"), name("epochs"))
	case r.Resume && r.ExtendTo == 0 && (r.Epochs > 0 || r.Checkpoints != ""):
		return requestErrorf("resume", "continues the recorded run: %s and %s do not apply (use %s to train further)",
			name("epochs"), name("checkpoints"), name("extend_to"))
	case r.Variant != "" && len(r.Params) > 0:
		return requestErrorf("params", "give params or variant, not both")
	}
	return nil
}

// trainPlan is a resolved TrainRequest.
type trainPlan struct {
	fam      *registry.FamilyManifest
	params   sdk.Params
	name     string
	settings *variant.TrainingSettings // nil for resume and extend
}

// plan resolves r without launching anything: the family, the parameters,
// the variant's name and a fresh run's settings.
func (r TrainRequest) plan(env Env) (*trainPlan, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	fam, err := env.family(r.Family)
	if err != nil {
		return nil, err
	}
	if r.Preset != "" {
		if _, ok := fam.Presets[r.Preset]; !ok {
			_, err := fam.TrainingFor(r.Preset) // says which presets exist
			return nil, &RequestError{Field: "preset", Err: err}
		}
	}
	p := &trainPlan{fam: fam}
	if r.Variant != "" {
		if err := registry.SafePathComponent(r.Variant); err != nil {
			return nil, requestErrorf("variant", "%q: %v", r.Variant, err)
		}
		v, err := variant.Open(env.Results, fam.Name, r.Variant)
		if err != nil {
			return nil, &RequestError{Field: "variant", Err: err}
		}
		p.params, p.name = v.Params, v.Name
	} else {
		if p.params, err = fam.ResolveParams(r.Preset, r.Params); err != nil {
			return nil, &RequestError{Field: "params", Err: err}
		}
		if p.name, err = fam.VariantPattern.Name(p.params); err != nil {
			return nil, &RequestError{Field: "params", Err: err}
		}
	}
	if !r.Resume && r.ExtendTo == 0 {
		if p.settings, err = variant.ResolveTraining(fam, r.Preset, r.Epochs, r.Checkpoints); err != nil {
			field := "epochs"
			if r.Checkpoints != "" {
				field = "checkpoints"
			}
			return nil, &RequestError{Field: field, Err: err}
		}
	} else if r.Checkpoints != "" {
		if _, err := registry.ParseSchedule(r.Checkpoints); err != nil {
			return nil, &RequestError{Field: "checkpoints", Err: err}
		}
	}
	return p, nil
}

// VariantKey returns family/variant for the variant r trains, or the
// request's error.
func (r TrainRequest) VariantKey(env Env) (string, error) {
	p, err := r.plan(env)
	if err != nil {
		return "", err
	}
	return p.fam.Name + "/" + p.name, nil
}

// TrainOutcome is what Train produced.
type TrainOutcome struct {
	// Variant is the trained variant; it is set whenever the variant was
	// created or opened, also when training then failed.
	Variant *variant.Variant
	// Result is the run's losses and checkpoints (nil on error).
	Result *variant.TrainingResult
}

// Train trains the variant r describes: it resolves the request, launches
// the family plugin, creates the variant if needed, records the family's
// probes it does not hold yet (host/probe) and runs variant.Train,
// calling progress (if not nil) after every epoch. Cancelling ctx stops the
// run after saving its state (the error wraps variant.ErrInterrupted; resume
// with Resume). A bad request returns a *RequestError; the variant's lock
// held by another run returns an error wrapping lockfile.ErrHeld; a run
// whose estimate exceeds the machine's memory or disk returns a
// *TooLargeError unless r.AllowLarge.
func Train(ctx context.Context, env Env, r TrainRequest, progress func(variant.Progress)) (*TrainOutcome, error) {
	p, err := r.plan(env)
	if err != nil {
		return nil, err
	}
	plugin, err := env.launchFamily(ctx, p.fam)
	if err != nil {
		return nil, err
	}
	defer plugin.Close()
	if !r.AllowLarge {
		if err := checkEstimate(env, func() (*Estimate, error) { return p.estimate(ctx, env, r, plugin) }); err != nil {
			return nil, err
		}
	}

	v, err := variant.Create(ctx, env.Results, p.fam, plugin, p.params, env.TDWVersion)
	if err != nil {
		return nil, err
	}
	if err := recordProbes(ctx, v, p.fam, plugin); err != nil {
		return &TrainOutcome{Variant: v}, err
	}
	res, err := v.Train(ctx, variant.TrainOptions{
		Family: plugin, Training: p.settings, Resume: r.Resume, ExtendTo: r.ExtendTo, Schedule: r.Checkpoints,
		Force: r.Force, Progress: progress, Logger: env.logger().Named("train"), TDWVersion: env.TDWVersion,
	})
	if err != nil {
		return &TrainOutcome{Variant: v}, err
	}
	return &TrainOutcome{Variant: v, Result: res}, nil
}

// TrainLine is the one-line text of a training progress report.
func TrainLine(pr variant.Progress) string {
	return fmt.Sprintf("epoch %d/%d  train loss %.3e  test loss %.3e  test acc %.3f  elapsed %s  ETA %s",
		pr.Epoch, pr.Total, pr.TrainLoss, pr.TestLoss, pr.TestAcc, roundSecond(pr.Elapsed), roundSecond(pr.ETA))
}
