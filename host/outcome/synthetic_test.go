package outcome

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Planted landmarks of the synthetic run (epochs 0..1000, checkpoints
// every 50).
const (
	plantedFit        = 200  // train loss first <= 0.01
	plantedPeak       = 250  // test-loss peak
	plantedOnset      = 500  // test loss first <= 20% of the peak
	plantedTestDone   = 800  // test loss first <= 0.001
	plantedGrok       = 650  // test accuracy first > 0.99
	plantedFirstMover = 300  // first specialized neuron (frequency 3)
	plantedCascade    = 400  // frequency 3 has 4 specialized neurons
	plantedCommitted  = 550  // frequency 5 committed: the final set {3, 5}
	plantedCrossover  = 600  // PR(W_out) back to PR(W_in)
	lastEpoch         = 1000 // the final checkpoint
	neurons           = 20
)

// syntheticInputs builds a run with the landmarks above planted in its
// curves and artifacts.
func syntheticInputs() *Inputs {
	n := lastEpoch + 1
	in := &Inputs{Family: "modulo_addition_1layer", Variant: "synthetic", Params: sdk.Params{"prime": int64(13), "seed": int64(1)},
		NumEpochs: lastEpoch, TrainLoss: make([]float64, n), TestLoss: make([]float64, n), TestAccuracy: make([]float64, n),
		Sources: map[string]Source{}, Missing: map[string]string{}}
	for e := 0; e < n; e++ {
		switch {
		case e < plantedFit: // 4 falling to 0.02, never <= 0.01
			in.TrainLoss[e] = 4 - float64(e)*(4-0.02)/float64(plantedFit-1)
		default:
			in.TrainLoss[e] = 0.01 / (1 + float64(e-plantedFit)/100)
		}
		switch {
		case e <= plantedPeak: // rising to the peak 6
			in.TestLoss[e] = 4 + 2*float64(e)/plantedPeak
		case e < plantedOnset: // 6 falling to 1.25 (> 1.2 = 20% of 6)
			in.TestLoss[e] = 6 - 4.75*float64(e-plantedPeak)/float64(plantedOnset-1-plantedPeak)
		case e < plantedTestDone: // 1.1 falling to 0.0011
			in.TestLoss[e] = 1.1 - (1.1-0.0011)*float64(e-plantedOnset)/float64(plantedTestDone-1-plantedOnset)
		default:
			in.TestLoss[e] = 0.001 - 0.0005*float64(e-plantedTestDone)/float64(lastEpoch-plantedTestDone)
		}
		in.TestAccuracy[e] = 0.05
		if e >= plantedGrok {
			in.TestAccuracy[e] = 1
		}
	}
	for e := 0; e <= lastEpoch; e += 50 {
		in.Checkpoints = append(in.Checkpoints, e)
	}
	in.Neurons = syntheticNeurons(in.Checkpoints)
	in.Dimensionality = &DimensionalitySeries{Epochs: in.Checkpoints}
	in.Geometry = &GeometrySeries{Epochs: in.Checkpoints}
	for _, e := range in.Checkpoints {
		out := 50.0
		if e >= 100 && e < plantedCrossover {
			out = 60
		}
		in.Dimensionality.WIn = append(in.Dimensionality.WIn, 50)
		in.Dimensionality.WOut = append(in.Dimensionality.WOut, out)
		in.Dimensionality.WE = append(in.Dimensionality.WE, float64(e)/10)
		c := min(0.9, float64(e)/700*0.9)
		if e > 700 {
			c = 0.85
		}
		in.Geometry.Circularity = append(in.Geometry.Circularity, c)
		in.Geometry.FisherMean = append(in.Geometry.FisherMean, float64(e)/100)
	}
	in.Transient = &TransientData{Frequencies: []int{3, 5, 7}, IsFinal: []bool{true, true, false}, Homeless: []int{0, 1, 2}}
	for _, src := range sourcesRead {
		in.Sources[src.analyzer] = Source{Kind: src.kind, Version: "0.1.0", Epochs: len(in.Checkpoints)}
	}
	return in
}

// syntheticNeurons plants the neurons: frequency 3 gets one specialized
// neuron at epoch 300 and four from 400 on; frequency 5 two from 550 on;
// frequency 7 one from 450 to 600 (learned, never committed); the rest
// stay below the neuron threshold.
func syntheticNeurons(epochs []int) *NeuronSeries {
	ns := &NeuronSeries{Epochs: epochs, Neurons: neurons}
	for _, e := range epochs {
		for j := 0; j < neurons; j++ {
			k, f := 1+j%6, 0.3 // unspecialized
			switch {
			case j == 0 && e >= plantedFirstMover, j < 4 && e >= plantedCascade:
				k, f = 3, 0.9
			case (j == 4 || j == 5) && e >= plantedCommitted:
				k, f = 5, 0.8
			case j == 6 && e >= 450 && e <= 600:
				k, f = 7, 0.75
			}
			ns.Dominant = append(ns.Dominant, k)
			ns.Fraction = append(ns.Fraction, f)
		}
	}
	return ns
}

func syntheticSettings(t *testing.T) Settings {
	s, err := ParseSettings(DefaultSettings(), map[string]string{"first_mover_neurons": "4", "specialized_neurons": "6"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPlantedWindows(t *testing.T) {
	sum, err := Compute(syntheticInputs(), syntheticSettings(t))
	if err != nil {
		t.Fatal(err)
	}
	l := sum.Loss
	for _, c := range []struct {
		name string
		got  *int
		want int
	}{
		{"train_loss_threshold_first_epoch", l.TrainLossThresholdFirstEpoch, plantedFit},
		{"second_descent_onset_epoch", l.SecondDescentOnsetEpoch, plantedOnset},
		{"test_loss_threshold_first_epoch", l.TestLossThresholdFirstEpoch, plantedTestDone},
		{"grokking_epoch", l.GrokkingEpoch, plantedGrok},
		{"first_mover_epoch", sum.Neurons.FirstMoverEpoch, plantedFirstMover},
		{"first_mover_frequency", sum.Neurons.FirstMoverFrequency, 3},
		{"first_mover_count_epoch", sum.Neurons.FirstMoverCountEpoch, plantedCascade},
		{"specialized_count_epoch", sum.Neurons.SpecializedCountEpoch, plantedCommitted},
		{"committed_set_epoch", sum.Neurons.CommittedSetEpoch, plantedCommitted},
		{"crossover_epoch", sum.EffectiveDimensionality.CrossoverEpoch, plantedCrossover},
		{"max_circularity_epoch", sum.Geometry.MaxCircularityEpoch, 700},
	} {
		if c.got == nil || *c.got != c.want {
			t.Errorf("%s = %v, want %d", c.name, show(c.got), c.want)
		}
	}
	if l.TestLossPeakEpoch != plantedPeak || l.SecondDescentSurvived == nil || !*l.SecondDescentSurvived {
		t.Errorf("peak epoch %d, survived %v; want %d, true", l.TestLossPeakEpoch, l.SecondDescentSurvived, plantedPeak)
	}
	want := map[string][2]int{
		"first_descent":  {0, plantedFit},
		"plateau":        {plantedFit, plantedOnset},
		"cascade":        {plantedCascade, plantedCommitted},
		"second_descent": {plantedOnset, plantedTestDone},
		"final":          {plantedTestDone, lastEpoch},
	}
	for i, w := range sum.Windows.All() {
		name := WindowNames[i]
		if w.Skipped || *w.StartEpoch != want[name][0] || *w.EndEpoch != want[name][1] {
			t.Errorf("window %s = %v-%v (skipped %v: %s), want %v", name, show(w.StartEpoch), show(w.EndEpoch), w.Skipped, w.SkipReason, want[name])
		}
		if w.Unavailable != nil {
			t.Errorf("window %s: metrics unavailable: %v", name, w.Unavailable)
		}
	}
	// Frequencies across the windows.
	casc := sum.Windows.Cascade
	if !slices.Equal(casc.CommittedFrequenciesStart, []int{3}) || !slices.Equal(casc.CommittedFrequenciesEnd, []int{3, 5}) ||
		!slices.Equal(casc.FrequencyGains, []int{5}) || len(casc.FrequencyLosses) != 0 || !slices.Equal(casc.LearnedFrequenciesEnd, []int{3, 5, 7}) {
		t.Errorf("cascade frequencies: committed %v -> %v, gains %v, losses %v, learned at end %v",
			casc.CommittedFrequenciesStart, casc.CommittedFrequenciesEnd, casc.FrequencyGains, casc.FrequencyLosses, casc.LearnedFrequenciesEnd)
	}
	if sd := sum.Windows.SecondDescent; !slices.Equal(sd.LearnedFrequenciesStart, []int{3, 7}) || !slices.Equal(sd.LearnedFrequenciesEnd, []int{3, 5}) {
		t.Errorf("second descent learned %v -> %v, want [3 7] -> [3 5] (7 is transient)", sd.LearnedFrequenciesStart, sd.LearnedFrequenciesEnd)
	}
	if n := sum.Neurons; !slices.Equal(n.CommittedFrequencies, []int{3, 5}) || n.SpecializedFinal != 6 ||
		show(n.CompetitionWindowStart) != "300" || show(n.CompetitionWindowEnd) != "550" {
		t.Errorf("final neurons: committed %v, specialized %d, competition %s-%s", n.CommittedFrequencies, n.SpecializedFinal, show(n.CompetitionWindowStart), show(n.CompetitionWindowEnd))
	}
	if tr := sum.Transient; !slices.Equal(tr.Frequencies, []int{7}) || tr.HomelessNeuronCount != 2 || *tr.HomelessNeuronFraction != 0.1 {
		t.Errorf("transient %+v", tr)
	}
	if sum.FailureMode != Healthy || sum.PerformanceClass != Healthy || len(sum.Unavailable) != 0 {
		t.Errorf("verdicts %s / %s, unavailable %v", sum.FailureMode, sum.PerformanceClass, sum.Unavailable)
	}
}

// show writes an optional epoch for a message.
func show(x *int) string {
	if x == nil {
		return "null"
	}
	return strconv.Itoa(*x)
}

// TestGolden compares the synthetic run's summary with the one in
// testdata, byte for byte (go test -update rewrites it).
func TestGolden(t *testing.T) {
	sum, err := Compute(syntheticInputs(), syntheticSettings(t))
	if err != nil {
		t.Fatal(err)
	}
	sum.InputsKey, sum.ComputedAt = "synthetic", "2026-01-01T00:00:00Z"
	got, err := Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "synthetic_summary.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("summary differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}
