package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/internal/plugintest"
)

// mlpFamilyNames are the families installed by mlpFamilies.
var mlpFamilyNames = []string{"modulo_addition_1layer", "modulo_addition_2layer_mlp", "modulo_addition_learned_emb_mlp"}

// mlpFamilies builds the three modular-addition family plugins and
// installs them with the repo's family.json into a new root, with the
// analyze tests' analyzers and attention_patterns (not applicable to an
// MLP).
func mlpFamilies(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	for _, f := range mlpFamilyNames {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, f), "../../../plugins/families/"+f).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", f, err, out)
		}
	}
	root := t.TempDir()
	for _, f := range mlpFamilyNames {
		d := filepath.Join(root, "model_families", f)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		copyFile(t, "../../../model_families/"+f+"/family.json", filepath.Join(d, "family.json"), 0o644)
		copyFile(t, filepath.Join(bin, f), filepath.Join(d, f), 0o755)
	}
	installAnalyzers(t, root)
	// Every analyzer a family lists must be installed for it to be ok.
	var more []string
	for _, f := range mlpFamilyNames {
		b, err := os.ReadFile("../../../model_families/" + f + "/family.json")
		if err != nil {
			t.Fatal(err)
		}
		var fj struct{ Analyzers []string }
		if err := json.Unmarshal(b, &fj); err != nil {
			t.Fatal(err)
		}
		for _, a := range fj.Analyzers {
			if !slices.Contains(cliAnalyzers, a) && !slices.Contains(more, a) {
				more = append(more, a)
			}
		}
	}
	if !slices.Contains(more, "attention_patterns") {
		t.Fatal("no family lists attention_patterns")
	}
	if err := plugintest.BuildAnalyzers(filepath.Join(root, "analyzers"), more); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestMLPFamilies lists and checks the three families, then trains each
// MLP family on a tiny grid and analyzes it: the MLP analyzers run, the
// attention analyzer is not applicable, with its reason in the manifest
// and in the analyze and artifacts output.
func TestMLPFamilies(t *testing.T) {
	root := mlpFamilies(t)
	results := filepath.Join(root, "results")
	env := map[string]string{"TDW_FAMILIES": filepath.Join(root, "model_families"), "TDW_RESULTS": results,
		"TDW_ANALYZERS": filepath.Join(root, "analyzers"), "TDW_BACKEND": "cpu"}
	r := run(t, env, "families")
	if r.code != exitOK {
		t.Fatalf("families: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	for _, f := range mlpFamilyNames {
		if !strings.Contains(r.stdout, f) {
			t.Errorf("families does not list %s:\n%s", f, r.stdout)
		}
	}
	if strings.Count(r.stdout, " ok") != 3 {
		t.Errorf("families: want three ok:\n%s", r.stdout)
	}
	if r := run(t, env, "families", "--check"); r.code != exitOK {
		t.Fatalf("families --check: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	for _, f := range mlpFamilyNames[1:] {
		t.Run(f, func(t *testing.T) {
			frac := map[string]string{"modulo_addition_2layer_mlp": "0.3", "modulo_addition_learned_emb_mlp": "0.75"}[f]
			name := f + "_p17_seed999_dseed598_frac" + frac
			if r := run(t, env, "train", f, "-p", "prime=17", "--epochs", "20", "--checkpoints", "0:20:10", "--quiet"); r.code != exitOK {
				t.Fatalf("train: code %d, stderr %q", r.code, r.stderr)
			}
			r := run(t, env, "analyze", name, "--analyzers", "input_trace,neuron_freq_norm,neuron_dynamics,attention_patterns", "--quiet")
			if r.code != exitOK {
				t.Fatalf("analyze: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			const why = "not applicable: requires attention: the model (architecture mlp"
			if !strings.Contains(r.stdout, "attention_patterns: "+why) {
				t.Errorf("analyze output lacks %q:\n%s", why, r.stdout)
			}
			b, err := os.ReadFile(filepath.Join(results, f, name, "analysis", "manifest.json"))
			if err != nil {
				t.Fatal(err)
			}
			var man struct {
				Analyzers map[string]struct {
					NotApplicable string                     `json:"not_applicable"`
					Epochs        map[string]json.RawMessage `json:"epochs"`
				} `json:"analyzers"`
			}
			if err := json.Unmarshal(b, &man); err != nil {
				t.Fatal(err)
			}
			if got := man.Analyzers["attention_patterns"].NotApplicable; !strings.Contains(got, "has no attention") {
				t.Errorf("manifest not_applicable of attention_patterns = %q", got)
			}
			for _, a := range []string{"input_trace", "neuron_freq_norm"} {
				if rec := man.Analyzers[a]; rec.NotApplicable != "" || len(rec.Epochs) != 3 {
					t.Errorf("%s: not_applicable %q, %d epochs; want it computed at 3", a, rec.NotApplicable, len(rec.Epochs))
				}
			}
			r = run(t, env, "artifacts", name, "--all")
			if r.code != exitOK || !strings.Contains(r.stdout, why) {
				t.Errorf("artifacts: code %d, stdout:\n%s", r.code, r.stdout)
			}
		})
	}
}
