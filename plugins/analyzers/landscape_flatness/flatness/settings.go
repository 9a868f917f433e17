package flatness

import (
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
)

// Defaults of the analyzer's parameters; analyzer.json declares the same
// values (a test keeps the two in step).
const (
	DefaultDirections    = 10
	DefaultEpsilon       = 0.1
	DefaultSeed          = 0
	DefaultSplit         = sdk.SplitAll
	DefaultIncludeBiases = false
)

// Settings are the analyzer's parameters.
type Settings struct {
	// Directions is how many random directions are sampled per checkpoint.
	Directions int
	// Epsilon is the perturbation's L2 norm over all perturbed weights.
	Epsilon float64
	// Seed seeds the directions: direction i of every checkpoint is the same
	// vector, drawn from a PCG stream keyed by (Seed, i).
	Seed int
	// Split is the part of the probe the loss is computed on.
	Split sdk.Split
	// IncludeBiases perturbs biases (b_*, LayerNorm b) too. They are left
	// out by default because tdw, like the reference project, trains with
	// frozen zero biases: the trainable directions are the weights.
	IncludeBiases bool
}

// ParseSettings reads the settings from p, taking the default for a missing
// parameter. It returns an error naming the parameter when one has the wrong
// type or is out of range.
func ParseSettings(p sdk.Params) (Settings, error) {
	s := Settings{DefaultDirections, DefaultEpsilon, DefaultSeed, DefaultSplit, DefaultIncludeBiases}
	var err error
	if _, ok := p["n_directions"]; ok {
		if s.Directions, err = p.Int("n_directions"); err != nil {
			return s, err
		}
		if s.Directions < 1 || s.Directions > 100000 {
			return s, fmt.Errorf("parameter \"n_directions\" is %d, want 1 to 100000", s.Directions)
		}
	}
	if _, ok := p["epsilon"]; ok {
		if s.Epsilon, err = p.Float("epsilon"); err != nil {
			return s, err
		}
		if !(s.Epsilon > 0) || s.Epsilon > 1e6 {
			return s, fmt.Errorf("parameter \"epsilon\" is %v, want a positive number", s.Epsilon)
		}
	}
	if _, ok := p["seed"]; ok {
		if s.Seed, err = p.Int("seed"); err != nil {
			return s, err
		}
	}
	if _, ok := p["split"]; ok {
		v, err := p.String("split")
		if err != nil {
			return s, err
		}
		switch sdk.Split(v) {
		case sdk.SplitAll, sdk.SplitTrain, sdk.SplitTest:
			s.Split = sdk.Split(v)
		default:
			return s, fmt.Errorf("parameter \"split\" is %q, want all, train or test", v)
		}
	}
	if _, ok := p["include_biases"]; ok {
		if s.IncludeBiases, err = p.Bool("include_biases"); err != nil {
			return s, err
		}
	}
	return s, nil
}
