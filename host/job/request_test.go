package job

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/probe"
	"github.com/tdw-workbench/tdw/host/variant"
)

func TestTrainRequestErrors(t *testing.T) {
	env := testEnv(t)
	for _, c := range []struct {
		name  string
		edit  func(*TrainRequest)
		field string
		msg   string
	}{
		{"no family", func(r *TrainRequest) { r.Family = "" }, "family", "no family given"},
		{"unknown family", func(r *TrainRequest) { r.Family = "ghost" }, "family", `"ghost"`},
		{"unknown param", func(r *TrainRequest) { r.Params["modulus"] = "7" }, "params", `parameter "modulus" is unknown`},
		{"bad param", func(r *TrainRequest) { r.Params["prime"] = "x" }, "params", `parameter "prime"`},
		{"out of range", func(r *TrainRequest) { r.Params["train_fraction"] = "1.5" }, "params", `parameter "train_fraction"`},
		{"unknown preset", func(r *TrainRequest) { r.Preset = "huge" }, "preset", `no preset "huge"`},
		{"bad schedule", func(r *TrainRequest) { r.Checkpoints = "0:x" }, "checkpoints", "--checkpoints"},
		{"schedule too long", func(r *TrainRequest) { r.Checkpoints = "0:100:10" }, "checkpoints", "beyond the run's 20 epochs"},
		{"negative epochs", func(r *TrainRequest) { r.Epochs = -1 }, "epochs", "positive"},
		{"force and resume", func(r *TrainRequest) { r.Force, r.Resume = true, true }, "force", "cannot be combined"},
		{"extend and epochs", func(r *TrainRequest) { r.ExtendTo = 40 }, "epochs", "drop epochs"},
		{"resume and epochs", func(r *TrainRequest) { r.Resume = true }, "resume", "continues the recorded run"},
		{"variant and params", func(r *TrainRequest) { r.Variant = "x" }, "params", "not both"},
		{"escaping variant", func(r *TrainRequest) { r.Variant, r.Params = "../../etc", nil }, "variant", "../../etc"},
		{"missing variant", func(r *TrainRequest) { r.Variant, r.Params = "modulo_addition_1layer_p5_seed1_dseed1_frac0.5", nil }, "variant", "does not exist"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := tiny(1, 20)
			c.edit(&r)
			_, err := r.VariantKey(env)
			var re *RequestError
			if !errors.As(err, &re) || re.Field != c.field || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %v (%T), want a RequestError on %s holding %q", err, err, c.field, c.msg)
			}
		})
	}
	// Nothing refused left a folder behind.
	if entries, _ := os.ReadDir(env.Results); len(entries) != 0 {
		t.Errorf("refused requests wrote %v", entries)
	}
}

func TestAnalyzeRequestErrors(t *testing.T) {
	env := testEnv(t)
	out, err := Train(context.Background(), env, tiny(1, 10), nil)
	if err != nil {
		t.Fatal(err)
	}
	name := out.Variant.Name
	for _, c := range []struct {
		name  string
		req   AnalyzeRequest
		field string
		msg   string
	}{
		{"unknown family", AnalyzeRequest{Family: "ghost", Variant: name}, "family", `"ghost"`},
		{"missing variant", AnalyzeRequest{Family: "modulo_addition_1layer", Variant: "nope"}, "variant", "does not exist"},
		{"escaping variant", AnalyzeRequest{Family: "modulo_addition_1layer", Variant: ".."}, "variant", `".."`},
		{"variant and params", AnalyzeRequest{Family: "modulo_addition_1layer", Variant: name, Params: map[string]string{"seed": "1"}}, "params", "not both"},
		{"untrained params", AnalyzeRequest{Family: "modulo_addition_1layer", Params: map[string]string{"prime": "19"}}, "variant", "does not exist"},
		{"unknown preset", AnalyzeRequest{Family: "modulo_addition_1layer", Preset: "huge"}, "preset", `no preset "huge"`},
		{"unknown analyzer", AnalyzeRequest{Family: "modulo_addition_1layer", Variant: name, Analyzers: []string{"bogus"}}, "analyzers", "bogus"},
		{"setting of another analyzer", AnalyzeRequest{Family: "modulo_addition_1layer", Variant: name, Analyzers: []string{"neuron_freq_norm"},
			Settings: map[string]map[string]string{"coarseness": {"x": "1"}}}, "settings", `"coarseness" is not in this run`},
		{"unknown setting", AnalyzeRequest{Family: "modulo_addition_1layer", Variant: name, Analyzers: []string{"neuron_freq_norm"},
			Settings: map[string]map[string]string{"neuron_freq_norm": {"bogus": "1"}}}, "settings", "bogus"},
		{"negative epoch", AnalyzeRequest{Family: "modulo_addition_1layer", Variant: name, Analyzers: testAnalyzers, Checkpoints: []int{-1}}, "checkpoints", "not an epoch"},
		{"missing checkpoint", AnalyzeRequest{Family: "modulo_addition_1layer", Variant: name, Analyzers: testAnalyzers, Checkpoints: []int{0, 99}}, "checkpoints", "no checkpoint for epoch 99"},
		{"bad probe name", AnalyzeRequest{Family: "modulo_addition_1layer", Variant: name, Analyzers: testAnalyzers, Probe: "../x"}, "probe", `"../x" is not a probe name`},
		{"unknown probe", AnalyzeRequest{Family: "modulo_addition_1layer", Variant: name, Analyzers: testAnalyzers, Probe: "nope"}, "probe",
			`has no probe "nope" (probes: full_grid, residue_classes, test, train)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.req.VariantKey(env)
			var re *RequestError
			if !errors.As(err, &re) || re.Field != c.field || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %v (%T), want a RequestError on %s holding %q", err, err, c.field, c.msg)
			}
		})
	}
	// A good request is handed to analysis checked and in its form: epochs
	// ascending and distinct, settings parsed.
	p, err := AnalyzeRequest{Family: "modulo_addition_1layer", Variant: name, Analyzers: []string{"neuron_freq_norm"},
		Checkpoints: []int{10, 0, 10}, Settings: map[string]map[string]string{"neuron_freq_norm": {"threshold": "0.5"}}}.plan(env)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.cfg.Checkpoints, []int{0, 10}) || p.cfg.Settings["neuron_freq_norm"]["threshold"] != 0.5 {
		t.Errorf("plan: checkpoints %v settings %v", p.cfg.Checkpoints, p.cfg.Settings)
	}
	// Training recorded the family's probes; the default probe named is the
	// default (""), another is kept.
	ix, err := probe.ReadIndex(out.Variant)
	if err != nil || strings.Join(ix.Names(), ",") != "full_grid,residue_classes,test,train" {
		t.Errorf("probes recorded by training: %v, %v", ix, err)
	}
	for given, want := range map[string]string{"full_grid": "", "": "", "test": "test"} {
		p, err := AnalyzeRequest{Family: "modulo_addition_1layer", Variant: name, Analyzers: testAnalyzers, Probe: given}.plan(env)
		if err != nil {
			t.Errorf("probe %q: %v", given, err)
		} else if p.cfg.Probe != want {
			t.Errorf("probe %q: planned %q, want %q", given, p.cfg.Probe, want)
		}
	}
	// Named by params, the trained variant resolves.
	key, err := AnalyzeRequest{Family: "modulo_addition_1layer", Params: tiny(1, 10).Params, Analyzers: testAnalyzers}.VariantKey(env)
	if err != nil || key != "modulo_addition_1layer/"+name {
		t.Errorf("by params: %q, %v", key, err)
	}
	// The family plugin refusing a parameter is not a request error: the
	// plugin decides, when the job runs.
	bad := tiny(2, 10)
	bad.Params["prime"] = "21"
	if _, err := Train(context.Background(), env, bad, nil); err == nil || !strings.Contains(err.Error(), "not prime") {
		t.Errorf("prime 21: %v", err)
	}
	if _, err := os.Stat(filepath.Join(env.Results, "modulo_addition_1layer", strings.Replace(name, "p17_seed1", "p21_seed2", 1))); err == nil {
		t.Error("a refused prime left a variant folder")
	}
	if _, err := os.Stat(out.Variant.MetadataPath()); err != nil {
		t.Error(err)
	}
	if st, _ := out.Variant.State(); st != variant.Trained {
		t.Errorf("state %s", st)
	}
}
