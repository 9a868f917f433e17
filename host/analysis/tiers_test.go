package analysis

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
)

// TestTiersRunInDependencyOrder: a secondary analyzer (neuron_fourier, from
// parameter_snapshot's epochs) runs after the per-checkpoint phase and a
// cross-epoch analyzer reading another's cross-epoch arrays
// (transient_frequency, from neuron_dynamics) after that one, whatever the
// order they are registered in; a rerun finds them up to date, and an epoch
// whose inputs changed is recomputed alone.
func TestTiersRunInDependencyOrder(t *testing.T) {
	v := trainedVariant(t)
	ms := manifests(t, "transient_frequency", "neuron_fourier", "neuron_dynamics", "parameter_snapshot", "neuron_freq_norm")
	rep, err := newRun(v, Config{}, ms...).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Analyzers["neuron_fourier"].Computed; got != 4 {
		t.Errorf("neuron_fourier computed %d epochs, want 4", got)
	}
	for _, n := range []string{"neuron_dynamics", "transient_frequency"} {
		if rep.Analyzers[n].Computed != 1 {
			t.Errorf("%s computed %d, want its cross-epoch artifact", n, rep.Analyzers[n].Computed)
		}
	}
	art := results.For(v)
	for _, e := range []int{0, 10, 20, 30} {
		if !art.EpochOnDisk("neuron_fourier", e) {
			t.Errorf("neuron_fourier epoch %d not written", e)
		}
	}
	if !art.CrossOnDisk("transient_frequency") {
		t.Error("transient_frequency not written")
	}
	man, err := art.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if man.State != results.Complete {
		t.Errorf("state %s", man.State)
	}

	rep, err = newRun(v, Config{}, ms...).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a := rep.Analyzers["neuron_fourier"]; a.Computed != 0 || a.UpToDate != 4 {
		t.Errorf("rerun: neuron_fourier computed %d, up to date %d", a.Computed, a.UpToDate)
	}
	if a := rep.Analyzers["transient_frequency"]; a.Computed != 0 {
		t.Errorf("rerun: transient_frequency computed %d", a.Computed)
	}

	// A source epoch that changes makes that secondary epoch stale.
	man.Analyzers["parameter_snapshot"].Epochs[20].SHA256 = "0000"
	if err := saveManifest(man, art.ManifestPath()); err != nil {
		t.Fatal(err)
	}
	rep, err = newRun(v, Config{}, ms...).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// parameter_snapshot's epoch 20 no longer matches its file: it is
	// recomputed (same bytes, its true hash), and so neuron_fourier's epoch
	// 20 is judged against that: up to date again.
	if got := rep.Analyzers["parameter_snapshot"].Computed; got != 1 {
		t.Errorf("parameter_snapshot recomputed %d", got)
	}
	if a := rep.Analyzers["neuron_fourier"]; a.Computed != 0 || a.UpToDate != 4 {
		t.Errorf("after an identical recompute: neuron_fourier computed %d, up to date %d", a.Computed, a.UpToDate)
	}
	man, _ = art.Manifest()
	man.Analyzers["neuron_fourier"].Epochs[10].InputsKey = "other inputs"
	saveManifest(man, art.ManifestPath())
	rep, err = newRun(v, Config{}, ms...).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a := rep.Analyzers["neuron_fourier"]; a.Computed != 1 || a.UpToDate != 3 {
		t.Errorf("stale inputs: neuron_fourier computed %d, up to date %d, want 1 and 3", a.Computed, a.UpToDate)
	}
}

// TestSecondaryThatCannotStart: a secondary analyzer whose plugin cannot be
// launched (here it reports another kind than its analyzer.json) is that
// analyzer's recorded failure; the run and the others go on.
func TestSecondaryThatCannotStart(t *testing.T) {
	v := trainedVariant(t)
	bad := faultManifest(t, "rowsum", "")
	bad.Kind = "secondary"
	bad.Inputs.Hooks = nil
	bad.Inputs.Artifacts = []registry.ArtifactRef{{Analyzer: "parameter_snapshot"}}
	ms := append(manifests(t, "parameter_snapshot"), bad)
	rep, err := newRun(v, Config{}, ms...).Execute(context.Background())
	if !errors.Is(err, ErrFailures) {
		t.Fatalf("Execute: %v, want ErrFailures", err)
	}
	if msg := rep.Analyzers["rowsum"].Failures[-1]; !strings.Contains(msg, "rowsum") {
		t.Errorf("failure %q", msg)
	}
	if got := rep.Analyzers["parameter_snapshot"].Computed; got != 4 {
		t.Errorf("parameter_snapshot computed %d", got)
	}
	man, _ := results.For(v).Manifest()
	if man.State != results.CompleteWithErrors || man.Analyzers["rowsum"].Errors[-1] == "" {
		t.Errorf("state %s, errors %v", man.State, man.Analyzers["rowsum"].Errors)
	}
}
