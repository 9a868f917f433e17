package results

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/sdk"
)

// writeProbes records probes default "grid" and "train" by hand (ForProbe
// reads probes.json only, not the probe files).
func writeProbes(t *testing.T, a *analyzed) {
	t.Helper()
	h := strings.Repeat("a", 64)
	rec := func(name string) string {
		return `"` + name + `": {"description": "d", "source": "family", "rows": 4, "n_ctx": 3, "sha256": "` + h +
			`", "tokens": {"file": "` + name + `/tokens.npy", "sha256": "` + h + `"}, "created": "2026-01-01T00:00:00Z"}`
	}
	body := `{"format_version": 1, "default": "grid", "probes": {` + rec("grid") + `, ` + rec("train") + `}}`
	if err := os.MkdirAll(a.v.ProbesDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(a.v.ProbesDir(), "probes.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestForProbe(t *testing.T) {
	a := newAnalyzed(t)
	fam := &registry.FamilyManifest{Name: "fam"}
	// Before any probe is recorded: the family's canonical probe (here the
	// implicit "default") is analysis/ itself.
	if art, err := ForProbe(a.v, fam, ""); err != nil || art.Dir() != a.art.Dir() || art.Probe() != registry.DefaultProbeName {
		t.Fatalf("no probes yet: %v, %v", art, err)
	}
	if _, err := ForProbe(a.v, fam, "train"); !errors.Is(err, ErrNotFound) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a probe not recorded: %v", err)
	}
	writeProbes(t, a)
	for _, name := range []string{"", "grid"} {
		art, err := ForProbe(a.v, fam, name)
		if err != nil || art.Dir() != a.art.Dir() || art.Probe() != "grid" {
			t.Errorf("default %q: %v, %v", name, art, err)
		}
	}
	tr, err := ForProbe(a.v, fam, "train")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(a.art.Dir(), "probes", "train"); tr.Dir() != want || tr.Probe() != "train" {
		t.Errorf("train folder %s, want %s", tr.Dir(), want)
	}
	// The probe's analyses are apart from the default's: none yet.
	if _, err := tr.Reader(); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "has no analysis over probe train yet") {
		t.Errorf("train before any analysis: %v", err)
	}
	man := NewManifest("fam", "v1")
	man.Probe = &ProbeRef{Name: "train", SHA256: strings.Repeat("b", 64)}
	man.Analyzers["per"] = &AnalyzerRecord{Version: "1", Kind: sdk.PerCheckpoint, Epochs: map[int]*EpochRecord{5: {File: EpochRel("per", 5)}}}
	a.write(t, tr.EpochPath("per", 5), map[string]*sdk.Tensor{"x": sdk.FromInt64([]int64{7}, 1)})
	writeManifest(t, tr, man)
	rd, err := tr.Reader()
	if err != nil {
		t.Fatal(err)
	}
	if rd.Manifest().Probe.Name != "train" {
		t.Errorf("manifest probe %+v", rd.Manifest().Probe)
	}
	if eps, _ := rd.Epochs("per"); len(eps) != 1 || eps[0] != 5 {
		t.Errorf("train epochs %v, the default's are 0 and 10", eps)
	}
	for _, c := range []struct {
		name string
		kind error
		want string
	}{
		{"Train", ErrSelection, `probe "Train" is not a probe name`},
		{"../x", ErrSelection, "is not a probe name"},
		{"test", ErrNotFound, `has no probe "test" (it has: grid, train;`},
	} {
		if _, err := ForProbe(a.v, fam, c.name); !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func writeManifest(t *testing.T, art *Artifacts, m *Manifest) {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(art.ManifestPath(), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
