package view

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// manifests is an analyzer registry of fixed manifests.
type manifests map[string]*registry.AnalyzerManifest

func (m manifests) Get(name string) (*registry.AnalyzerManifest, error) {
	if a, ok := m[name]; ok {
		return a, nil
	}
	return nil, os.ErrNotExist
}

// fixtureManifests declare the fixture's analyzers as analyzer.json would:
// "norm" with axis names, values and a sorted heatmap; the others bare, so
// their views are the shape-driven fallback.
var fixtureManifests = manifests{
	"norm": {Name: "norm", Kind: sdk.PerCheckpoint,
		Outputs: []registry.OutputSpec{{Name: "norm_matrix", Shape: "(n_freq, neurons)", Axes: []string{"freq", "neuron"},
			AxisMeta: []registry.AxisMeta{{Name: "freq", Title: "frequency k", Start: 1}, {Name: "neuron"}},
			Value:    &registry.ValueMeta{Title: "fraction of variance", Range: &[2]float64{0, 1}},
			Views:    []registry.ViewHint{{Kind: "sorted_heatmap", Sort: "neuron"}, {Kind: "heatmap"}}}},
		Summary: []registry.OutputSpec{
			{Name: "count", Shape: "()", Value: &registry.ValueMeta{Title: "specialized neurons"}, Views: []registry.ViewHint{{Kind: "lines"}}},
			{Name: "per_freq", Shape: "(n_freq)", Axes: []string{"freq"}, AxisMeta: []registry.AxisMeta{{Name: "freq", Title: "frequency k", Start: 1}},
				Value: &registry.ValueMeta{Title: "specialized neurons"}, Views: []registry.ViewHint{{Kind: "heatmap"}}},
		}},
	"acts": {Name: "acts", Kind: sdk.PerCheckpoint,
		Outputs: []registry.OutputSpec{{Name: "activations", Shape: "(neurons, p, p)", Axes: []string{"neuron", "a", "b"},
			AxisMeta: []registry.AxisMeta{{Name: "neuron"}, {Name: "a"}, {Name: "b"}}, Value: &registry.ValueMeta{Title: "activation"},
			Views: []registry.ViewHint{{Kind: "heatmap"}}}}},
}

// fixture is a variant trained 20 epochs (checkpoints 0, 10, 20, the last
// evaluated in its checkpoint record only) and analyzed by hand:
//   - norm (declared): norm_matrix (3, 5) at each checkpoint, summary count
//     and per_freq (3,);
//   - acts (declared): activations (2, 8, 8);
//   - plain (undeclared): correct (64,) bool, zeros (4, 4) all 0, signed
//     (3, 3) of both signs, scalar ();
//   - traj (undeclared, cross-epoch): epochs, proj (3, 3).
func fixture(t *testing.T) *variant.Variant {
	t.Helper()
	root := t.TempDir()
	const fam, name = "fam", "fam_v1"
	dir := filepath.Join(root, fam, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	md := &variant.Metadata{FormatVersion: variant.MetadataFormat, Family: fam, Variant: name, Status: variant.StatusComplete,
		NumEpochs: 20, EpochsCompleted: 20, ResumeEpoch: -1, CheckpointEpochs: []int{0, 10, 20}}
	for e := range 20 {
		md.TrainLosses = append(md.TrainLosses, 4*math.Exp(-float64(e)/3))
		md.TestLosses = append(md.TestLosses, 4.5*math.Exp(-float64(e)/8))
		md.TestAccuracies = append(md.TestAccuracies, math.Min(1, float64(e)/15))
	}
	for _, e := range []int{0, 10, 20} {
		r := variant.CheckpointRecord{Epoch: e, File: fmt.Sprintf("checkpoints/checkpoint_epoch_%05d.safetensors", e), TrainLoss: 4 * math.Exp(-float64(e)/3),
			TestLoss: 4.5 * math.Exp(-float64(e)/8), TrainAccuracy: math.Min(1, float64(e)/10), TestAccuracy: math.Min(1, float64(e)/15)}
		md.Checkpoints = append(md.Checkpoints, r)
	}
	if err := variant.WriteMetadata(filepath.Join(dir, variant.MetadataFile), md); err != nil {
		t.Fatal(err)
	}
	v, err := variant.Open(root, fam, name)
	if err != nil {
		t.Fatal(err)
	}
	writeArtifacts(t, v)
	return v
}

// writeArtifacts writes the fixture's analysis and its manifest.
func writeArtifacts(t *testing.T, v *variant.Variant) {
	t.Helper()
	art := results.For(v)
	rng := rand.New(rand.NewPCG(1, 2))
	man := results.NewManifest(v.Family, v.Name)
	epochs := []int{0, 10, 20}
	per := func(name string, arrays func(i int) map[string]*sdk.Tensor) {
		rec := &results.AnalyzerRecord{Version: "1", Kind: sdk.PerCheckpoint, Epochs: map[int]*results.EpochRecord{}}
		for i, e := range epochs {
			write(t, art.EpochPath(name, e), arrays(i))
			rec.Epochs[e] = &results.EpochRecord{File: results.EpochRel(name, e), CheckpointSHA256: "h"}
		}
		man.Analyzers[name] = rec
	}
	per("norm", func(i int) map[string]*sdk.Tensor {
		// Neuron n peaks at frequency row (n*2)%3, more sharply at later epochs.
		m := make([]float32, 15)
		for n := range 5 {
			for k := range 3 {
				m[k*5+n] = float32(0.05 + 0.1*rng.Float64())
			}
			m[((n*2)%3)*5+n] = float32(0.3 + 0.3*float64(i) + 0.01*float64(n))
		}
		return map[string]*sdk.Tensor{"norm_matrix": sdk.FromFloat32(m, 3, 5)}
	})
	per("acts", func(i int) map[string]*sdk.Tensor {
		a := make([]float32, 2*8*8)
		for j := range a {
			a[j] = float32(float64(i+1) * rng.Float64())
		}
		return map[string]*sdk.Tensor{"activations": sdk.FromFloat32(a, 2, 8, 8)}
	})
	per("plain", func(i int) map[string]*sdk.Tensor {
		correct := make([]bool, 64)
		for j := range correct {
			correct[j] = j%(3+i) != 0
		}
		return map[string]*sdk.Tensor{
			"correct": sdk.FromBool(correct, 64),
			"zeros":   sdk.FromFloat64(make([]float64, 16), 4, 4),
			"signed":  sdk.FromFloat64([]float64{-2, -1, 0, 1, 2, 3, -3, 0.5, 1.5}, 3, 3),
			"scalar":  sdk.FromFloat64([]float64{0.125 * float64(i+1)}),
		}
	})
	write(t, art.SummaryPath("norm"), map[string]*sdk.Tensor{
		"epochs":   sdk.FromInt64([]int64{0, 10, 20}, 3),
		"count":    sdk.FromInt64([]int64{0, 2, 5}, 3),
		"per_freq": sdk.FromInt64([]int64{0, 0, 0, 1, 1, 0, 2, 2, 1}, 3, 3),
	})
	write(t, art.CrossPath("traj"), map[string]*sdk.Tensor{
		"epochs": sdk.FromInt64([]int64{0, 10, 20}, 3),
		"proj":   sdk.FromFloat64([]float64{1, 0, 0.5, 0.5, 0.8, 0.25, -0.5, 1, 0}, 3, 3),
	})
	man.Analyzers["traj"] = &results.AnalyzerRecord{Version: "1", Kind: sdk.CrossEpoch, Cross: &results.CrossRecord{File: results.CrossRel("traj")}}
	b, err := json.Marshal(man)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(art.ManifestPath(), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path string, arrays map[string]*sdk.Tensor) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := artifact.WriteNPZ(path, arrays, artifact.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
}
