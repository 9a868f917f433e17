package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/pluginhost"
	"github.com/tdw-workbench/tdw/host/probe"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

// probeRun is a run over the named probe ("" the default) with the
// family's probes declared.
func probeRun(v *variant.Variant, fam *registry.FamilyManifest, name string, force bool, ms ...*registry.AnalyzerManifest) *Run {
	r := New(v, modadd.New(), Config{Probe: name, Force: force}, Options{Launch: PluginLauncher(pluginhost.Options{}), Family: fam})
	for _, m := range ms {
		r.Register(m)
	}
	return r
}

func execute(t *testing.T, r *Run) *Report {
	t.Helper()
	rep, err := r.Execute(context.Background())
	if err != nil {
		t.Fatalf("Execute: %v (report %+v)", err, rep)
	}
	return rep
}

func probeArtifacts(t *testing.T, v *variant.Variant, fam *registry.FamilyManifest, name string) *results.Artifacts {
	t.Helper()
	art, err := results.ForProbe(v, fam, name)
	if err != nil {
		t.Fatal(err)
	}
	return art
}

// fileHashes maps every file under dir (relative path) to its bytes' hash.
func fileHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// An analysis over two probes of one variant writes each probe's artifacts
// apart, each computed over its own rows: input_trace over the train split
// is the full grid's input_trace at the training rows, every row a training
// input; the weights-only parameter_snapshot is the same bytes over either;
// the analyzers that need the full grid are skipped on the split, with the
// reason, and so is the cross-epoch analyzer that reads one of them.
func TestTwoProbesOfOneVariant(t *testing.T) {
	v, fam := trainedVariantOf(t)
	ms := manifests(t, "input_trace", "parameter_snapshot", "neuron_freq_norm", "neuron_dynamics")
	execute(t, probeRun(v, fam, "", false, ms...))
	rep := execute(t, probeRun(v, fam, "train", false, ms...))
	for name, want := range map[string]string{
		"neuron_freq_norm": `context "probe_shape", which the family's analysis context over this probe does not hold`,
		"neuron_dynamics":  "its input neuron_freq_norm is not applicable",
	} {
		if got := rep.Analyzers[name].Skipped; !strings.Contains(got, want) {
			t.Errorf("%s on the train split: skipped %q, want ...%s...", name, got, want)
		}
	}
	if rep.Analyzers["input_trace"].Computed != 4 || rep.Analyzers["input_trace"].Skipped != "" {
		t.Errorf("input_trace over train: %+v", rep.Analyzers["input_trace"])
	}
	full, train := probeArtifacts(t, v, fam, "full_grid"), probeArtifacts(t, v, fam, "train")
	if want := filepath.Join(v.ArtifactsDir(), "probes", "train"); train.Dir() != want || full.Dir() != v.ArtifactsDir() {
		t.Fatalf("folders %s and %s", full.Dir(), train.Dir())
	}
	meta, err := v.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	fr, _ := full.Reader()
	tr, err := train.Reader()
	if err != nil {
		t.Fatal(err)
	}
	if p := tr.Manifest().Probe; p == nil || p.Name != "train" || fr.Manifest().Probe.Name != "full_grid" {
		t.Errorf("manifests' probes %+v and %+v", fr.Manifest().Probe, p)
	}
	if rec, err := tr.Manifest().Analyzer("neuron_freq_norm"); err != nil || len(rec.Epochs) != 0 || !strings.Contains(rec.NotApplicable, `context "probe_shape"`) {
		t.Errorf("a skipped analyzer's record over the train split: %+v, %v; want only the not_applicable reason", rec, err)
	}
	// Readers of its artifacts are told why there are none.
	if _, err := tr.OpenEpoch("neuron_freq_norm", 10); !errors.Is(err, results.ErrNotFound) || !strings.Contains(err.Error(), "not applicable: ") {
		t.Errorf("reading a skipped analyzer's artifact: %v", err)
	}
	for _, e := range []int{0, 10, 20, 30} {
		f, _ := fr.LoadEpoch("input_trace", e)
		s, err := tr.LoadEpoch("input_trace", e)
		if err != nil {
			t.Fatal(err)
		}
		n := len(meta.TrainIndices)
		if s["predictions"].Len() != n {
			t.Fatalf("epoch %d: %d rows over the train split, want %d", e, s["predictions"].Len(), n)
		}
		fp, sp := f["predictions"].AsFloat64(), s["predictions"].AsFloat64()
		fc, sc := f["confidence"].AsFloat64(), s["confidence"].AsFloat64()
		split := s["split"].AsFloat64()
		for i, k := range meta.TrainIndices {
			if sp[i] != fp[k] || !scalar.EqualWithinAbsOrRel(sc[i], fc[k], 1e-6, 1e-5) || split[i] != 1 {
				t.Fatalf("epoch %d row %d (grid row %d): prediction %v confidence %v split %v, full grid %v %v",
					e, i, k, sp[i], sc[i], split[i], fp[k], fc[k])
			}
		}
		fs, _ := fr.Manifest().Analyzers["input_trace"].Epochs[e].Summary["train_overall_accuracy"].Tensor()
		ss, _ := tr.Manifest().Analyzers["input_trace"].Epochs[e].Summary["train_overall_accuracy"].Tensor()
		ts, _ := tr.Manifest().Analyzers["input_trace"].Epochs[e].Summary["test_overall_accuracy"].Tensor()
		if !scalar.EqualWithinAbsOrRel(ss.AsFloat64()[0], fs.AsFloat64()[0], 0, 1e-12) || !math.IsNaN(ts.AsFloat64()[0]) {
			t.Errorf("epoch %d: train accuracy %v over the split, %v over the grid; test accuracy %v over the split (want NaN)",
				e, ss.AsFloat64(), fs.AsFloat64(), ts.AsFloat64())
		}
		a, _ := os.ReadFile(full.EpochPath("parameter_snapshot", e))
		b, _ := os.ReadFile(train.EpochPath("parameter_snapshot", e))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("epoch %d: parameter_snapshot differs between probes", e)
		}
	}
}

// The default probe keeps today's paths and bytes: a variant analyzed before
// probes were recorded (no probes/, a manifest without a probe) is up to
// date for a run that records its probes, and recomputing gives the same
// files.
func TestDefaultProbeKeepsArtifacts(t *testing.T) {
	v, fam := trainedVariantOf(t)
	ms := manifests(t, "input_trace", "parameter_snapshot", "neuron_freq_norm", "neuron_dynamics")
	execute(t, probeRun(v, fam, "", false, ms...))
	// What an analysis before probes left: no probes folder, a format 2
	// manifest without a probe.
	if err := os.RemoveAll(v.ProbesDir()); err != nil {
		t.Fatal(err)
	}
	art := results.For(v)
	var man map[string]any
	b, _ := os.ReadFile(art.ManifestPath())
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	delete(man, "probe")
	man["format_version"] = 2
	b, _ = json.Marshal(man)
	os.WriteFile(art.ManifestPath(), b, 0o644)
	before := fileHashes(t, art.Dir())

	sts, err := Status(v, ms)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sts {
		if len(s.Stale)+len(s.Missing) > 0 || (s.Kind == "cross-epoch" && s.Cross != "done") {
			t.Errorf("legacy %s: %+v", s.Name, s)
		}
	}
	rep := execute(t, probeRun(v, fam, "", false, ms...))
	for name, a := range rep.Analyzers {
		if a.Computed != 0 {
			t.Errorf("%s recomputed %d artifacts of a variant analyzed before probes", name, a.Computed)
		}
	}
	ix, err := probe.ReadIndex(v)
	if err != nil || ix.Default != "full_grid" {
		t.Fatalf("probes recorded on first use: %+v, %v", ix, err)
	}
	rd, _ := art.Reader()
	if p := rd.Manifest().Probe; p == nil || p.Name != "full_grid" || p.SHA256 != ix.Probes["full_grid"].SHA256 {
		t.Errorf("manifest probe %+v", p)
	}
	execute(t, probeRun(v, fam, "", true, ms...))
	after := fileHashes(t, art.Dir())
	for rel, h := range before {
		if rel == "manifest.json" {
			continue
		}
		if after[rel] != h {
			t.Errorf("%s changed when recomputed over the recorded default probe", rel)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d files after, %d before", len(after), len(before))
	}
}

// A probe whose content changed (removed and recorded anew under its name)
// makes its artifacts stale; one whose files were changed on disk is
// refused, naming the file.
func TestChangedProbeIsStale(t *testing.T) {
	v, fam := trainedVariantOf(t)
	ms := manifests(t, "input_trace")
	add := func(rows []int64) {
		t.Helper()
		var tok []int64
		for _, k := range rows {
			tok = append(tok, k/17, k%17, 17)
		}
		p := filepath.Join(t.TempDir(), "mine.npy")
		if err := artifact.WriteNPY(p, sdk.FromInt64(tok, len(rows), 3)); err != nil {
			t.Fatal(err)
		}
		if _, err := probe.Add(v, fam, probe.AddRequest{Name: "mine", Tokens: p}); err != nil {
			t.Fatal(err)
		}
	}
	add([]int64{0, 1, 2, 20})
	rep := execute(t, probeRun(v, fam, "mine", false, ms...))
	if rep.Analyzers["input_trace"].Computed != 4 {
		t.Fatalf("first run: %+v", rep.Analyzers["input_trace"])
	}
	art := probeArtifacts(t, v, fam, "mine")
	status := func() ArtifactStatus {
		t.Helper()
		sts, err := ProbeStatus(v, art, ms)
		if err != nil {
			t.Fatal(err)
		}
		return sts[0]
	}
	if s := status(); len(s.Done) != 4 {
		t.Fatalf("after the run: %+v", s)
	}
	// Remove the probe and record other rows under its name.
	ix, _ := probe.ReadIndex(v)
	delete(ix.Probes, "mine")
	b, _ := json.MarshalIndent(ix, "", "  ")
	os.WriteFile(probe.IndexPath(v), b, 0o644)
	os.RemoveAll(filepath.Join(v.ProbesDir(), "mine"))
	add([]int64{5, 6, 7})
	if s := status(); len(s.Stale) != 4 || len(s.Done) != 0 {
		t.Errorf("after the probe changed: %+v", s)
	}
	rep = execute(t, probeRun(v, fam, "mine", false, ms...))
	if rep.Analyzers["input_trace"].Computed != 4 {
		t.Errorf("rerun after the probe changed: %+v", rep.Analyzers["input_trace"])
	}
	rd, _ := art.Reader()
	if got, _ := rd.LoadEpoch("input_trace", 30); got["predictions"].Len() != 3 {
		t.Errorf("rows %d, want the new probe's 3", got["predictions"].Len())
	}
	// The default probe's artifacts are not touched by any of it.
	if _, err := os.Stat(results.For(v).ManifestPath()); err == nil {
		t.Error("runs over probe mine wrote the default probe's manifest")
	}
	// A tokens file edited after it was recorded is refused.
	path := filepath.Join(v.ProbesDir(), "mine", probe.TokensFile)
	tok, _ := artifact.ReadNPY(path)
	tok.Int64s()[0] = 3
	artifact.WriteNPY(path, tok)
	_, err := probeRun(v, fam, "mine", false, ms...).Execute(context.Background())
	if err == nil || !strings.Contains(err.Error(), path+" has sha256") {
		t.Errorf("a changed probe file: %v", err)
	}
}

// A probe added without labels runs; the host's Evaluate over it says why
// it cannot, and probe_labels is not in the context.
func TestProbeWithoutLabels(t *testing.T) {
	v, fam := trainedVariantOf(t)
	p := filepath.Join(t.TempDir(), "pairs.npy")
	artifact.WriteNPY(p, sdk.FromInt64([]int64{1, 2, 17, 3, 4, 17}, 2, 3))
	if _, err := probe.Add(v, fam, probe.AddRequest{Name: "pairs", Tokens: p}); err != nil {
		t.Fatal(err)
	}
	r := probeRun(v, fam, "pairs", false)
	rp, err := r.selectProbe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctxt, err := r.probeContext(context.Background(), rp)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ctxt["probe_labels"]; ok || ctxt["probe_tokens"] == nil || ctxt["labels"].Len() != 2 {
		t.Errorf("context %v", ctxt)
	}
	// Analyzers are told which probe they run on.
	s, err := r.prepare(context.Background(), rp)
	if err != nil {
		t.Fatal(err)
	}
	if run := r.runInfo(s, &active{needs: &needs{}}); run.Probe != "pairs" || s.symbols["batch"] != 2 {
		t.Errorf("run probe %q, batch %d", run.Probe, s.symbols["batch"])
	}
	h, err := newHostService(rp.probe.Dataset, rp.base, []int{0}, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.split(sdk.SplitAll); err == nil || !strings.Contains(err.Error(), "no labels") {
		t.Errorf("split all of a probe without labels: %v", err)
	}
	if ds, err := h.split(sdk.SplitTrain); err != nil || ds.Tokens.Shape()[0] != 1 {
		t.Errorf("the train split comes from the default probe: %v", err)
	}
}
