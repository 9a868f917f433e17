package results

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// newVariant makes results/fam/name with a minimal metadata.json and opens
// it.
func newVariant(t *testing.T, root, fam, name string) *variant.Variant {
	t.Helper()
	dir := filepath.Join(root, fam, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	md := &variant.Metadata{FormatVersion: variant.MetadataFormat, Family: fam, Variant: name, Status: variant.StatusCreated, ResumeEpoch: -1}
	if err := variant.WriteMetadata(filepath.Join(dir, variant.MetadataFile), md); err != nil {
		t.Fatal(err)
	}
	v, err := variant.Open(root, fam, name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// analyzed is a variant analyzed by hand, as host/analysis would have:
// analyzer "per" at epochs 0 and 10 (arrays x, y; summary statistic s) with
// a stray epoch 20 file the manifest does not list, and cross-epoch
// analyzer "across".
type analyzed struct {
	root string
	v    *variant.Variant
	art  *Artifacts
	// x holds per's array x at epochs 0 and 10.
	x [2]*sdk.Tensor
}

func newAnalyzed(t *testing.T) *analyzed {
	t.Helper()
	root := t.TempDir()
	v := newVariant(t, root, "fam", "v1")
	a := &analyzed{root: root, v: v, art: For(v)}
	man := NewManifest("fam", "v1")
	rec := &AnalyzerRecord{Version: "1", Kind: sdk.PerCheckpoint, Epochs: map[int]*EpochRecord{}, Errors: map[int]string{}}
	for i, e := range []int{0, 10} {
		a.x[i] = sdk.FromFloat32([]float32{float32(e), 1, 2, 3, 4, 5}, 2, 3)
		a.write(t, a.art.EpochPath("per", e), map[string]*sdk.Tensor{"x": a.x[i], "y": sdk.FromInt64([]int64{int64(e)}, 1)})
		rec.Epochs[e] = &EpochRecord{File: EpochRel("per", e), CheckpointSHA256: "h"}
	}
	a.write(t, a.art.EpochPath("per", 20), map[string]*sdk.Tensor{"x": sdk.FromFloat32(make([]float32, 6), 2, 3)})
	a.write(t, a.art.SummaryPath("per"), map[string]*sdk.Tensor{
		"epochs": sdk.FromInt64([]int64{0, 10}, 2),
		"s":      sdk.FromFloat64([]float64{1, 2, 3, 4, 5, 6}, 2, 3),
	})
	man.Analyzers["per"] = rec
	a.write(t, a.art.CrossPath("across"), map[string]*sdk.Tensor{"traj": sdk.FromFloat64([]float64{1, 2, 3, 4}, 2, 2)})
	man.Analyzers["across"] = &AnalyzerRecord{Version: "1", Kind: sdk.CrossEpoch, Cross: &CrossRecord{File: CrossRel("across")}}
	b, err := json.Marshal(man)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(a.art.ManifestPath(), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return a
}

func (a *analyzed) write(t *testing.T, path string, arrays map[string]*sdk.Tensor) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := artifact.WriteNPZ(path, arrays, artifact.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
}

func (a *analyzed) reader(t *testing.T) *Reader {
	t.Helper()
	rd, err := a.art.Reader()
	if err != nil {
		t.Fatal(err)
	}
	return rd
}
