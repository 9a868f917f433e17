package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/internal/plugintest"
	"github.com/tdw-workbench/tdw/host/pluginhost"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

// The real analyzer plugins the fixture variant is analyzed with.
var fixtureAnalyzers = []string{"neuron_activations", "attention_patterns", "neuron_freq_norm", "parameter_snapshot", "parameter_trajectory"}

// secondAnalyzers analyze the fixture's second variant, which a comparison
// overlays on the first: one summary analyzer in common, one of its own,
// and neuron_activations, whose per-epoch arrays (on each variant's own
// colour range) the comparison shows side by side.
var secondAnalyzers = []string{"neuron_freq_norm", "progress_measures", "neuron_activations"}

// fixture is a tiny trained and analyzed modular-addition variant (p = 17,
// checkpoints 0, 10, 20, 30), built once in TestMain.
var fixture struct {
	results   string
	families  *registry.FamilyRegistry
	analyzers *registry.AnalyzerRegistry
	variant   *variant.Variant
	untrained *variant.Variant
	// second differs from variant in seed and train_fraction, is trained
	// 20 epochs (checkpoints 0, 10, 20) and analyzed with secondAnalyzers.
	second *variant.Variant
	err    error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tdw-serve-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixture.err = buildFixture(dir)
	code := m.Run()
	pluginhost.CloseAll()
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildFixture(dir string) error {
	root := plugintest.RepoRoot()
	andir := filepath.Join(dir, "analyzers")
	if err := plugintest.BuildAnalyzers(andir, append(slices.Clone(fixtureAnalyzers), "progress_measures")); err != nil {
		return err
	}
	fixture.analyzers = registry.NewAnalyzerRegistry()
	if probs, err := fixture.analyzers.Discover(andir); err != nil || len(probs) > 0 {
		return fmt.Errorf("discover analyzers: %v %v", err, probs)
	}
	// The family runs in-process; the registry only needs its command to exist.
	famDir := filepath.Join(dir, "families", "modulo_addition_1layer")
	if err := os.MkdirAll(famDir, 0o755); err != nil {
		return err
	}
	js, err := os.ReadFile(filepath.Join(root, "model_families", "modulo_addition_1layer", "family.json"))
	if err != nil {
		return err
	}
	os.WriteFile(filepath.Join(famDir, "family.json"), js, 0o644)
	os.WriteFile(filepath.Join(famDir, "modulo_addition_1layer"), []byte("#!/bin/sh\nexit 1\n"), 0o755)
	fam, err := registry.LoadFamily(filepath.Join(famDir, "family.json"))
	if err != nil {
		return err
	}
	fixture.families = registry.NewFamilyRegistry()
	if err := fixture.families.Register(fam); err != nil {
		return err
	}
	fixture.results = filepath.Join(dir, "results")
	params := sdk.Params{"prime": 17, "train_fraction": 0.5, "seed": 1, "data_seed": 2}
	v, err := variant.Create(context.Background(), fixture.results, fam, modadd.New(), params, "test")
	if err != nil {
		return err
	}
	ts, err := variant.ResolveTraining(fam, "", 30, "0:30:10")
	if err != nil {
		return err
	}
	if _, err := v.Train(context.Background(), variant.TrainOptions{Family: modadd.New(), Training: ts, TDWVersion: "test"}); err != nil {
		return err
	}
	run := analysis.New(v, modadd.New(), analysis.Config{}, analysis.Options{Launch: analysis.PluginLauncher(pluginhost.Options{Logger: hclog.NewNullLogger()}), Logger: hclog.NewNullLogger(), Family: fam})
	for _, a := range fixtureAnalyzers {
		m, err := fixture.analyzers.Get(a)
		if err != nil {
			return err
		}
		run.Register(m)
	}
	if rep, err := run.Execute(context.Background()); err != nil {
		return fmt.Errorf("analysis: %v (%+v)", err, rep)
	}
	// The first variant is analyzed over its train split too: the analyzer
	// that needs the full grid is skipped there.
	over := analysis.New(v, modadd.New(), analysis.Config{Probe: "train"}, analysis.Options{Launch: analysis.PluginLauncher(pluginhost.Options{Logger: hclog.NewNullLogger()}), Logger: hclog.NewNullLogger(), Family: fam})
	for _, a := range []string{"parameter_snapshot", "neuron_activations"} {
		m, _ := fixture.analyzers.Get(a)
		over.Register(m)
	}
	if rep, err := over.Execute(context.Background()); err != nil {
		return fmt.Errorf("analysis over train: %v (%+v)", err, rep)
	}
	fixture.variant = v
	if fixture.second, err = trainAndAnalyze(fam, sdk.Params{"prime": 17, "train_fraction": 0.6, "seed": 2, "data_seed": 2},
		20, "0:20:10", secondAnalyzers); err != nil {
		return err
	}
	// A second variant, created and never trained.
	u, err := variant.Create(context.Background(), fixture.results, fam, modadd.New(),
		sdk.Params{"prime": 17, "train_fraction": 0.5, "seed": 3, "data_seed": 2}, "test")
	if err != nil {
		return err
	}
	fixture.untrained = u
	return nil
}

// trainAndAnalyze creates, trains and analyzes a fixture variant.
func trainAndAnalyze(fam *registry.FamilyManifest, params sdk.Params, epochs int, schedule string, analyzers []string) (*variant.Variant, error) {
	v, err := variant.Create(context.Background(), fixture.results, fam, modadd.New(), params, "test")
	if err != nil {
		return nil, err
	}
	ts, err := variant.ResolveTraining(fam, "", epochs, schedule)
	if err != nil {
		return nil, err
	}
	if _, err := v.Train(context.Background(), variant.TrainOptions{Family: modadd.New(), Training: ts, TDWVersion: "test"}); err != nil {
		return nil, err
	}
	run := analysis.New(v, modadd.New(), analysis.Config{}, analysis.Options{Launch: analysis.PluginLauncher(pluginhost.Options{Logger: hclog.NewNullLogger()}), Logger: hclog.NewNullLogger(), Family: fam})
	for _, a := range analyzers {
		m, err := fixture.analyzers.Get(a)
		if err != nil {
			return nil, err
		}
		run.Register(m)
	}
	if rep, err := run.Execute(context.Background()); err != nil {
		return nil, fmt.Errorf("analysis of %s: %v (%+v)", v.Name, err, rep)
	}
	return v, nil
}

func newServer(t testing.TB) *httptest.Server {
	t.Helper()
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	s, err := New(fixture.results, fixture.families, fixture.analyzers, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

// get requests a raw path (sent as written, without client-side cleaning)
// and returns the status and body.
func get(t *testing.T, ts *httptest.Server, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Opaque = path // keeps %2e%2e and .. as they are
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func vpath() string {
	return "/api/variants/" + fixture.variant.Family + "/" + fixture.variant.Name
}

func TestAPI(t *testing.T) {
	ts := newServer(t)
	vp := vpath()
	epochs := "[0,10,20,30]"
	tests := []struct {
		name, path string
		code       int
		// check inspects the decoded answer.
		check func(t *testing.T, v map[string]any)
	}{
		{"variants", "/api/variants", 200, func(t *testing.T, v map[string]any) {
			rows := v["variants"].([]any)
			if len(rows) != 3 {
				t.Fatalf("%d variants, want 3", len(rows))
			}
			var r map[string]any
			for _, row := range rows {
				row := row.(map[string]any)
				switch row["name"] {
				case fixture.variant.Name:
					r = row
				case fixture.untrained.Name:
					if row["state"] != "UNTRAINED" || row["epochs"].(float64) != 0 || row["final_test_loss"] != nil {
						t.Errorf("untrained row %v", row)
					}
				}
			}
			// progress_measures has no artifacts in the fixture: not every default analyzer is complete.
			if r["state"] != "PARTIAL" || r["epochs"].(float64) != 30 || r["checkpoints"].(float64) != 4 {
				t.Errorf("row %v", r)
			}
			if _, ok := r["final_test_loss"].(float64); !ok {
				t.Errorf("final_test_loss %v", r["final_test_loss"])
			}
		}},
		{"variant", vp, 200, func(t *testing.T, v map[string]any) {
			if got := js(v["checkpoint_epochs"]); got != epochs {
				t.Errorf("checkpoint_epochs %s", got)
			}
			if n := len(v["train_losses"].([]any)); n != 30 {
				t.Errorf("%d train losses, want 30", n)
			}
			md, _ := fixture.variant.Metadata()
			if g := v["grokking_epoch"].(float64); int(g) != md.FirstEpochAbove(0.99) {
				t.Errorf("grokking epoch %v", g)
			}
		}},
		{"manifest", vp + "/manifest", 200, func(t *testing.T, v map[string]any) {
			as := v["analyzers"].([]any)
			if len(as) != len(fixtureAnalyzers) {
				t.Fatalf("%d analyzers, want %d", len(as), len(fixtureAnalyzers))
			}
			found := false
			for _, a := range as {
				a := a.(map[string]any)
				if a["name"] == "neuron_activations" {
					found = true
					if js(a["epochs"]) != epochs {
						t.Errorf("epochs %s", js(a["epochs"]))
					}
					o := a["outputs"].([]any)[0].(map[string]any)
					if o["name"] != "activations" || js(o["shape"]) != "[512,17,17]" {
						t.Errorf("output %v", o)
					}
				}
				if a["name"] == "parameter_trajectory" && a["cross"] != true {
					t.Errorf("parameter_trajectory not cross: %v", a)
				}
			}
			if !found {
				t.Error("no neuron_activations")
			}
		}},
		{"summary", vp + "/analyzers/neuron_freq_norm/summary", 200, func(t *testing.T, v map[string]any) {
			if js(v["epochs"]) != epochs {
				t.Errorf("epochs %s", js(v["epochs"]))
			}
			s := v["series"].(map[string]any)["specialized_per_freq"].(map[string]any)
			if js(s["shape"]) != "[8]" || len(s["data"].([]any)) != 32 {
				t.Errorf("specialized_per_freq %v", s)
			}
		}},
		{"one neuron", vp + "/analyzers/neuron_activations/epochs/20/activations?index=17", 200, func(t *testing.T, v map[string]any) {
			if js(v["shape"]) != "[512,17,17]" || js(v["slice_shape"]) != "[17,17]" || len(v["data"].([]any)) != 289 {
				t.Errorf("answer %v %v", v["shape"], v["slice_shape"])
			}
			want := readEntry(t, "neuron_activations", 20, "activations").AsFloat64()[17*289 : 18*289]
			for i, x := range v["data"].([]any) {
				if sdk.Float32ToFloat16(float32(x.(float64))) != sdk.Float32ToFloat16(float32(want[i])) {
					t.Fatalf("element %d: %v, want %v", i, x, want[i])
				}
			}
		}},
		{"attention pair", vp + "/analyzers/attention_patterns/epochs/30/patterns?index=1,2,0", 200, func(t *testing.T, v map[string]any) {
			if js(v["slice_shape"]) != "[17,17]" {
				t.Errorf("slice_shape %v", v["slice_shape"])
			}
		}},
		{"thinned", vp + "/analyzers/neuron_activations/epochs/0/activations?index=3&step=4", 200, func(t *testing.T, v map[string]any) {
			if js(v["slice_shape"]) != "[5,5]" || len(v["data"].([]any)) != 25 {
				t.Errorf("slice_shape %v", v["slice_shape"])
			}
		}},
		{"cross", vp + "/analyzers/parameter_trajectory/cross/all__projections", 200, func(t *testing.T, v map[string]any) {
			if sh := v["shape"].([]any); sh[0].(float64) != 4 {
				t.Errorf("shape %v", sh)
			}
		}},
		{"batch", vp + "/epochs/20?select=neuron_activations%2Factivations%2F17&select=neuron_freq_norm/norm_matrix&select=neuron_freq_norm/nope&select=coarseness/x", 200, func(t *testing.T, v map[string]any) {
			as := v["arrays"].([]any)
			if len(as) != 4 {
				t.Fatalf("%d answers, want 4", len(as))
			}
			a0 := as[0].(map[string]any)
			if js(a0["slice_shape"]) != "[17,17]" || a0["analyzer"] != "neuron_activations" {
				t.Errorf("first answer %v %v", a0["analyzer"], a0["slice_shape"])
			}
			want := readEntry(t, "neuron_activations", 20, "activations").AsFloat64()[17*289 : 18*289]
			for i, x := range a0["data"].([]any) {
				if sdk.Float32ToFloat16(float32(x.(float64))) != sdk.Float32ToFloat16(float32(want[i])) {
					t.Fatalf("element %d: %v, want %v", i, x, want[i])
				}
			}
			if js(as[1].(map[string]any)["shape"]) != "[8,512]" {
				t.Errorf("second answer shape %v", as[1].(map[string]any)["shape"])
			}
			for i, code := range []float64{404, 404} {
				a := as[2+i].(map[string]any)
				if a["status"] != code || a["error"] == "" {
					t.Errorf("answer %d: %v", 2+i, a)
				}
			}
		}},
		{"batch without select", vp + "/epochs/20", 400, nil},
		{"batch bad select", vp + "/epochs/20?select=neuron_freq_norm", 400, nil},
		{"batch escaping select", vp + "/epochs/20?select=..%2Fx%2Fy", 400, nil},
		{"batch bad index", vp + "/epochs/20?select=neuron_freq_norm/norm_matrix/x", 400, nil},
		{"whole small", vp + "/analyzers/neuron_freq_norm/epochs/10/norm_matrix", 200, nil},
		{"index out of range", vp + "/analyzers/neuron_activations/epochs/20/activations?index=512", 400, nil},
		{"too many indices", vp + "/analyzers/neuron_freq_norm/epochs/20/norm_matrix?index=1,2,3", 400, nil},
		{"bad index", vp + "/analyzers/neuron_freq_norm/epochs/20/norm_matrix?index=x", 400, nil},
		{"bad step", vp + "/analyzers/neuron_freq_norm/epochs/20/norm_matrix?step=-1", 400, nil},
		{"no such epoch", vp + "/analyzers/neuron_freq_norm/epochs/15/norm_matrix", 404, nil},
		{"bad epoch", vp + "/analyzers/neuron_freq_norm/epochs/ten/norm_matrix", 400, nil},
		{"no such array", vp + "/analyzers/neuron_freq_norm/epochs/20/nope", 404, nil},
		{"no such analyzer", vp + "/analyzers/coarseness/summary", 404, nil},
		{"not cross", vp + "/analyzers/neuron_freq_norm/cross/x", 404, nil},
		{"no summary", vp + "/analyzers/parameter_trajectory/summary", 404, nil},
		{"untrained variant", "/api/variants/modulo_addition_1layer/" + fixture.untrained.Name, 200, func(t *testing.T, v map[string]any) {
			if v["state"] != "UNTRAINED" || len(v["train_losses"].([]any)) != 0 {
				t.Errorf("untrained %v %v", v["state"], v["train_losses"])
			}
		}},
		{"untrained manifest", "/api/variants/modulo_addition_1layer/" + fixture.untrained.Name + "/manifest", 404, nil},
		{"no such variant", "/api/variants/modulo_addition_1layer/nope", 404, nil},
		{"no such family", "/api/variants/nofamily/" + fixture.variant.Name, 404, nil},
		{"no such endpoint", "/api/nothing", 404, nil},
		{"dotdot", "/api/variants/../../etc/passwd", 400, nil},
		{"dotdot in family", "/api/variants/../" + fixture.variant.Name + "/manifest", 400, nil},
		{"encoded dotdot", "/api/variants/%2e%2e/%2e%2e/manifest", 400, nil},
		{"encoded slash", "/api/variants/%2e%2e%2f%2e%2e/x", 400, nil},
		{"absolute", "/api/variants//etc/passwd", 400, nil},
		{"encoded absolute", "/api/variants/%2fetc/passwd", 400, nil},
		{"dotdot analyzer", vp + "/analyzers/%2e%2e/summary", 400, nil},
		{"dot file", vp + "/analyzers/.lock/summary", 400, nil},
		{"backslash", "/api/variants/a%5c..%5cb/x", 400, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(t, ts, tc.path)
			if code != tc.code {
				t.Fatalf("GET %s: %d, want %d: %s", tc.path, code, tc.code, body)
			}
			var v map[string]any
			if err := json.Unmarshal(body, &v); err != nil {
				t.Fatalf("GET %s: body is not JSON: %v: %.200s", tc.path, err, body)
			}
			if code >= 400 {
				if msg, _ := v["error"].(string); msg == "" {
					t.Errorf("GET %s: no error message: %s", tc.path, body)
				}
				return
			}
			if tc.check != nil {
				tc.check(t, v)
			}
		})
	}
}

// TestNoEscape checks that a symbolic link inside results/ that points
// outside is refused.
func TestNoEscape(t *testing.T) {
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	outside := t.TempDir()
	link := filepath.Join(fixture.results, fixture.variant.Family, "escape")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(link)
	ts := newServer(t)
	code, body := get(t, ts, "/api/variants/"+fixture.variant.Family+"/escape/manifest")
	if code != 400 && code != 404 {
		t.Fatalf("symlink out of results: %d %s", code, body)
	}
}

// TestNoEscapeThroughArtifact checks that an artifact file that is a
// symbolic link out of results/ is refused by every endpoint that reads it:
// the single-array, summary, batch, comparison and export endpoints
// (the single-array and summary ones used to follow it).
func TestNoEscapeThroughArtifact(t *testing.T) {
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	art := results.For(fixture.variant)
	outside := t.TempDir()
	for _, p := range []string{art.EpochPath("neuron_freq_norm", 10), art.SummaryPath("neuron_freq_norm")} {
		moved := filepath.Join(outside, filepath.Base(p))
		if err := os.Rename(p, moved); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(moved, p); err != nil {
			t.Fatal(err)
		}
		defer func() {
			os.Remove(p)
			if err := os.Rename(moved, p); err != nil {
				t.Errorf("restoring %s: %v", p, err)
			}
		}()
	}
	ts := newServer(t)
	vp := vpath()
	for _, path := range []string{
		vp + "/analyzers/neuron_freq_norm/epochs/10/norm_matrix",
		vp + "/analyzers/neuron_freq_norm/summary",
		"/api/compare/series?v=" + vname(fixture.variant) + "&series=neuron_freq_norm/specialized_count",
		vp + "/export?view=neuron_freq_norm/norm_matrix&epoch=10&format=svg",
		vp + "/export?view=neuron_freq_norm/summary/specialized_count&format=svg",
	} {
		if code, body := get(t, ts, path); code != 400 {
			t.Errorf("GET %s through a link out of results/: %d, want 400: %s", path, code, body)
		}
	}
	code, body := get(t, ts, vp+"/epochs/10?select=neuron_freq_norm/norm_matrix")
	var batch struct {
		Arrays []BatchItem `json:"arrays"`
	}
	if err := json.Unmarshal(body, &batch); code != 200 || err != nil || len(batch.Arrays) != 1 || batch.Arrays[0].Status != 400 {
		t.Errorf("batch through a link out of results/: %d %s", code, body)
	}
	// The other epochs still read.
	if code, body := get(t, ts, vp+"/analyzers/neuron_freq_norm/epochs/20/norm_matrix"); code != 200 {
		t.Errorf("epoch 20: %d %s", code, body)
	}
}

func TestStaticAndMethods(t *testing.T) {
	ts := newServer(t)
	code, body := get(t, ts, "/")
	if code != 200 || !strings.Contains(strings.ToLower(string(body)), "<!doctype html>") {
		t.Errorf("GET /: %d %.100s", code, body)
	}
	resp, err := ts.Client().Post(ts.URL+"/api/variants", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /api/variants: %d", resp.StatusCode)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
}

func TestHostCheck(t *testing.T) {
	ts := newServer(t)
	for _, tc := range []struct {
		host string
		code int
	}{
		{"localhost:8060", 200}, {"127.0.0.1:8060", 200}, {"[::1]:8060", 200}, {"192.168.1.5", 200},
		{"evil.example:8060", 403}, {"localhost.evil.example", 403},
	} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/variants", nil)
		req.Host = tc.host
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("Host %s: %d, want %d", tc.host, resp.StatusCode, tc.code)
		}
	}
}

func readEntry(t *testing.T, analyzer string, epoch int, name string) *sdk.Tensor {
	t.Helper()
	x, err := artifact.ReadNPZEntry(results.For(fixture.variant).EpochPath(analyzer, epoch), name)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
