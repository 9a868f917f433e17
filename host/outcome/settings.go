package outcome

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/sdk"
)

// Settings are the named thresholds of a summary. Every summary records the
// values it was computed with; docs/formats/variant-summary.md gives each
// one's meaning and the reference project's value where it differs.
type Settings struct {
	// TrainLossThreshold ends the first descent: the first epoch whose train
	// loss is at most this (0.01: the mean probability of the right answer
	// on the training pairs is above 0.99).
	TrainLossThreshold float64 `json:"train_loss_threshold"`
	// TestLossThreshold ends the second descent (falling back to the epoch of
	// the test-loss minimum when never reached).
	TestLossThreshold float64 `json:"test_loss_threshold"`
	// SecondDescentFraction: the second descent starts at the first epoch
	// after the test-loss peak whose loss is at least this fraction below
	// the peak.
	SecondDescentFraction float64 `json:"second_descent_fraction"`
	// GrokkingAccuracy: the grokking epoch is the first whose test accuracy
	// exceeds it (variant.GrokkingAccuracy by default).
	GrokkingAccuracy float64 `json:"grokking_accuracy"`
	// GrokkingTestLoss stands in for GrokkingAccuracy when a variant
	// recorded no accuracies (an imported one): the first epoch whose test
	// loss is below it.
	GrokkingTestLoss float64 `json:"grokking_test_loss"`
	// NeuronThreshold is the dominant-frequency fraction at which a neuron
	// counts as specialized to its frequency.
	NeuronThreshold float64 `json:"neuron_threshold"`
	// CommittedShare is the share of the neurons a frequency's specialized
	// neurons must reach for the frequency to count as committed.
	CommittedShare float64 `json:"committed_share"`
	// FirstMoverNeurons is the count of specialized neurons the first-mover
	// frequency must reach to start the cascade.
	FirstMoverNeurons int `json:"first_mover_neurons"`
	// SpecializedNeurons is the total count of specialized neurons whose
	// first epoch is recorded as a landmark.
	SpecializedNeurons int `json:"specialized_neurons"`
	// DegradedTestLoss: a grokked variant whose final test loss is above it
	// has failure mode degraded.
	DegradedTestLoss float64 `json:"degraded_test_loss"`
	// LateGrokkingEpoch: a variant grokking after it is a late grokker.
	LateGrokkingEpoch int `json:"late_grokking_epoch"`
	// MinCommittedFrequencies: fewer committed frequencies at the end is
	// named as a reason of a degraded variant.
	MinCommittedFrequencies int `json:"min_committed_frequencies"`
	// SuccessfulTestLoss: a final test loss above it keeps the performance
	// class from healthy.
	SuccessfulTestLoss float64 `json:"successful_test_loss"`
	// ReboundTestLoss: a final test loss this far above the minimum is a
	// rebound.
	ReboundTestLoss float64 `json:"rebound_test_loss"`
	// LateSecondDescentEpoch: a second descent starting after it is late.
	LateSecondDescentEpoch int `json:"late_second_descent_epoch"`
}

func fptr(x float64) *float64 { return &x }

// Parameters declares every setting: its type, default, bounds and
// meaning, as an analyzer.json declares an analyzer's. The defaults fit
// both the quick and the canonical preset of the modular-addition family.
var Parameters = registry.ParamSpecs{
	"train_loss_threshold":      {Type: registry.ParamFloat, Default: 0.01, Min: fptr(0), Description: "train loss that ends the first descent (the training set is fit)"},
	"test_loss_threshold":       {Type: registry.ParamFloat, Default: 0.001, Min: fptr(0), Description: "test loss that ends the second descent"},
	"second_descent_fraction":   {Type: registry.ParamFloat, Default: 0.8, Min: fptr(0), Max: fptr(1), Description: "drop below the test-loss peak, as a fraction of the peak, that starts the second descent"},
	"grokking_accuracy":         {Type: registry.ParamFloat, Default: 0.99, Min: fptr(0), Max: fptr(1), Description: "test accuracy whose first crossing is the grokking epoch"},
	"grokking_test_loss":        {Type: registry.ParamFloat, Default: 0.1, Min: fptr(0), Description: "test loss whose first crossing is the grokking epoch when no accuracies were recorded"},
	"neuron_threshold":          {Type: registry.ParamFloat, Default: 0.7, Min: fptr(0), Max: fptr(1), Description: "dominant-frequency fraction at which a neuron counts as specialized"},
	"committed_share":           {Type: registry.ParamFloat, Default: 0.1, Min: fptr(0), Max: fptr(1), Description: "share of the neurons a frequency's specialized neurons must reach to be committed"},
	"first_mover_neurons":       {Type: registry.ParamInt, Default: int64(40), Min: fptr(1), Description: "specialized neurons of the first-mover frequency that start the cascade"},
	"specialized_neurons":       {Type: registry.ParamInt, Default: int64(100), Min: fptr(1), Description: "total specialized neurons whose first epoch is a landmark"},
	"degraded_test_loss":        {Type: registry.ParamFloat, Default: 0.005, Min: fptr(0), Description: "final test loss above which a grokked variant is degraded"},
	"late_grokking_epoch":       {Type: registry.ParamInt, Default: int64(15000), Min: fptr(0), Description: "grokking epoch after which a variant is a late grokker"},
	"min_committed_frequencies": {Type: registry.ParamInt, Default: int64(2), Min: fptr(0), Description: "committed frequencies at the end below which a degraded variant names it as a reason"},
	"successful_test_loss":      {Type: registry.ParamFloat, Default: 0.001, Min: fptr(0), Description: "final test loss above which the performance class is not healthy"},
	"rebound_test_loss":         {Type: registry.ParamFloat, Default: 0.2, Min: fptr(0), Description: "rise of the final test loss above its minimum that counts as a rebound"},
	"late_second_descent_epoch": {Type: registry.ParamInt, Default: int64(12000), Min: fptr(0), Description: "second-descent onset after which the performance class is late_grokker"},
}

// DefaultSettings returns every setting at its default.
func DefaultSettings() Settings {
	s, err := settingsOf(Parameters.Defaults())
	if err != nil {
		panic(err) // the declarations above are wrong
	}
	return s
}

// ParseSettings returns base with the given settings (name → text, as on
// the command line) applied. An unknown name or a value that does not fit
// is an error naming it and the known names.
func ParseSettings(base Settings, given map[string]string) (Settings, error) {
	all := base.texts()
	for k, v := range given {
		all[k] = v // an unknown name is refused by ParseParams
	}
	p, err := registry.ParseParams(Parameters, all)
	if err != nil {
		return Settings{}, fmt.Errorf("variant summary settings: %w", err)
	}
	return settingsOf(p)
}

// texts returns s as the text of each setting.
func (s Settings) texts() map[string]string {
	b, _ := json.Marshal(s)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = strconv.FormatFloat(v.(float64), 'g', -1, 64)
	}
	return out
}

// settingsOf converts parsed parameters into Settings.
func settingsOf(p sdk.Params) (Settings, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return Settings{}, err
	}
	var s Settings
	if err := json.Unmarshal(b, &s); err != nil {
		return Settings{}, fmt.Errorf("variant summary settings: %w", err)
	}
	return s, nil
}
