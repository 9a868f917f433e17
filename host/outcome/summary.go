package outcome

import "github.com/tdw-workbench/tdw/sdk"

// Format is the version of variant_summary.json this tdw writes; a newer
// one is refused rather than misread.
const Format = 1

// Method is the version of the computation: it is part of every summary's
// inputs key, so a tdw whose rules changed (bump it then) recomputes the
// summaries the older rules wrote.
const Method = 3

// FileName is the summary's file in the variant folder.
const FileName = "variant_summary.json"

// Summary is variant_summary.json (docs/formats/variant-summary.md). Every
// frequency in it is a frequency value k = 1..(p-1)/2, the analyzers'
// convention (docs/analyzers.md). A section or metric whose input is not
// available is null, with the reason in Unavailable (or the window's own
// Unavailable).
type Summary struct {
	Format  int        `json:"format_version"`
	Family  string     `json:"family"`
	Variant string     `json:"variant"`
	Params  sdk.Params `json:"params"`
	// ComputedAt is when the summary was written (RFC 3339, UTC).
	ComputedAt string `json:"computed_at"`
	// InputsKey identifies the inputs it was computed from; other inputs
	// make it stale.
	InputsKey string   `json:"inputs_key"`
	Settings  Settings `json:"settings"`
	// Sources describes each artifact read.
	Sources map[string]Source `json:"sources"`
	// Unavailable names each section left null and why.
	Unavailable map[string]string `json:"unavailable"`

	// NumEpochs is the run's target epoch count; LastEpoch the last epoch
	// with losses (the final checkpoint's, or the last per-epoch entry).
	NumEpochs int `json:"num_epochs"`
	LastEpoch int `json:"last_epoch"`

	Loss                    LossLandmarks            `json:"loss"`
	Neurons                 *NeuronLandmarks         `json:"neurons"`
	EffectiveDimensionality *DimensionalityLandmarks `json:"effective_dimensionality"`
	Geometry                *GeometryLandmarks       `json:"geometry"`
	Transient               *TransientSummary        `json:"transient"`
	Windows                 Windows                  `json:"windows"`

	// FailureMode is no_grokking, degraded, late_grokker or healthy;
	// FailureModeReasons say which rules fired.
	FailureMode        string   `json:"failure_mode"`
	FailureModeReasons []string `json:"failure_mode_reasons"`
	// PerformanceClass is no_second_descent, degraded_rebound, degraded,
	// late_grokker or healthy, judged on the second descent.
	PerformanceClass        string   `json:"performance_class"`
	PerformanceClassReasons []string `json:"performance_class_reasons"`
}

// Source is one artifact a summary read: its analyzer's version and
// settings, and the epochs it covered.
type Source struct {
	Kind     string     `json:"kind"` // "cross_epoch" or "summary"
	Version  string     `json:"version"`
	Settings sdk.Params `json:"settings,omitempty"`
	Epochs   int        `json:"epochs"`
}

// LossLandmarks are read from the losses and accuracies of metadata.json.
// Epochs that never happened (a threshold never reached) are null.
type LossLandmarks struct {
	TrainLossMin                 float64  `json:"train_loss_min"`
	TrainLossMinEpoch            int      `json:"train_loss_min_epoch"`
	TrainLossFinal               *float64 `json:"train_loss_final"`
	TrainLossThresholdFirstEpoch *int     `json:"train_loss_threshold_first_epoch"`
	TestLossMin                  float64  `json:"test_loss_min"`
	TestLossMinEpoch             int      `json:"test_loss_min_epoch"`
	TestLossPeak                 float64  `json:"test_loss_peak"`
	TestLossPeakEpoch            int      `json:"test_loss_peak_epoch"`
	TestLossFinal                *float64 `json:"test_loss_final"`
	TestLossThresholdFirstEpoch  *int     `json:"test_loss_threshold_first_epoch"`
	SecondDescentOnsetEpoch      *int     `json:"second_descent_onset_epoch"`
	SecondDescentSurvived        *bool    `json:"second_descent_survived"`
	GrokkingEpoch                *int     `json:"grokking_epoch"`
	GrokkingCriterion            string   `json:"grokking_criterion"`
	TestAccuracyMax              *float64 `json:"test_accuracy_max"`
	TestAccuracyFinal            *float64 `json:"test_accuracy_final"`
}

// NeuronLandmarks are read from neuron_dynamics (dominant frequency and
// fraction of every MLP neuron at every analyzed epoch).
type NeuronLandmarks struct {
	Neurons int `json:"neurons"`
	// FirstMoverEpoch is the first epoch with a specialized neuron;
	// FirstMoverFrequency the frequency with the most specialized neurons
	// then (the lowest on ties).
	FirstMoverEpoch     *int `json:"first_mover_epoch"`
	FirstMoverFrequency *int `json:"first_mover_frequency"`
	// FirstMoverCountEpoch is the first epoch at which a frequency has
	// first_mover_neurons specialized neurons, FirstMoverCountFrequency
	// that frequency (the one with the most then): the first mover, or one
	// that overtook it. The cascade starts there.
	FirstMoverCountEpoch     *int `json:"first_mover_count_epoch"`
	FirstMoverCountFrequency *int `json:"first_mover_count_frequency"`
	// SpecializedCountEpoch is the first epoch with specialized_neurons
	// specialized neurons in all.
	SpecializedCountEpoch *int `json:"specialized_count_epoch"`
	// LearnedFrequencies and CommittedFrequencies are those of the last
	// analyzed epoch.
	LearnedFrequencies   []int `json:"learned_frequencies"`
	CommittedFrequencies []int `json:"committed_frequencies"`
	SpecializedFinal     int   `json:"specialized_final"`
	// CommittedSetEpoch is the first epoch from which the committed
	// frequencies are the final ones: the cascade is complete.
	CommittedSetEpoch *int `json:"committed_set_epoch"`
	// CompetitionWindow spans the commitment epochs of the neurons
	// specialized at the end (the earliest epoch from which each stays on
	// its final frequency above neuron_threshold); null when none is.
	CompetitionWindowStart *int `json:"competition_window_start"`
	CompetitionWindowEnd   *int `json:"competition_window_end"`
}

// DimensionalityLandmarks are read from effective_dimensionality's
// participation ratios (pr_blocks.0.mlp.W_in, pr_blocks.0.mlp.W_out,
// pr_embed.W_E).
type DimensionalityLandmarks struct {
	// CrossoverEpoch is the first epoch at which PR(W_out) falls back to or
	// below PR(W_in) after having risen above it.
	CrossoverEpoch *int     `json:"crossover_epoch"`
	CrossoverWEPR  *float64 `json:"crossover_w_e_pr"`
	WInPRFinal     *float64 `json:"w_in_pr_final"`
	WOutPRFinal    *float64 `json:"w_out_pr_final"`
}

// GeometryLandmarks are read from repr_geometry's resid_post statistics.
type GeometryLandmarks struct {
	MaxCircularity      *float64 `json:"max_resid_post_circularity"`
	MaxCircularityEpoch *int     `json:"max_resid_post_circularity_epoch"`
	FinalCircularity    *float64 `json:"final_resid_post_circularity"`
	FinalFisherMean     *float64 `json:"final_resid_post_fisher_mean"`
}

// TransientSummary is read from transient_frequency: frequencies whose
// specialized-neuron count once qualified but did not last.
type TransientSummary struct {
	Frequencies            []int    `json:"transient_frequencies"`
	Count                  int      `json:"transient_frequency_count"`
	FinalFrequencies       []int    `json:"final_frequencies"`
	HomelessNeuronCount    int      `json:"homeless_neuron_count"`
	HomelessNeuronFraction *float64 `json:"homeless_neuron_fraction"`
}

// WindowNames are the windows in training order, as Windows holds them.
var WindowNames = []string{"first_descent", "plateau", "cascade", "second_descent", "final"}

// Windows are the five phases of a grokking run.
type Windows struct {
	FirstDescent  Window `json:"first_descent"`
	Plateau       Window `json:"plateau"`
	Cascade       Window `json:"cascade"`
	SecondDescent Window `json:"second_descent"`
	Final         Window `json:"final"`
}

// All returns the windows in WindowNames order.
func (w *Windows) All() []*Window {
	return []*Window{&w.FirstDescent, &w.Plateau, &w.Cascade, &w.SecondDescent, &w.Final}
}

// Window is one phase: its bounds (checkpoint epochs) and its metrics at
// both ends. A window whose bounds are unknown or empty is skipped, with
// the reason; a metric whose input is missing is null, named in
// Unavailable.
type Window struct {
	StartEpoch *int   `json:"start_epoch"`
	EndEpoch   *int   `json:"end_epoch"`
	Skipped    bool   `json:"skipped"`
	SkipReason string `json:"skip_reason,omitempty"`

	TrainLossStart *float64 `json:"train_loss_start"`
	TrainLossEnd   *float64 `json:"train_loss_end"`
	TestLossStart  *float64 `json:"test_loss_start"`
	TestLossEnd    *float64 `json:"test_loss_end"`

	LearnedFrequenciesStart   []int `json:"learned_frequencies_start"`
	LearnedFrequenciesEnd     []int `json:"learned_frequencies_end"`
	CommittedFrequenciesStart []int `json:"committed_frequencies_start"`
	CommittedFrequenciesEnd   []int `json:"committed_frequencies_end"`
	FrequencyGains            []int `json:"frequency_gains"`
	FrequencyLosses           []int `json:"frequency_losses"`

	WInPRStart  *float64 `json:"w_in_pr_start"`
	WInPREnd    *float64 `json:"w_in_pr_end"`
	WOutPRStart *float64 `json:"w_out_pr_start"`
	WOutPREnd   *float64 `json:"w_out_pr_end"`

	CircularityStart *float64 `json:"resid_post_circularity_start"`
	CircularityEnd   *float64 `json:"resid_post_circularity_end"`
	FisherMeanStart  *float64 `json:"resid_post_fisher_mean_start"`
	FisherMeanEnd    *float64 `json:"resid_post_fisher_mean_end"`

	Unavailable map[string]string `json:"unavailable,omitempty"`
}
