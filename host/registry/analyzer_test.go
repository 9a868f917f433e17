package registry

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/sdk"
)

func TestLoadAnalyzerGood(t *testing.T) {
	root := t.TempDir()
	m, err := LoadAnalyzer(install(t, root, "sample", AnalyzerFile, "testdata/analyzer/good/per_checkpoint.json"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "sample" || m.Version != "1.0.0" || m.Kind != sdk.PerCheckpoint || m.Timeout != 30*time.Second {
		t.Errorf("header = %q %q %q %v", m.Name, m.Version, m.Kind, m.Timeout)
	}
	if m.CommandPath != filepath.Join(root, "sample", "sample") || len(m.Args) != 1 || m.Args[0] != "--quiet" {
		t.Errorf("command = %q %q", m.CommandPath, m.Args)
	}
	if !m.AcceptsFamily("modulo_addition_1layer") || m.AcceptsFamily("ioi") {
		t.Errorf("families = %v", m.Families)
	}
	in := m.Inputs
	if len(in.Hooks) != 2 || in.Hooks[0].Name != "blocks.*.mlp.hook_post" || in.Hooks[0].Positions.Select != model.LastPosition ||
		in.Hooks[1].Positions.String() != "[2]" {
		t.Errorf("hooks = %+v", in.Hooks)
	}
	if in.Logits == nil || in.Logits.Select != model.LastPosition {
		t.Errorf("logits = %+v", in.Logits)
	}
	if len(in.Weights) != 2 || len(in.Context) != 1 || in.Context[0] != "fourier_basis" {
		t.Errorf("weights %v context %v", in.Weights, in.Context)
	}
	if len(m.Outputs) != 1 || m.Outputs[0].DType != sdk.Float32 || m.Outputs[0].Shape != "(n_freq, d_mlp)" ||
		m.Outputs[0].Rank() != 2 || !slices.Equal(m.Outputs[0].Axes, []string{"freq", "neuron"}) {
		t.Errorf("outputs = %+v", m.Outputs)
	}
	o := m.Outputs[0]
	if len(o.AxisMeta) != 2 || o.AxisMeta[0].DisplayTitle() != "frequency k" || o.AxisMeta[0].Start != 1 || o.AxisMeta[1].DisplayTitle() != "neuron" {
		t.Errorf("axis metadata = %+v", o.AxisMeta)
	}
	if o.Value == nil || o.Value.Title != "fraction of variance" || o.Value.Scale != "sequential" || o.Value.Range == nil || *o.Value.Range != [2]float64{0, 1} {
		t.Errorf("value = %+v", o.Value)
	}
	if !slices.Equal(o.Views, []ViewHint{{Kind: "sorted_heatmap", Sort: "neuron"}, {Kind: "heatmap"}}) {
		t.Errorf("views = %+v", o.Views)
	}
	if len(m.Summary) != 1 || m.Summary[0].Shape != "()" || m.Summary[0].Rank() != 0 || m.Summary[0].Axes != nil {
		t.Errorf("summary = %+v", m.Summary)
	}
	if d := m.Parameters["top_k"].Default; d != int64(5) {
		t.Errorf("top_k default = %v (%T)", d, d)
	}
	if d := m.Parameters["method"]; d.Default != "energy" || len(d.Choices) != 2 {
		t.Errorf("method = %+v", d)
	}
	if err := m.CheckInfo(sdk.AnalyzerInfo{Name: "sample", Version: "1.0.0", Kind: sdk.PerCheckpoint}); err != nil {
		t.Error(err)
	}
	err = m.CheckInfo(sdk.AnalyzerInfo{Name: "sample", Version: "1.1.0", Kind: sdk.CrossEpoch})
	if err == nil || !strings.Contains(err.Error(), `version "1.1.0"`) || !strings.Contains(err.Error(), `kind "cross-epoch"`) {
		t.Errorf("CheckInfo mismatch = %v", err)
	}

	x, err := LoadAnalyzer(install(t, root, "sample2", AnalyzerFile, "testdata/analyzer/good/cross_epoch.json"))
	if err == nil || !strings.Contains(err.Error(), `name: "sample" does not match its folder name "sample2"`) {
		t.Fatalf("want folder-name mismatch, got %v", err)
	}
	x, err = LoadAnalyzer(install(t, t.TempDir(), "sample", AnalyzerFile, "testdata/analyzer/good/cross_epoch.json"))
	if err != nil {
		t.Fatal(err)
	}
	if x.Kind != sdk.CrossEpoch || len(x.Inputs.Artifacts) != 2 || x.Inputs.Artifacts[1] != (ArtifactRef{Analyzer: "dep", Summary: true}) ||
		x.Inputs.Artifacts[1].String() != "dep/summary" {
		t.Errorf("cross-epoch = %+v", x.Inputs)
	}
	if len(x.Families) != 1 || x.Families[0] != "*" || !x.AcceptsFamily("anything") {
		t.Errorf("default families = %v", x.Families)
	}

	mm, err := LoadAnalyzer(install(t, t.TempDir(), "sample", AnalyzerFile, "testdata/analyzer/good/minimal.json"))
	if err != nil {
		t.Fatal(err)
	}
	if mm.Inputs.Logits != nil || len(mm.Parameters) != 0 || mm.Timeout != 0 {
		t.Errorf("minimal = %+v", mm)
	}
}

// TestLoadAnalyzerBad loads every bad fixture: each must fail with a
// *ManifestError naming the file and the listed field. The full messages are
// kept in a golden file, so a change in wording shows in review.
func TestLoadAnalyzerBad(t *testing.T) {
	want := map[string]struct{ path, msg string }{
		"unknown_field":                    {"nmae", "unknown field"},
		"unknown_nested_field":             {"inputs.hooks[0].position", "unknown field"},
		"missing_name":                     {"name", "required field is missing"},
		"name_mismatch":                    {"name", `does not match its folder name "sample"`},
		"name_bad_chars":                   {"name", "not a valid name"},
		"name_wrong_type":                  {"name", "want a string, found number 5"},
		"version_bad":                      {"version", "not a version"},
		"description_empty":                {"description", "is empty"},
		"missing_command":                  {"command", "required field is missing"},
		"command_escape":                   {"command", "escapes the plugin folder"},
		"command_absolute":                 {"command", "escapes the plugin folder"},
		"command_missing":                  {"command", "not found"},
		"args_wrong_type":                  {"args", "want an array of strings, found string"},
		"kind_bad":                         {"kind", `"per-epoch" is not a kind`},
		"families_empty":                   {"families", "is empty"},
		"families_bad_name":                {"families[0]", "not a valid name"},
		"inputs_wrong_type":                {"inputs", "want an object, found array"},
		"hook_bad_name":                    {"inputs.hooks[0].name", "not a TransformerLens hook name"},
		"hook_missing_name":                {"inputs.hooks[1].name", "required field is missing"},
		"hook_dup":                         {"inputs.hooks[1].name", "listed twice"},
		"hook_positions_bad_word":          {"inputs.hooks[1].positions", `found string "first"`},
		"hook_positions_negative":          {"inputs.hooks[1].positions[1]", "negative"},
		"hook_positions_wrong_type":        {"inputs.hooks[1].positions", "found number 3"},
		"hook_positions_float":             {"inputs.hooks[1].positions[0]", "want an integer, found number 1.5"},
		"hook_positions_empty":             {"inputs.hooks[1].positions", "empty list"},
		"hook_positions_dup":               {"inputs.hooks[1].positions[1]", "listed twice"},
		"hooks_wrong_type":                 {"inputs.hooks", "found object"},
		"logits_bad":                       {"inputs.logits", `found string "yes"`},
		"logits_unknown_field":             {"inputs.logits.position", "unknown field"},
		"weights_bad_glob":                 {"inputs.weights[0]", "not a state-dict name or glob"},
		"weights_wrong_elem":               {"inputs.weights[1]", "found number 7"},
		"context_bad_name":                 {"inputs.context[0]", "not a valid name"},
		"artifact_in_per_checkpoint":       {"inputs.artifacts", "may not depend on artifacts"},
		"outputs_and_summary_missing":      {"outputs", "required field is missing"},
		"outputs_wrong_type":               {"outputs", "found object"},
		"output_dtype_bad":                 {"outputs[0].dtype", `"float128" is not an output dtype`},
		"output_dtype_bfloat16":            {"summary[0].dtype", `"bfloat16" is not an output dtype`},
		"output_dtype_alt_bad":             {"outputs[0].dtype", `"float16|nope" is not an output dtype`},
		"output_dtype_alt_twice":           {"outputs[0].dtype", `lists float16 twice`},
		"output_shape_words_bad":           {"outputs[0].shape", "not a shape in words"},
		"output_shape_dim_empty":           {"outputs[0].shape", "bad dimension"},
		"output_missing_description":       {"outputs[0].description", "required field is missing"},
		"output_axes_count":                {"outputs[0].axes", "gives 1 name(s), but the shape has 2 axes"},
		"output_axes_bad_name":             {"outputs[0].axes[1]", `"Neuron" is not a valid name`},
		"output_axes_dup":                  {"outputs[0].axes[1]", "listed twice"},
		"output_axes_wrong_type":           {"outputs[0].axes", "want an array of axis names or {name, title, unit, start, labels} objects, found string"},
		"output_axis_object_unknown_field": {"outputs[0].axes[0].begin", "unknown field"},
		"output_axis_object_missing_name":  {"outputs[0].axes[0].name", "required field is missing"},
		"output_axis_wrong_elem":           {"outputs[0].axes[0]", "want an axis name or a {name, title, unit, start, labels} object, found number 3"},
		"output_value_bad_scale":           {"outputs[0].value.scale", `"rainbow" is not a value scale`},
		"output_value_bad_range":           {"outputs[0].value.range", "want min < max"},
		"output_view_bad_kind":             {"outputs[0].views[0]", `"pie" is not a view kind`},
		"output_view_sort_unknown_axis":    {"outputs[0].views[0].sort", `"head" is not one of the output's axes`},
		"output_view_sort_not_sorted":      {"outputs[0].views[0].sort", "only a sorted_heatmap sorts an axis"},
		"output_view_dup":                  {"outputs[0].views[1]", "listed twice"},
		"output_bad_name":                  {"outputs[0].name", "not an array name"},
		"output_dup":                       {"outputs[1].name", "listed twice"},
		"param_bad_type":                   {"parameters.top_k.type", "not a parameter type"},
		"param_missing_type":               {"parameters.top_k.type", "required field is missing"},
		"param_default_wrong_type":         {"parameters.top_k.default", "not an integer"},
		"param_default_not_integer":        {"parameters.top_k.default", "not an integer"},
		"param_default_out_of_range":       {"parameters.top_k.default", "above the maximum 56"},
		"param_default_not_in_choices":     {"parameters.method.default", `not one of "energy", "norm"`},
		"param_min_above_max":              {"parameters.top_k.max", "below min"},
		"param_min_on_string":              {"parameters.method.min", "only int and float"},
		"param_choices_empty":              {"parameters.method.choices", "is empty"},
		"param_choice_wrong_type":          {"parameters.method.choices[1]", "not a string"},
		"param_unknown_field":              {"parameters.top_k.deafult", "unknown field"},
		"param_bad_name":                   {`parameters["Top-K"]`, "not a valid name"},
		"param_not_object":                 {"parameters", "want an object, found array"},
		"timeout_negative":                 {"timeout", "not in (0, 604800]"},
		"timeout_string":                   {"timeout", "want a number"},
		"cross_no_artifacts":               {"inputs.artifacts", "must declare the artifacts"},
		"cross_with_hooks":                 {"inputs.hooks", "not activations"},
		"cross_with_logits":                {"inputs.logits", "not logits"},
		"cross_with_weights":               {"inputs.weights", "not weights"},
		"cross_with_summary":               {"summary", "no per-epoch summary"},
		"cross_bad_artifact_ref":           {"inputs.artifacts[0]", "not an analyzer name, NAME/summary or NAME/cross_epoch"},
		"syntax_truncated":                 {"", "unexpected end of file"},
		"syntax_trailing":                  {"", "unexpected data after the top-level value"},
		"syntax_dup_key":                   {"", "version: duplicate key"},
		"syntax_comma":                     {"", "invalid JSON"},
		"not_object":                       {"", "want an object, found array"},
		"empty_file":                       {"", "unexpected end of file"},
	}
	checkBadManifests(t, "testdata/analyzer", AnalyzerFile, want, func(file string) error {
		_, err := LoadAnalyzer(file)
		return err
	})
}

// TestAnalyzerCommandFile covers commands that exist but cannot be run.
func TestAnalyzerCommandFile(t *testing.T) {
	good, err := os.ReadFile("testdata/analyzer/good/minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string) // dir holds analyzer.json and the executable "sample"
		want  string
	}{
		{"not executable", func(t *testing.T, dir string) {
			if err := os.Chmod(filepath.Join(dir, "sample"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, `command: "sample" is not executable`},
		{"directory", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "sample"))
			if err := os.Mkdir(filepath.Join(dir, "sample"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, `command: "sample" is not a regular file`},
		{"symlink outside", func(t *testing.T, dir string) {
			outside := filepath.Join(filepath.Dir(dir), "outside")
			if err := os.WriteFile(outside, []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			os.Remove(filepath.Join(dir, "sample"))
			if err := os.Symlink(outside, filepath.Join(dir, "sample")); err != nil {
				t.Fatal(err)
			}
		}, `command: "sample" links outside the plugin folder`},
		{"broken symlink", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "sample"))
			if err := os.Symlink("nowhere", filepath.Join(dir, "sample")); err != nil {
				t.Fatal(err)
			}
		}, `command: "sample" is a broken symbolic link`},
		{"symlink inside", func(t *testing.T, dir string) {
			if err := os.Rename(filepath.Join(dir, "sample"), filepath.Join(dir, "real")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("real", filepath.Join(dir, "sample")); err != nil {
				t.Fatal(err)
			}
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := installData(t, t.TempDir(), "sample", AnalyzerFile, good)
			c.setup(t, filepath.Dir(file))
			_, err := LoadAnalyzer(file)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("want success, got %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("want %q, got %v", c.want, err)
			}
		})
	}
}

func TestLoadAnalyzerMissingFile(t *testing.T) {
	_, err := LoadAnalyzer(filepath.Join(t.TempDir(), "x", AnalyzerFile))
	if err == nil || !strings.Contains(err.Error(), "analyzer.json") {
		t.Errorf("got %v", err)
	}
}

func TestAnalyzerOutputLookup(t *testing.T) {
	m := &AnalyzerManifest{Outputs: []OutputSpec{{Name: "freq"}, {Name: "**W_*"}, {Name: "<group>__velocity"}}, Summary: []OutputSpec{{Name: "mean"}}}
	for _, c := range []struct {
		name    string
		summary bool
		want    string
	}{{"freq", false, "freq"}, {"blocks.0.attn.W_Q", false, "**W_*"}, {"mean", true, "mean"}, {"mean", false, ""}, {"b_Q", false, ""}, {"all__velocity", false, "<group>__velocity"}, {"__velocity", false, ""}} {
		got, ok := m.Output(c.name, c.summary)
		if ok != (c.want != "") || got.Name != c.want {
			t.Errorf("Output(%q, %v) = %q, %v", c.name, c.summary, got.Name, ok)
		}
	}
}

func TestManifestTooLarge(t *testing.T) {
	big := make([]byte, maxManifestBytes+10)
	for i := range big {
		big[i] = ' '
	}
	file := installData(t, t.TempDir(), "sample", AnalyzerFile, big)
	_, err := LoadAnalyzer(file)
	var me *ManifestError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), file+": file is over 1048576 bytes") {
		t.Errorf("LoadAnalyzer(huge) = %v", err)
	}
	ffile := installData(t, t.TempDir(), "sample", FamilyFile, big)
	if _, err := LoadFamily(ffile); err == nil || !strings.Contains(err.Error(), "file is over") {
		t.Errorf("LoadFamily(huge) = %v", err)
	}
}

func TestManifestNotRegular(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sample")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, AnalyzerFile)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan error, 1)
	go func() { _, err := LoadAnalyzer(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), fifo+": is not a regular file") {
			t.Errorf("LoadAnalyzer(fifo) = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("LoadAnalyzer blocked on a FIFO")
	}
	if err := os.Remove(fifo); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(fifo, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadAnalyzer(fifo); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("LoadAnalyzer(dir) = %v", err)
	}
}

// TestLoadAnalyzerUnbuilt: a plugin's tests read its analyzer.json before
// the plugin is built; the command is still held to the folder.
func TestLoadAnalyzerUnbuilt(t *testing.T) {
	data, err := os.ReadFile("testdata/analyzer/good/per_checkpoint.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "sample")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, AnalyzerFile)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadAnalyzer(file); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("LoadAnalyzer without the executable: %v, want not found", err)
	}
	m, err := LoadAnalyzerUnbuilt(file)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "sample" || m.Command != "sample" || m.CommandPath != "" || len(m.Outputs) != 1 {
		t.Errorf("got %+v", m)
	}
	escape := strings.Replace(string(data), `"command": "sample"`, `"command": "../sample"`, 1)
	if err := os.WriteFile(file, []byte(escape), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadAnalyzerUnbuilt(file); err == nil || !strings.Contains(err.Error(), "escapes the plugin folder") {
		t.Errorf("escaping command: %v", err)
	}
}

func TestOutputSpecRank(t *testing.T) {
	for shape, want := range map[string]int{"()": 0, "(k,)": 1, "(n_epochs-1,)": 1, "(n_epochs, k)": 2,
		"(n_layers*n_heads, n_ctx, n_ctx, p, p)": 5, "((p-1)/2, n_heads)": 2, "(n_freq, d_mlp), n_freq = (p-1)/2": 2, "n x m": -1} {
		if got := (OutputSpec{Shape: shape}).Rank(); got != want {
			t.Errorf("Rank(%q) = %d, want %d", shape, got, want)
		}
	}
}

func TestAnalyzerNameProbesIsReserved(t *testing.T) {
	data, err := os.ReadFile("testdata/analyzer/good/minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m["name"] = ProbesFolder
	b, _ := json.Marshal(m)
	_, err = LoadAnalyzer(installData(t, t.TempDir(), ProbesFolder, AnalyzerFile, b))
	if err == nil || !strings.Contains(err.Error(), `name: "probes" is reserved`) {
		t.Errorf("an analyzer named probes = %v", err)
	}
}
