package outcome_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/internal/plugintest"
	"github.com/tdw-workbench/tdw/host/outcome"
	"github.com/tdw-workbench/tdw/host/pluginhost"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

// The analyzers a summary reads (and neuron_dynamics' input).
var e2eAnalyzers = []string{"neuron_freq_norm", "neuron_dynamics", "effective_dimensionality", "repr_geometry"}

// TestRealVariant trains a tiny variant (p = 17, 60 epochs), analyzes it
// with the real analyzer plugins and summarizes it: every section is read
// from its artifact (transient_frequency is not installed: null, with the
// reason), the landmarks agree with metadata.json, and the summary is
// fresh until an input changes.
func TestRealVariant(t *testing.T) {
	dir := t.TempDir()
	andir := filepath.Join(dir, "analyzers")
	if err := plugintest.BuildAnalyzers(andir, e2eAnalyzers); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pluginhost.CloseAll)
	v := trainTiny(t, filepath.Join(dir, "results"))
	analyze(t, v, andir)

	sum, wrote, err := outcome.Update(v, nil, false)
	if err != nil || !wrote {
		t.Fatalf("update: wrote %v, %v", wrote, err)
	}
	md, err := v.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	checkAgainstMetadata(t, sum, md)
	for _, a := range []string{"neuron_dynamics", "effective_dimensionality", "repr_geometry"} {
		if src, ok := sum.Sources[a]; !ok || src.Epochs != len(md.CheckpointEpochs) {
			t.Errorf("source %s: %+v, want %d epochs", a, src, len(md.CheckpointEpochs))
		}
	}
	if sum.Neurons == nil || sum.Neurons.Neurons != 512 || sum.EffectiveDimensionality == nil || sum.Geometry == nil {
		t.Fatalf("sections: neurons %+v, dimensionality %+v, geometry %+v (unavailable: %v)", sum.Neurons, sum.EffectiveDimensionality, sum.Geometry, sum.Unavailable)
	}
	if sum.Transient != nil || sum.Unavailable["transient"] != "analyzer transient_frequency has not run on this variant" {
		t.Errorf("transient %+v, unavailable because %q", sum.Transient, sum.Unavailable["transient"])
	}
	onDisk, err := outcome.Read(v)
	if err != nil || onDisk.InputsKey != sum.InputsKey || onDisk.ComputedAt == "" {
		t.Fatalf("read back: %+v, %v", onDisk, err)
	}
	checkStaleness(t, v, sum)
}

func trainTiny(t *testing.T, results string) *variant.Variant {
	t.Helper()
	fam, err := registry.LoadFamily(filepath.Join(plugintest.RepoRoot(), "model_families", "modulo_addition_1layer", "family.json"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := variant.Create(context.Background(), results, fam, modadd.New(), sdk.Params{"prime": 17, "train_fraction": 0.5, "seed": 1, "data_seed": 2}, "test")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := variant.ResolveTraining(fam, "", 60, "0:60:10")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Train(context.Background(), variant.TrainOptions{Family: modadd.New(), Training: ts, TDWVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	return v
}

func analyze(t *testing.T, v *variant.Variant, andir string) {
	t.Helper()
	ans := registry.NewAnalyzerRegistry()
	if probs, err := ans.Discover(andir); err != nil || len(probs) > 0 {
		t.Fatalf("discover: %v %v", err, probs)
	}
	run := analysis.New(v, modadd.New(), analysis.Config{}, analysis.Options{Launch: analysis.PluginLauncher(pluginhost.Options{Logger: hclog.NewNullLogger()}), Logger: hclog.NewNullLogger()})
	for _, a := range e2eAnalyzers {
		m, err := ans.Get(a)
		if err != nil {
			t.Fatal(err)
		}
		run.Register(m)
	}
	if rep, err := run.Execute(context.Background()); err != nil {
		t.Fatalf("analysis: %v (%+v)", err, rep)
	}
}

// checkAgainstMetadata recomputes the loss landmarks from metadata.json.
func checkAgainstMetadata(t *testing.T, sum *outcome.Summary, md *variant.Metadata) {
	t.Helper()
	last := md.Checkpoints[len(md.Checkpoints)-1]
	train := append(append([]float64(nil), md.TrainLosses...), last.TrainLoss)
	test := append(append([]float64(nil), md.TestLosses...), last.TestLoss)
	peak, lo := 0, 0
	for e := range test {
		if test[e] > test[peak] {
			peak = e
		}
		if train[e] < train[lo] {
			lo = e
		}
	}
	l := sum.Loss
	if sum.LastEpoch != 60 || l.TestLossPeakEpoch != peak || l.TestLossPeak != test[peak] || l.TrainLossMinEpoch != lo || *l.TestLossFinal != last.TestLoss {
		t.Errorf("landmarks %+v; metadata: peak %v at %d, train minimum at %d, final test loss %v", l, test[peak], peak, lo, last.TestLoss)
	}
	if g := md.GrokkingEpoch(); (g < 0) != (l.GrokkingEpoch == nil) || (g >= 0 && *l.GrokkingEpoch != g) {
		t.Errorf("grokking epoch %v, metadata says %d", l.GrokkingEpoch, g)
	}
	if g := md.GrokkingEpoch(); g < 0 && (sum.FailureMode != outcome.NoGrokking || !strings.Contains(sum.FailureModeReasons[0], "never grokked")) {
		t.Errorf("a variant that never grokked: %s %v", sum.FailureMode, sum.FailureModeReasons)
	}
}

// checkStaleness: fresh as written; an unchanged rerun writes nothing;
// given settings recompute and stick; a rewritten metadata.json makes it
// stale.
func checkStaleness(t *testing.T, v *variant.Variant, sum *outcome.Summary) {
	t.Helper()
	if st, err := outcome.Check(v); err != nil || st.State != outcome.Fresh {
		t.Errorf("check after writing: %s, %v", st.State, err)
	}
	if _, wrote, err := outcome.Update(v, nil, false); err != nil || wrote {
		t.Errorf("an up-to-date summary was rewritten (%v, %v)", wrote, err)
	}
	s2, wrote, err := outcome.Update(v, map[string]string{"neuron_threshold": "0.6"}, false)
	if err != nil || !wrote || s2.Settings.NeuronThreshold != 0.6 || s2.InputsKey == sum.InputsKey {
		t.Errorf("new settings: wrote %v, threshold %v, key %s (was %s), %v", wrote, s2.Settings.NeuronThreshold, s2.InputsKey, sum.InputsKey, err)
	}
	if s3, wrote, err := outcome.Update(v, nil, false); err != nil || wrote || s3.Settings.NeuronThreshold != 0.6 {
		t.Errorf("settings did not stick: wrote %v, threshold %v, %v", wrote, s3.Settings.NeuronThreshold, err)
	}
	md, err := v.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	md.WallTimeSeconds += 1
	if err := variant.WriteMetadata(v.MetadataPath(), md); err != nil {
		t.Fatal(err)
	}
	if st, err := outcome.Check(v); err != nil || st.State != outcome.Stale {
		t.Errorf("check after metadata.json changed: %s, %v", st.State, err)
	}
	if err := os.Remove(filepath.Join(v.Dir(), outcome.FileName)); err != nil {
		t.Fatal(err)
	}
	if st, err := outcome.Check(v); err != nil || st.State != outcome.Missing {
		t.Errorf("check without a summary: %s, %v", st.State, err)
	}
	if _, err := outcome.Read(v); !errors.Is(err, outcome.ErrNoSummary) {
		t.Errorf("read without a summary: %v", err)
	}
}
