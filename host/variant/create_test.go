package variant

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

func TestCreateLayout(t *testing.T) {
	fam := loadFamily(t, familyJSON)
	results := t.TempDir()
	v, err := Create(context.Background(), results, fam, modadd.New(), sdk.Params{"prime": 17}, "test")
	if err != nil {
		t.Fatal(err)
	}
	const name = "modulo_addition_1layer_p17_seed999_dseed598_frac0.3"
	if v.Name != name || v.Dir() != filepath.Join(results, "modulo_addition_1layer", name) {
		t.Errorf("variant %s in %s", v.Name, v.Dir())
	}
	if st, err := v.State(); err != nil || st != Untrained {
		t.Errorf("state %v %v, want UNTRAINED", st, err)
	}
	cfg, err := model.LoadConfig(v.ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DVocab != 18 || cfg.DVocabOut != 17 || cfg.DModel != 128 || cfg.Seed != 999 {
		t.Errorf("config.json %+v", cfg)
	}
	m, err := v.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != StatusCreated || m.Seeds["data_seed"] != 598 || m.Seeds["seed"] != 999 {
		t.Errorf("metadata %+v", m)
	}
	// Creating it again returns the same variant; reopening reads its params.
	again, err := Create(context.Background(), results, fam, modadd.New(), sdk.Params{"prime": 17.0, "seed": 999}, "test")
	if err != nil || again.Name != name {
		t.Fatalf("second Create: %v %v", again, err)
	}
	o, err := Open(results, "modulo_addition_1layer", name)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := o.Params.Int("prime"); p != 17 {
		t.Errorf("reopened params %v", o.Params)
	}
	cps, err := o.Checkpoints()
	if err != nil || len(cps) != 0 {
		t.Errorf("checkpoints of a new variant: %v %v", cps, err)
	}
}

func TestCreateBadParams(t *testing.T) {
	fam := loadFamily(t, familyJSON)
	for _, tc := range []struct {
		name   string
		params sdk.Params
		want   string
	}{
		{"unknown", sdk.Params{"modulus": 7}, `"modulus" is unknown`},
		{"wrong type", sdk.Params{"prime": "seven"}, `"prime"`},
		{"fractional int", sdk.Params{"seed": 1.5}, `"seed"`},
		{"below min", sdk.Params{"prime": 2}, `"prime"`},
		{"above max", sdk.Params{"train_fraction": 0.999}, `"train_fraction"`},
		{"negative seed", sdk.Params{"seed": -1}, `"seed"`},
		{"not prime", sdk.Params{"prime": 21}, `"prime" is 21, which is not prime`},
		{"two problems", sdk.Params{"prime": "x", "bogus": 1}, `"bogus" is unknown`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			results := t.TempDir()
			_, err := Create(context.Background(), results, fam, modadd.New(), tc.params, "test")
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			// Nothing is left behind for refused params.
			if entries, _ := os.ReadDir(filepath.Join(results, "modulo_addition_1layer")); len(entries) != 0 {
				t.Errorf("refused params left %d folders", len(entries))
			}
		})
	}
}

// escapeFamily is a family with a free-text parameter in its variant name.
const escapeFamily = `{
  "name": "modulo_addition_1layer", "display_name": "t", "description": "t", "version": "1.0.0",
  "command": "./modulo_addition_1layer",
  "architecture": {"n_layers": 1},
  "domain_parameters": {
    "tag": {"type": "string", "default": "a", "description": "free text"},
    "prime": {"type": "int", "default": 5, "description": "p"},
    "mode": {"type": "string", "default": "x", "choices": ["x", "y"], "description": "a choice"}
  },
  "analyzers": [],
  "variant_pattern": "v_{tag}",
  "training": {"optimizer": "adamw", "lr": 0.001, "weight_decay": 1, "betas": [0.9, 0.98], "epochs": 10, "checkpoints": "0,final"}
}`

func TestCreateRefusesEscapes(t *testing.T) {
	fam := parseFamily(t, []byte(escapeFamily))
	for _, tag := range []string{"../evil", "..", "a/b", ".hidden", "a\x00b", "a b", `a\b`, "é"} {
		results := t.TempDir()
		_, err := Create(context.Background(), results, fam, modadd.New(), sdk.Params{"tag": tag}, "test")
		if err == nil {
			t.Errorf("tag %q accepted", tag)
			continue
		}
		if !strings.Contains(err.Error(), `"tag"`) && !strings.Contains(err.Error(), "variant name") {
			t.Errorf("tag %q: error %q names neither the parameter nor the name", tag, err)
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(results), "evil")); err == nil {
			t.Fatalf("tag %q escaped results", tag)
		}
	}
	// A value outside the declared choices is refused, naming the parameter.
	if _, err := Create(context.Background(), t.TempDir(), fam, modadd.New(), sdk.Params{"mode": "z"}, "test"); err == nil || !strings.Contains(err.Error(), `"mode"`) {
		t.Errorf("mode z: %v", err)
	}
	// Open refuses the same names.
	for _, name := range []string{"../x", "..", "a/b", ".lock"} {
		if _, err := Open(t.TempDir(), "modulo_addition_1layer", name); err == nil {
			t.Errorf("Open(%q) accepted", name)
		}
	}
	if _, err := Open(t.TempDir(), "../x", "v_a"); err == nil {
		t.Error("Open accepted family ../x")
	}
}

func TestListIgnoresForeignFolders(t *testing.T) {
	fam := loadFamily(t, familyJSON)
	results := t.TempDir()
	ctx := context.Background()
	for _, p := range []int{17, 5} {
		if _, err := Create(ctx, results, fam, modadd.New(), sdk.Params{"prime": p}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	famDir := filepath.Join(results, "modulo_addition_1layer")
	// Foreign: not the pattern, a file, a hidden folder.
	os.MkdirAll(filepath.Join(famDir, "notes"), 0o755)
	os.MkdirAll(filepath.Join(famDir, ".trash"), 0o755)
	os.WriteFile(filepath.Join(famDir, "modulo_addition_1layer_p7_seed1_dseed1_frac0.5"), nil, 0o644)
	// Follows the pattern but is broken: reported, not listed.
	broken := filepath.Join(famDir, "modulo_addition_1layer_p3_seed1_dseed1_frac0.5")
	os.MkdirAll(broken, 0o755)
	os.WriteFile(filepath.Join(broken, MetadataFile), []byte("{"), 0o644)

	vs, errs := List(results, fam)
	var names []string
	for _, v := range vs {
		names = append(names, v.Name)
	}
	want := []string{"modulo_addition_1layer_p17_seed999_dseed598_frac0.3", "modulo_addition_1layer_p5_seed999_dseed598_frac0.3"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("listed %v, want %v", names, want)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), broken) {
		t.Errorf("errors %v, want one naming %s", errs, broken)
	}
	if vs, errs := List(t.TempDir(), fam); len(vs) != 0 || len(errs) != 0 {
		t.Errorf("empty results: %v %v", vs, errs)
	}
}

func TestStateMissingCheckpoint(t *testing.T) {
	fam := loadFamily(t, familyJSON)
	v, err := Create(context.Background(), t.TempDir(), fam, modadd.New(), sdk.Params{"prime": 5}, "test")
	if err != nil {
		t.Fatal(err)
	}
	m := sampleMetadata()
	m.Family, m.Variant, m.Params = v.Family, v.Name, v.Params
	if err := WriteMetadata(v.MetadataPath(), m); err != nil {
		t.Fatal(err)
	}
	if _, err := v.State(); err == nil || !strings.Contains(err.Error(), "checkpoint_epoch_00000") {
		t.Errorf("State with missing checkpoints: %v", err)
	}
	os.MkdirAll(v.CheckpointsDir(), 0o755)
	for _, e := range []int{0, 2} {
		os.WriteFile(v.CheckpointPath(e), nil, 0o644)
	}
	if st, err := v.State(); err != nil || st != Trained {
		t.Errorf("state %v %v, want TRAINED", st, err)
	}
	os.MkdirAll(v.ArtifactsDir(), 0o755)
	os.WriteFile(filepath.Join(v.ArtifactsDir(), ManifestFile), []byte("{}"), 0o644)
	if st, err := v.State(); err != nil || st != Analyzed {
		t.Errorf("state %v %v, want ANALYZED", st, err)
	}
}
