package registry

import (
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func TestLoadFamilyGood(t *testing.T) {
	f, err := LoadFamily(install(t, t.TempDir(), "sample", FamilyFile, "testdata/family/good/full.json"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "sample" || f.DisplayName != "Modulo Addition 1-Layer" || f.Version != "0.1.0" {
		t.Errorf("header = %q %q %q", f.Name, f.DisplayName, f.Version)
	}
	a := f.Architecture
	if a.Config.NLayers != 1 || a.Config.DMLP != 512 || a.Config.ActFn != "relu" || a.Config.NCtx != 3 || len(a.Set) != 10 {
		t.Errorf("architecture = %+v", a)
	}
	cfg := a.Config
	cfg.DVocab, cfg.DVocabOut = 114, 113
	if err := a.Check(cfg); err != nil {
		t.Errorf("Check of a matching config: %v", err)
	}
	cfg.DMLP = 256
	if err := a.Check(cfg); err == nil || !strings.Contains(err.Error(), "d_mlp is 256, family.json says 512") {
		t.Errorf("Check of a contradicting config = %v", err)
	}
	if d := f.DomainParameters["prime"].Default; d != int64(113) {
		t.Errorf("prime default %v (%T)", d, d)
	}
	tr := f.Training
	if tr.Optimizer != "adamw" || tr.LR != 1e-3 || tr.Betas != [2]float64{0.9, 0.98} || tr.Epochs != 25000 || tr.LossPositions != "last" {
		t.Errorf("training = %+v", tr)
	}
	cfgT, err := tr.Config(0)
	if err != nil {
		t.Fatal(err)
	}
	// The reference schedule: 95 checkpoints at 25,000 epochs.
	if n := len(cfgT.Checkpoints); n != 95 || cfgT.Checkpoints[94] != 25000 || cfgT.Checkpoints[0] != 0 {
		t.Errorf("reference schedule has %d checkpoints: %v", n, cfgT.Checkpoints)
	}
	if f.DefaultPreset != "quick" || len(f.Presets) != 2 {
		t.Errorf("presets = %v default %q", f.PresetNames(), f.DefaultPreset)
	}
	q := f.Presets["quick"]
	if q.Params["train_fraction"] != 0.5 || len(q.Params) != 1 || q.Training.Epochs != 1000 || q.Training.LR != 1e-3 {
		t.Errorf("quick = %+v", q)
	}
	// The quick preset changes only epochs, so its schedule is the reference one rescaled.
	if got := q.Training.Checkpoints.String(); got != "0:56:4,60:340:20,360:516:4,520:980:20,final" {
		t.Errorf("quick schedule = %s", got)
	}
	if c := f.Presets["canonical"]; c.Training.Epochs != 25000 || len(c.Params) != 0 {
		t.Errorf("canonical = %+v", c)
	}

	params, err := f.ResolveParams("quick", map[string]string{"seed": "1"})
	if err != nil {
		t.Fatal(err)
	}
	want := sdk.Params{"prime": int64(113), "seed": int64(1), "data_seed": int64(598), "train_fraction": 0.5}
	for k, v := range want {
		if params[k] != v {
			t.Errorf("ResolveParams %s = %v (%T), want %v", k, params[k], params[k], v)
		}
	}
	name, err := f.VariantPattern.Name(params)
	if err != nil || name != "modulo_addition_1layer_p113_seed1_dseed598_frac0.5" {
		t.Errorf("variant name = %q, %v", name, err)
	}
	if _, err := f.ResolveParams("fast", nil); err == nil || !strings.Contains(err.Error(), `no preset "fast"`) {
		t.Errorf("unknown preset = %v", err)
	}
	if _, err := f.ResolveParams("", map[string]string{"prime": "x"}); err == nil || !strings.Contains(err.Error(), `parameter "prime"`) {
		t.Errorf("bad cli param = %v", err)
	}

	m, err := LoadFamily(install(t, t.TempDir(), "sample", FamilyFile, "testdata/family/good/minimal.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Architecture.Set) != 0 || m.Training.Eps != 1e-8 || m.Training.BatchSize != 0 || m.Training.LossPositions != "last" || m.DefaultPreset != "" {
		t.Errorf("minimal = %+v", m)
	}
	// A family that declares no probes has one: the plugin's Probe call.
	if ps := m.ProbeSpecs(); len(ps) != 1 || ps[0].Name != DefaultProbeName || ps[0].Generator != "" || m.CanonicalProbe().Name != DefaultProbeName {
		t.Errorf("minimal probes = %+v", ps)
	}
}

func TestLoadFamilyProbes(t *testing.T) {
	f, err := LoadFamily(install(t, t.TempDir(), "sample", FamilyFile, "testdata/family/good/full.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range f.ProbeSpecs() {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "full_grid,residues,train" || f.CanonicalProbe().Generator != "grid" {
		t.Errorf("probes %v, canonical %+v", names, f.CanonicalProbe())
	}
	r, ok := f.ProbeSpec("residues")
	want := sdk.Params{"per_class": int64(4), "seed": int64(0), "fraction": 0.5, "shuffle": true}
	if !ok || r.Generator != "per_residue" || len(r.Params) != len(want) {
		t.Fatalf("residues = %+v, %v", r, ok)
	}
	for k, v := range want {
		if r.Params[k] != v {
			t.Errorf("residues param %s = %v (%T), want %v (%T)", k, r.Params[k], r.Params[k], v, v)
		}
	}
	if got := FormatProbeParams(r.Params); got != "fraction=0.5 per_class=4 seed=0 shuffle=true" {
		t.Errorf("FormatProbeParams = %q", got)
	}
	if _, ok := f.ProbeSpec(DefaultProbeName); ok {
		t.Error("a family that declares probes has no implicit default probe")
	}
}

func TestLoadFamilyBad(t *testing.T) {
	want := map[string]struct{ path, msg string }{
		"unknown_field":                   {"analysers", "unknown field"},
		"missing_display_name":            {"display_name", "required field is missing"},
		"name_mismatch":                   {"name", `does not match its folder name "sample"`},
		"version_wrong_type":              {"version", "want a string, found number 1"},
		"command_escape":                  {"command", "escapes the plugin folder"},
		"arch_missing":                    {"architecture", "required field is missing"},
		"arch_d_vocab":                    {"architecture.d_vocab", "filled by the family plugin"},
		"arch_unknown_key":                {"architecture.n_layer", "unknown field"},
		"arch_zero_layers":                {"architecture.n_layers", "want a positive integer"},
		"arch_wrong_type":                 {"architecture.d_model", `want an integer, found string "128"`},
		"arch_float_dim":                  {"architecture.d_mlp", "want an integer, found number 512.5"},
		"arch_act_fn":                     {"architecture.act_fn", `"tanh" is not supported`},
		"arch_normalization":              {"architecture.normalization_type", `found string "RMS"`},
		"arch_heads_mismatch":             {"architecture.d_head", "does not equal d_model"},
		"params_missing":                  {"domain_parameters", "required field is missing"},
		"param_bad_type":                  {"domain_parameters.prime.type", "not a parameter type"},
		"param_default_out_of_range":      {"domain_parameters.train_fraction.default", "above the maximum 0.99"},
		"param_default_wrong_type":        {"domain_parameters.seed.default", "not an integer"},
		"analyzers_bad_name":              {"analyzers[1]", "not a valid name"},
		"analyzers_dup":                   {"analyzers[1]", "listed twice"},
		"analyzers_wrong_type":            {"analyzers", "want an array of strings"},
		"pattern_unknown_placeholder":     {"variant_pattern", "placeholder {sed} is not a domain parameter"},
		"pattern_slash":                   {"variant_pattern", "outside [A-Za-z0-9._-]"},
		"pattern_touching":                {"variant_pattern", "touch"},
		"pattern_unbalanced":              {"variant_pattern", "unbalanced brace"},
		"pattern_dot":                     {"variant_pattern", "starts with a dot"},
		"training_missing":                {"training", "required field is missing"},
		"training_optimizer":              {"training.optimizer", `"sgd" is not supported`},
		"training_lr_negative":            {"training.lr", "want a positive number"},
		"training_betas_three":            {"training.betas", "want an array of two numbers, found an array of 3"},
		"training_beta_one":               {"training.betas[1]", "in [0, 1)"},
		"training_missing_epochs":         {"training.epochs", "required field is missing"},
		"training_epochs_zero":            {"training.epochs", "at least 1"},
		"training_batch_negative":         {"training.batch_size", "0 (full batch) or more"},
		"training_frozen_bad_glob":        {"training.frozen[0]", "malformed"},
		"training_checkpoints_bad":        {"training.checkpoints", `item 1 "0:100"`},
		"training_checkpoints_zero_step":  {"training.checkpoints", "step is 0"},
		"training_checkpoints_beyond":     {"training.checkpoints", "beyond the run's 25000 epochs"},
		"training_checkpoints_wrong_type": {"training.checkpoints", "want a string, found array"},
		"training_loss_positions":         {"training.loss_positions", `"all" is not supported`},
		"training_unknown_field":          {"training.learning_rate", "unknown field"},
		"preset_unknown_param":            {"presets.quick.params.modulus", "is unknown"},
		"preset_param_wrong_type":         {"presets.quick.params.train_fraction", "not a number"},
		"preset_param_out_of_range":       {"presets.quick.params.prime", "below the minimum 3"},
		"preset_training_bad":             {"presets.quick.training.epochs", "at least 1"},
		"preset_training_unknown":         {"presets.quick.training.epoch", "unknown field"},
		"preset_checkpoints_beyond":       {"presets.quick.training.checkpoints", "beyond the run's 1000 epochs"},
		"preset_unknown_field":            {"presets.quick.param", "unknown field"},
		"preset_bad_name":                 {`presets["Quick Run"]`, "not a valid name"},
		"preset_missing_description":      {"presets.canonical.description", "required field is missing"},
		"default_preset_unknown":          {"default_preset", `"fast" is not one of the presets (canonical, quick)`},
		"probe_bad_name":                  {`probes["Train Split"]`, "not a valid name"},
		"probe_missing_generator":         {"probes.train.generator", "required field is missing"},
		"probe_generator_bad_name":        {"probes.train.generator", `"by-split" is not a valid name`},
		"probe_empty_description":         {"probes.train.description", "is empty"},
		"probe_params_array":              {"probes.residues.params.per_class", "want a number, string or boolean, found array"},
		"probe_unknown_field":             {"probes.train.default", "unknown field"},
		"probes_empty":                    {"probes", "is empty"},
		"default_probe_missing":           {"default_probe", "required field is missing"},
		"default_probe_unknown":           {"default_probe", `"grid" is not one of the probes (full_grid, residues, train)`},
		"default_probe_without_probes":    {"default_probe", "the family declares no probes"},
		"syntax_truncated":                {"", "unexpected end of file"},
		"not_object":                      {"", `want an object, found string "modulo"`},
	}
	checkBadManifests(t, "testdata/family", FamilyFile, want, func(file string) error {
		_, err := LoadFamily(file)
		return err
	})
}

func TestTrainingForAndConfig(t *testing.T) {
	f, err := LoadFamily(install(t, t.TempDir(), "sample", FamilyFile, "testdata/family/good/full.json"))
	if err != nil {
		t.Fatal(err)
	}
	q, err := f.TrainingFor("quick")
	if err != nil || q.Epochs != 1000 {
		t.Fatalf("TrainingFor(quick) = %+v, %v", q, err)
	}
	if base, err := f.TrainingFor(""); err != nil || base.Epochs != 25000 {
		t.Errorf("TrainingFor(\"\") = %+v, %v", base, err)
	}
	if _, err := f.TrainingFor("fast"); err == nil || !strings.Contains(err.Error(), `no preset "fast" (presets: canonical, quick)`) {
		t.Errorf("TrainingFor(fast) = %v", err)
	}
	// A run of another length rescales the schedule written for the spec's epochs.
	cfg, err := q.Config(2000)
	if err != nil {
		t.Fatal(err)
	}
	own, _ := q.Config(0)
	if cfg.Epochs != 2000 || len(cfg.Checkpoints) != len(own.Checkpoints) || cfg.Checkpoints[len(cfg.Checkpoints)-1] != 2000 ||
		cfg.Checkpoints[1] != 2*own.Checkpoints[1] {
		t.Errorf("Config(2000) = %v, own %v", cfg.Checkpoints, own.Checkpoints)
	}
	if cfg.Optimizer != "adamw" || len(cfg.Betas) != 2 || cfg.Frozen[0] != "**.b_*" || cfg.LossPositions != "last" {
		t.Errorf("Config = %+v", cfg)
	}
	if _, err := q.Config(-5); err == nil {
		t.Error("Config(-5) succeeded")
	}
	d := f.DomainParameters.Defaults()
	if len(d) != 4 || d["train_fraction"] != 0.3 {
		t.Errorf("Defaults = %v", d)
	}
	if got := f.VariantPattern.Params(); strings.Join(got, ",") != "prime,seed,data_seed,train_fraction" || f.VariantPattern.String() == "" {
		t.Errorf("pattern params = %v", got)
	}
}

func TestFormatValue(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{{int64(-7), "-7"}, {3, "3"}, {0.5, "0.5"}, {1e-7, "0.0000001"}, {1e21, "1000000000000000000000"}, {true, "true"}, {"x", "x"}} {
		if got := FormatValue(c.v); got != c.want {
			t.Errorf("FormatValue(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}
