package probe

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

// familyJSON is the real family.json of the modular-addition family.
const familyJSON = "../../model_families/modulo_addition_1layer/family.json"

// loadFamily loads family.json from a temporary family folder holding a
// stand-in executable (the registry insists the command exists; these tests
// use the family in-process). edit, when set, changes the JSON first.
func loadFamily(t *testing.T, edit func(string) string) *registry.FamilyManifest {
	t.Helper()
	data, err := os.ReadFile(familyJSON)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if edit != nil {
		s = edit(s)
	}
	dir := filepath.Join(t.TempDir(), "modulo_addition_1layer")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "modulo_addition_1layer"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "family.json")
	if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := registry.LoadFamily(file)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// newVariant creates a p=7 variant (config and metadata only: probes need
// no training).
func newVariant(t *testing.T, fam *registry.FamilyManifest) *variant.Variant {
	t.Helper()
	v, err := variant.Create(context.Background(), t.TempDir(), fam, modadd.New(), sdk.Params{"prime": int64(7), "train_fraction": 0.5}, "test")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestEnsureRecordsTheFamilysProbes(t *testing.T) {
	fam := loadFamily(t, nil)
	v := newVariant(t, fam)
	ctx := context.Background()
	ix, err := Ensure(ctx, v, fam, modadd.New())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ix.Names(), ","); got != "full_grid,residue_classes,test,train" || ix.Default != "full_grid" {
		t.Fatalf("recorded %s, default %s", got, ix.Default)
	}
	// The default probe is the plugin's Probe, byte for byte: the input every
	// analysis of the family used before probes were recorded.
	old, _ := modadd.New().Probe(ctx, v.Params)
	p, rec, err := Load(v, "full_grid")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "full_grid tokens", p.Tokens, old.Tokens)
	same(t, "full_grid labels", p.Labels, old.Labels)
	if rec.Rows != 49 || rec.NCtx != 3 || rec.Source != SourceFamily || rec.Generator != "grid" || rec.FamilyVersion != fam.Version {
		t.Errorf("record %+v", rec)
	}
	// The files are plain .npy, and the probe's hash is the sha256 of the
	// tokens file's bytes followed by the labels file's.
	tb, _ := os.ReadFile(filepath.Join(v.ProbesDir(), "full_grid", TokensFile))
	lb, _ := os.ReadFile(filepath.Join(v.ProbesDir(), "full_grid", LabelsFile))
	whole := sha256.Sum256(append(append([]byte(nil), tb...), lb...))
	tsum := sha256.Sum256(tb)
	if rec.SHA256 != hex.EncodeToString(whole[:]) || rec.Tokens.SHA256 != hex.EncodeToString(tsum[:]) {
		t.Errorf("hashes %s / %s do not match the files", rec.SHA256, rec.Tokens.SHA256)
	}
	var enc bytes.Buffer
	_ = artifact.EncodeNPY(&enc, old.Tokens)
	if !bytes.Equal(enc.Bytes(), tb) {
		t.Error("tokens.npy is not the plain .npy of the probe's tokens")
	}
	// The split probes are the training data, in its order.
	td, _ := modadd.New().TrainingData(ctx, v.Params)
	tr, _, err := Load(v, "train")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "train tokens", tr.Tokens, td.Train.Tokens)
	res, rr, _ := Load(v, "residue_classes")
	if res.Tokens.Shape()[0] != 7*4 || rr.Params["per_class"] != int64(4) {
		t.Errorf("residue_classes: %v, params %v (%T)", res.Tokens, rr.Params, rr.Params["per_class"])
	}

	// Ensuring again changes nothing, even after family.json changed a
	// recorded probe's generator parameters: a recorded probe never changes.
	before, _ := os.ReadFile(IndexPath(v))
	edited := loadFamily(t, func(s string) string { return strings.Replace(s, `"per_class": 4`, `"per_class": 2`, 1) })
	if _, err := Ensure(ctx, v, edited, modadd.New()); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(IndexPath(v))
	if !bytes.Equal(before, after) {
		t.Error("a second Ensure rewrote probes.json")
	}
	if res2, _, _ := Load(v, "residue_classes"); !bytes.Equal(res2.Tokens.Bytes(), res.Tokens.Bytes()) {
		t.Error("a recorded probe changed")
	}
}

func TestEnsureOnlyNamed(t *testing.T) {
	fam := loadFamily(t, nil)
	v := newVariant(t, fam)
	ix, err := Ensure(context.Background(), v, fam, modadd.New(), "full_grid")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ix.Names(), ","); got != "full_grid" {
		t.Errorf("recorded %s", got)
	}
}

// A family that declares no probes has one, "default": its plugin's Probe.
func TestEnsureFamilyWithoutProbes(t *testing.T) {
	fam := loadFamily(t, withoutProbes)
	v := newVariant(t, fam)
	ix, err := Ensure(context.Background(), v, fam, legacy{modadd.New()})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ix.Names(), ","); got != registry.DefaultProbeName || ix.Default != registry.DefaultProbeName {
		t.Fatalf("recorded %s default %s", got, ix.Default)
	}
	if _, rec, err := Load(v, registry.DefaultProbeName); err != nil || rec.Generator != "" || rec.Rows != 49 {
		t.Errorf("default: %+v, %v", rec, err)
	}
}

// withoutProbes drops the probes of family.json.
func withoutProbes(s string) string {
	i := strings.Index(s, `,
  "probes"`)
	return s[:i] + "\n}\n"
}

// legacy is a family plugin written before named probes: sdk.Family only.
type legacy struct{ f *modadd.Family }

func (l legacy) Info() sdk.FamilyInfo { return l.f.Info() }
func (l legacy) ModelConfig(ctx context.Context, p sdk.Params) (sdk.ModelConfig, error) {
	return l.f.ModelConfig(ctx, p)
}
func (l legacy) TrainingData(ctx context.Context, p sdk.Params) (*sdk.TrainingData, error) {
	return l.f.TrainingData(ctx, p)
}
func (l legacy) Probe(ctx context.Context, p sdk.Params) (*sdk.Dataset, error) {
	return l.f.Probe(ctx, p)
}
func (l legacy) AnalysisContext(ctx context.Context, p sdk.Params) (map[string]*sdk.Tensor, error) {
	return l.f.AnalysisContext(ctx, p)
}
func (l legacy) TrainingConfig(ctx context.Context, p sdk.Params) (sdk.TrainingConfig, error) {
	return l.f.TrainingConfig(ctx, p)
}

// lyingGrid's grid generator is off by one row: its default probe is not
// what its Probe call (and so every earlier analysis) used.
type lyingGrid struct{ *modadd.Family }

func (l lyingGrid) GenerateProbe(ctx context.Context, p sdk.Params, s sdk.ProbeSpec) (*sdk.Dataset, error) {
	ds, err := l.Family.GenerateProbe(ctx, p, sdk.ProbeSpec{Name: s.Name, Generator: "split", Params: sdk.Params{"split": "train"}})
	return ds, err
}

func TestEnsureRefusals(t *testing.T) {
	ctx := context.Background()
	fam := loadFamily(t, nil)
	v := newVariant(t, fam)
	_, err := Ensure(ctx, v, fam, lyingGrid{modadd.New()})
	if err == nil || !strings.Contains(err.Error(), "probe full_grid: the default probe (generator grid) differs from the plugin's Probe") {
		t.Errorf("a default that is not the plugin's Probe: %v", err)
	}
	if _, err := Ensure(ctx, v, fam, legacy{modadd.New()}); err == nil || !strings.Contains(err.Error(), `family.json names generator "grid", which the plugin does not list`) {
		t.Errorf("generators the plugin lacks: %v", err)
	}
	bad := loadFamily(t, func(s string) string { return strings.Replace(s, `"per_class": 4`, `"per_class": 40`, 1) })
	if _, err := Ensure(ctx, v, bad, modadd.New()); err == nil || !strings.Contains(err.Error(), `family plugin modulo_addition_1layer: probe residue_classes: modulo_addition_1layer: probe residue_classes: parameter "per_class" is 40`) {
		t.Errorf("a bad generator parameter: %v", err)
	}
	if _, err := os.Stat(IndexPath(v)); !errors.Is(err, fs.ErrNotExist) {
		// The first refusal came before anything was generated; the bad
		// parameter after the others were recorded, which is fine: they are
		// right. What must not exist is a half-recorded probe.
		ix, err := ReadIndex(v)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ix.Probes["residue_classes"]; ok {
			t.Error("a refused probe was recorded")
		}
	}
}

func TestLoadRefusesAChangedProbe(t *testing.T) {
	fam := loadFamily(t, nil)
	v := newVariant(t, fam)
	if _, err := Ensure(context.Background(), v, fam, modadd.New()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(v.ProbesDir(), "train", LabelsFile)
	ts, _ := artifact.ReadNPY(path)
	l := ts.Int64s()
	l[0] = (l[0] + 1) % 7
	if err := artifact.WriteNPY(path, ts); err != nil {
		t.Fatal(err)
	}
	_, _, err := Load(v, "train")
	if err == nil || !strings.Contains(err.Error(), "probe train: "+path+" has sha256 ") || !strings.Contains(err.Error(), "tdw never uses a changed probe") {
		t.Errorf("a changed labels file: %v", err)
	}
	if _, _, err := Load(v, "nope"); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "has no probe \"nope\" (it has: full_grid, residue_classes, test, train;") {
		t.Errorf("an unknown probe: %v", err)
	}
	// A probes folder that is a link out of the variant folder is refused.
	out := t.TempDir()
	if err := os.Rename(v.ProbesDir(), filepath.Join(out, "probes")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(out, "probes"), v.ProbesDir()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(v, "full_grid"); err == nil || !strings.Contains(err.Error(), "resolves outside the variant folder") {
		t.Errorf("a probes folder linked out of the variant: %v", err)
	}
}

func TestReadIndexRefusesMalformed(t *testing.T) {
	fam := loadFamily(t, nil)
	v := newVariant(t, fam)
	if ix, err := ReadIndex(v); err != nil || len(ix.Probes) != 0 {
		t.Fatalf("no probes.json: %v, %v", ix, err)
	}
	if _, err := Ensure(context.Background(), v, fam, modadd.New(), "full_grid"); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(IndexPath(v))
	for _, c := range []struct{ from, to, want string }{
		{`"format_version": 1`, `"format_version": 2`, "probes.json format 2 is not one this tdw reads (1)"},
		{`"rows": 49`, `"rows": 49, "extra": 1`, `unknown field "extra"`},
		{`"file": "full_grid/tokens.npy"`, `"file": "../../x/tokens.npy"`, `probes.full_grid: file "../../x/tokens.npy" is not "full_grid/tokens.npy"`},
		{`"source": "family"`, `"source": "web"`, `source "web" is neither`},
	} {
		if err := os.WriteFile(IndexPath(v), []byte(strings.Replace(string(good), c.from, c.to, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadIndex(v); err == nil || !strings.Contains(err.Error(), IndexPath(v)+": ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s -> %s: %v", c.from, c.to, err)
		}
	}
}

func same(t *testing.T, what string, got, want *sdk.Tensor) {
	t.Helper()
	if got == nil || got.DType() != want.DType() || got.ShapeString() != want.ShapeString() || !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("%s: got %v, want %v (or other bytes)", what, got, want)
	}
}
