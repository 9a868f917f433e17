package outcome

import (
	"strings"
	"testing"
)

// truncate cuts the synthetic run, curves and artifacts, after epoch last.
func truncate(in *Inputs, last int) *Inputs {
	in.TrainLoss, in.TestLoss, in.TestAccuracy = in.TrainLoss[:last+1], in.TestLoss[:last+1], in.TestAccuracy[:last+1]
	var cks []int
	for _, e := range in.Checkpoints {
		if e <= last {
			cks = append(cks, e)
		}
	}
	in.Checkpoints = cks
	k := len(cks)
	in.Neurons = syntheticNeurons(cks)
	d, g := in.Dimensionality, in.Geometry
	d.Epochs, d.WIn, d.WOut, d.WE = d.Epochs[:k], d.WIn[:k], d.WOut[:k], d.WE[:k]
	g.Epochs, g.Circularity, g.FisherMean = g.Epochs[:k], g.Circularity[:k], g.FisherMean[:k]
	return in
}

func TestClassification(t *testing.T) {
	for _, c := range []struct {
		name       string
		edit       func(*Inputs, *Settings)
		mode, perf string
		reason     string // in the failure mode's reasons
		perfReason string
	}{
		{"planted", func(*Inputs, *Settings) {}, Healthy, Healthy, "grokked at epoch 650", "second descent from epoch 500"},
		{"under-trained", func(in *Inputs, _ *Settings) { truncate(in, 150) }, NoGrokking, NoSecondDescent,
			"never grokked: test_accuracy > 0.99 at no epoch of 150 (test accuracy at most 0.05", "never fell second_descent_fraction 0.8 below its peak 5.2"},
		{"stopped mid descent", func(in *Inputs, _ *Settings) { truncate(in, 600) }, NoGrokking, Degraded,
			"never grokked", "final test loss 0.7325 > successful_test_loss 0.001"},
		{"degraded", func(in *Inputs, _ *Settings) { in.TestLoss[lastEpoch] = 0.01 }, Degraded, Degraded,
			"final test loss 0.01 > degraded_test_loss 0.005", "final test loss 0.01 > successful_test_loss"},
		{"rebound", func(in *Inputs, _ *Settings) {
			for e := 900; e <= lastEpoch; e++ {
				in.TestLoss[e] = 0.5
			}
		}, Degraded, DegradedRebound, "final test loss 0.5 > degraded_test_loss", "then the test loss rose 0.4992 above its minimum 0.0007525"},
		{"late", func(_ *Inputs, s *Settings) { s.LateGrokkingEpoch, s.LateSecondDescentEpoch = 600, 400 }, LateGrokker, LateGrokker,
			"grokking epoch 650 > late_grokking_epoch 600", "second descent onset 500 > late_second_descent_epoch 400"},
		{"no accuracies", func(in *Inputs, _ *Settings) { in.TestAccuracy = nil }, Healthy, Healthy, "(test_loss < 0.1)", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, s := syntheticInputs(), syntheticSettings(t)
			c.edit(in, &s)
			sum, err := Compute(in, s)
			if err != nil {
				t.Fatal(err)
			}
			reasons := strings.Join(sum.FailureModeReasons, "; ")
			perf := strings.Join(sum.PerformanceClassReasons, "; ")
			if sum.FailureMode != c.mode || !strings.Contains(reasons, c.reason) {
				t.Errorf("failure mode %s (%s), want %s with %q", sum.FailureMode, reasons, c.mode, c.reason)
			}
			if sum.PerformanceClass != c.perf || !strings.Contains(perf, c.perfReason) {
				t.Errorf("performance class %s (%s), want %s with %q", sum.PerformanceClass, perf, c.perf, c.perfReason)
			}
		})
	}
}

// TestUnderTrainedWindows: a run stopped at epoch 150 has no window, each
// skipped with its reason.
func TestUnderTrainedWindows(t *testing.T) {
	sum, err := Compute(truncate(syntheticInputs(), 150), syntheticSettings(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"first_descent":  "train loss never reached train_loss_threshold 0.01",
		"plateau":        "the first descent has no end",
		"cascade":        "no frequency reached first_mover_neurons 4",
		"second_descent": "no second descent",
		"final":          "there is no second descent",
	}
	for i, w := range sum.Windows.All() {
		name := WindowNames[i]
		if !w.Skipped || !strings.Contains(w.SkipReason, want[name]) || w.StartEpoch != nil {
			t.Errorf("window %s: skipped %v (%q), start %v; want skipped with %q", name, w.Skipped, w.SkipReason, show(w.StartEpoch), want[name])
		}
	}
}

// TestMissingSections: without neuron_dynamics and transient_frequency,
// their sections are null with the reason given, the cascade is skipped
// and the windows' frequencies are unavailable; nothing is made up.
func TestMissingSections(t *testing.T) {
	in := syntheticInputs()
	in.Neurons, in.Transient = nil, nil
	in.Missing = map[string]string{SectionNeurons: "analyzer neuron_dynamics has not run on this variant"}
	sum, err := Compute(in, syntheticSettings(t))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Neurons != nil || sum.Transient != nil {
		t.Fatalf("sections without input: neurons %v, transient %v", sum.Neurons, sum.Transient)
	}
	if got := sum.Unavailable[SectionNeurons]; got != "analyzer neuron_dynamics has not run on this variant" {
		t.Errorf("neurons unavailable because %q", got)
	}
	if got := sum.Unavailable[SectionTransient]; got != "not among the inputs" {
		t.Errorf("transient unavailable because %q", got)
	}
	if c := sum.Windows.Cascade; !c.Skipped || !strings.Contains(c.SkipReason, "neuron_dynamics has not run") {
		t.Errorf("cascade skipped %v: %q", c.Skipped, c.SkipReason)
	}
	p := sum.Windows.Plateau
	if p.Skipped || p.LearnedFrequenciesStart != nil || p.CommittedFrequenciesEnd != nil || p.FrequencyGains != nil ||
		!strings.Contains(p.Unavailable["frequencies"], "neuron_dynamics") || p.WInPRStart == nil {
		t.Errorf("plateau: %+v", p)
	}
	b, err := Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"neurons": null`, `"transient": null`, `"learned_frequencies_start": null`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("summary lacks %s", want)
		}
	}
}

func TestNoLosses(t *testing.T) {
	in := syntheticInputs()
	in.TrainLoss, in.TestLoss = nil, nil
	if _, err := Compute(in, DefaultSettings()); err == nil || !strings.Contains(err.Error(), "synthetic: metadata.json has 0 train and 0 test losses") {
		t.Errorf("error %v", err)
	}
}

func TestParseSettings(t *testing.T) {
	s, err := ParseSettings(DefaultSettings(), map[string]string{"test_loss_threshold": "1e-6", "late_grokking_epoch": "9000"})
	if err != nil {
		t.Fatal(err)
	}
	if s.TestLossThreshold != 1e-6 || s.LateGrokkingEpoch != 9000 || s.TrainLossThreshold != 0.01 {
		t.Errorf("settings %+v", s)
	}
	// The base is kept for what is not given (sticky settings).
	if s2, err := ParseSettings(s, map[string]string{"neuron_threshold": "0.8"}); err != nil || s2.TestLossThreshold != 1e-6 || s2.NeuronThreshold != 0.8 {
		t.Errorf("on a base: %+v, %v", s2, err)
	}
	for given, want := range map[string]string{
		"bogus":                   `parameter "bogus" is unknown`,
		"second_descent_fraction": `parameter "second_descent_fraction"`,
		"first_mover_neurons":     `parameter "first_mover_neurons"`,
	} {
		val := map[string]string{"bogus": "1", "second_descent_fraction": "1.5", "first_mover_neurons": "2.5"}[given]
		if _, err := ParseSettings(DefaultSettings(), map[string]string{given: val}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s=%s: error %v, want %q", given, val, err, want)
		}
	}
	if len(Parameters) != len(DefaultSettings().texts()) {
		t.Errorf("%d parameters declared for %d settings", len(Parameters), len(DefaultSettings().texts()))
	}
}

// TestEarlyCrossover: PR(W_out) above PR(W_in) only at epoch 50 puts the
// crossover at 100, before the cascade starts: the cascade then ends when
// the committed frequencies are final, not before it starts.
func TestEarlyCrossover(t *testing.T) {
	in := syntheticInputs()
	d := in.Dimensionality
	for i, e := range d.Epochs {
		d.WOut[i] = 50
		if e == 50 {
			d.WOut[i] = 60
		}
	}
	sum, err := Compute(in, syntheticSettings(t))
	if err != nil {
		t.Fatal(err)
	}
	c := sum.Windows.Cascade
	if show(sum.EffectiveDimensionality.CrossoverEpoch) != "100" || c.Skipped || *c.StartEpoch != plantedCascade || *c.EndEpoch != plantedCommitted {
		t.Errorf("crossover %s, cascade %s-%s (%s)", show(sum.EffectiveDimensionality.CrossoverEpoch), show(c.StartEpoch), show(c.EndEpoch), c.SkipReason)
	}
}

// TestOvertakenFirstMover: frequency 3 moves first but stalls at one
// neuron; frequency 5 gathers four at epoch 450, and the cascade starts
// there; it ends when frequency 7 commits (550), the final set {5, 7}.
func TestOvertakenFirstMover(t *testing.T) {
	in := syntheticInputs()
	n := in.Neurons
	for i, e := range n.Epochs {
		for j := 0; j < n.Neurons; j++ {
			k, f := 1+j%6, 0.3
			switch {
			case j == 0 && e >= 300:
				k, f = 3, 0.9
			case j >= 1 && j <= 4 && e >= 450:
				k, f = 5, 0.9
			case (j == 5 || j == 6) && e >= 550:
				k, f = 7, 0.9
			}
			n.Dominant[i*n.Neurons+j], n.Fraction[i*n.Neurons+j] = k, f
		}
	}
	sum, err := Compute(in, syntheticSettings(t))
	if err != nil {
		t.Fatal(err)
	}
	nl := sum.Neurons
	if show(nl.FirstMoverFrequency) != "3" || show(nl.FirstMoverCountEpoch) != "450" || show(nl.FirstMoverCountFrequency) != "5" {
		t.Errorf("first mover %s, count epoch %s of frequency %s", show(nl.FirstMoverFrequency), show(nl.FirstMoverCountEpoch), show(nl.FirstMoverCountFrequency))
	}
	if c := sum.Windows.Cascade; c.Skipped || *c.StartEpoch != 450 || *c.EndEpoch != 550 {
		t.Errorf("cascade %s-%s (%s), want 450-550", show(c.StartEpoch), show(c.EndEpoch), c.SkipReason)
	}
}
