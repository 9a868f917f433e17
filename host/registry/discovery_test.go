package registry

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// renamed returns a fixture with its name and command changed to name.
func renamed(t *testing.T, fixture, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.ReplaceAll(string(data), `"sample"`, `"`+name+`"`))
}

// analyzerTree builds an analyzers folder with two good analyzers, one that
// depends on a missing one, a broken JSON file, a folder without a manifest,
// and entries discovery must skip.
func analyzerTree(t *testing.T) string {
	root := t.TempDir()
	installData(t, root, "dep", AnalyzerFile, renamed(t, "testdata/analyzer/good/per_checkpoint.json", "dep"))
	installData(t, root, "trajectory", AnalyzerFile, renamed(t, "testdata/analyzer/good/cross_epoch.json", "trajectory"))
	orphan := strings.Replace(string(renamed(t, "testdata/analyzer/good/cross_epoch.json", "orphan")), `"dep/summary"`, `"absent"`, 1)
	installData(t, root, "orphan", AnalyzerFile, []byte(orphan))
	installData(t, root, "broken", AnalyzerFile, []byte(`{"name": "broken",`))
	if err := os.Mkdir(filepath.Join(root, "no_manifest"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, ".cache"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "README"), []byte("not a plugin"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestAnalyzerDiscovery(t *testing.T) {
	root := analyzerTree(t)
	r := NewAnalyzerRegistry()
	probs, err := r.Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range r.List() {
		names = append(names, m.Name)
	}
	if strings.Join(names, " ") != "dep trajectory" {
		t.Errorf("List = %v", names)
	}
	wantProbs := []struct{ name, msg string }{
		{"broken", "broken/analyzer.json: line 1, column 19: invalid JSON: unexpected end of file"},
		{"no_manifest", "no_manifest/analyzer.json: no analyzer.json in the folder"},
		{"orphan", `orphan/analyzer.json: inputs.artifacts[1]: analyzer "absent" is not installed`},
	}
	for _, list := range [][]*DiscoveryError{probs, r.Problems()} {
		if len(list) != len(wantProbs) {
			t.Fatalf("problems = %v", list)
		}
		for i, w := range wantProbs {
			if list[i].Name != w.name || !strings.Contains(list[i].Error(), w.msg) {
				t.Errorf("problem %d = %s: %v, want %s: %s", i, list[i].Name, list[i], w.name, w.msg)
			}
		}
	}
	if _, err := r.Get("broken"); err == nil || !strings.Contains(err.Error(), `analyzer "broken" failed to load`) {
		t.Errorf("Get(broken) = %v", err)
	}
	if _, err := r.Get("nope"); err == nil || !strings.Contains(err.Error(), `analyzer "nope" is not installed (installed: dep, trajectory)`) {
		t.Errorf("Get(nope) = %v", err)
	}
	if m, err := r.Get("trajectory"); err != nil || m.Dir != filepath.Join(root, "trajectory") {
		t.Errorf("Get(trajectory) = %v, %v", m, err)
	}
	dup, _ := r.Get("dep")
	if err := r.Register(dup); err == nil || !strings.Contains(err.Error(), "already registered") {
		t.Errorf("duplicate Register = %v", err)
	}
	if err := r.Register(&AnalyzerManifest{Name: "Bad Name"}); err == nil {
		t.Error("Register accepted a bad name")
	}
	if err := r.Register(nil); err == nil {
		t.Error("Register accepted nil")
	}

	fam := &FamilyManifest{Name: "modulo_addition_1layer", File: "family.json", Analyzers: []string{"trajectory", "dep"}}
	got, err := r.ForFamily(fam)
	if err != nil || len(got) != 2 || got[0].Name != "trajectory" || got[1].Name != "dep" {
		t.Errorf("ForFamily = %v, %v", got, err)
	}
	fam.Analyzers = []string{"dep", "broken", "absent"}
	_, err = r.ForFamily(fam)
	if err == nil || !strings.Contains(err.Error(), `family.json: analyzers[1]: analyzer "broken" failed to load`) ||
		!strings.Contains(err.Error(), `analyzers[2]: analyzer "absent" is not installed`) {
		t.Errorf("ForFamily with missing analyzers = %v", err)
	}
	// dep applies only to modulo_addition_1layer.
	_, err = r.ForFamily(&FamilyManifest{Name: "ioi", File: "f.json", Analyzers: []string{"dep"}})
	if err == nil || !strings.Contains(err.Error(), `analyzer "dep" applies only to families modulo_addition_1layer`) {
		t.Errorf("ForFamily of a foreign family = %v", err)
	}
}

func TestAnalyzerDiscoveryDependencyKinds(t *testing.T) {
	root := t.TempDir()
	// dep declares no summary here, and "trajectory2" reads a cross-epoch analyzer.
	dep := strings.Replace(string(renamed(t, "testdata/analyzer/good/minimal.json", "dep")), `"outputs"`, `"summary"`, 1)
	installData(t, root, "dep", AnalyzerFile, []byte(dep))
	installData(t, root, "trajectory", AnalyzerFile, renamed(t, "testdata/analyzer/good/cross_epoch.json", "trajectory"))
	t2 := strings.Replace(string(renamed(t, "testdata/analyzer/good/cross_epoch.json", "trajectory2")), `"dep"`, `"trajectory"`, 1)
	installData(t, root, "trajectory2", AnalyzerFile, []byte(t2))
	r := NewAnalyzerRegistry()
	probs, err := r.Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || probs[0].Name != "trajectory2" ||
		!strings.Contains(probs[0].Error(), `inputs.artifacts[0]: analyzer "trajectory" is cross-epoch`) {
		t.Errorf("problems = %v", probs)
	}
	if len(r.List()) != 2 {
		t.Errorf("List = %v", r.List())
	}

	root2 := t.TempDir()
	installData(t, root2, "dep", AnalyzerFile, renamed(t, "testdata/analyzer/good/minimal.json", "dep"))
	installData(t, root2, "trajectory", AnalyzerFile, renamed(t, "testdata/analyzer/good/cross_epoch.json", "trajectory"))
	probs, _ = NewAnalyzerRegistry().Discover(root2)
	if len(probs) != 1 || !strings.Contains(probs[0].Error(), `inputs.artifacts[1]: analyzer "dep" declares no summary`) {
		t.Errorf("problems = %v", probs)
	}
}

func TestFamilyDiscovery(t *testing.T) {
	root := t.TempDir()
	installData(t, root, "modulo_addition_1layer", FamilyFile, renamed(t, "testdata/family/good/full.json", "modulo_addition_1layer"))
	installData(t, root, "minimal", FamilyFile, renamed(t, "testdata/family/good/minimal.json", "minimal"))
	installData(t, root, "aaa_broken", FamilyFile, renamed(t, "testdata/family/bad/training_optimizer.json", "aaa_broken"))
	r := NewFamilyRegistry()
	probs, err := r.Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || probs[0].Name != "aaa_broken" || !strings.Contains(probs[0].Error(), `training.optimizer: "sgd" is not supported`) {
		t.Errorf("problems = %v", probs)
	}
	list := r.List()
	if len(list) != 2 || list[0].Name != "minimal" || list[1].Name != "modulo_addition_1layer" {
		t.Errorf("List = %v", list)
	}
	if _, err := r.Get("aaa_broken"); err == nil || !strings.Contains(err.Error(), "failed to load") {
		t.Errorf("Get(broken) = %v", err)
	}
	if _, err := r.Get("ioi"); err == nil || !strings.Contains(err.Error(), `family "ioi" is not installed (installed: minimal, modulo_addition_1layer)`) {
		t.Errorf("Get(ioi) = %v", err)
	}
	if f, err := r.Get("minimal"); err != nil || r.Register(f) == nil {
		t.Errorf("duplicate family Register accepted (%v)", err)
	}
	if _, err := r.Discover(filepath.Join(root, "absent")); err == nil || !strings.Contains(err.Error(), "absent does not exist") {
		t.Errorf("Discover(absent) = %v", err)
	}
	if _, err := NewAnalyzerRegistry().Discover(filepath.Join(root, "absent")); err == nil {
		t.Error("analyzer Discover(absent) succeeded")
	}
}

// TestDiscoveryLinkedFolder: a plugin folder may be a symbolic link (a plugin
// developed elsewhere); its command is checked inside the linked folder.
func TestDiscoveryLinkedFolder(t *testing.T) {
	elsewhere := t.TempDir()
	installData(t, elsewhere, "dep", AnalyzerFile, renamed(t, "testdata/analyzer/good/minimal.json", "dep"))
	root := t.TempDir()
	if err := os.Symlink(filepath.Join(elsewhere, "dep"), filepath.Join(root, "dep")); err != nil {
		t.Fatal(err)
	}
	r := NewAnalyzerRegistry()
	probs, err := r.Discover(root)
	if err != nil || len(probs) != 0 {
		t.Fatalf("Discover = %v, %v", probs, err)
	}
	if m, err := r.Get("dep"); err != nil || m.CommandPath != filepath.Join(root, "dep", "dep") {
		t.Errorf("Get(dep) = %+v, %v", m, err)
	}
}

// TestAnalyzerDiscoveryChainsAndCycles: a cross-epoch analyzer may read
// another's cross_epoch arrays and a secondary analyzer per-epoch ones;
// analyzers that read each other in a cycle are refused at load, naming the
// cycle, and the rest load.
func TestAnalyzerDiscoveryChainsAndCycles(t *testing.T) {
	cross := func(name, reads string) []byte {
		return []byte(`{"name": "` + name + `", "version": "1.0.0", "description": "d", "command": "./` + name + `", "kind": "cross-epoch",
		  "inputs": {"artifacts": ["` + reads + `"]}, "outputs": [{"name": "x", "dtype": "float32", "shape": "(n_epochs,)", "description": "d"}]}`)
	}
	secondary := func(name, reads string) []byte {
		return []byte(`{"name": "` + name + `", "version": "1.0.0", "description": "d", "command": "./` + name + `", "kind": "secondary",
		  "inputs": {"artifacts": ["` + reads + `"]}, "outputs": [{"name": "y", "dtype": "float32", "shape": "(d_mlp,)", "description": "d"}]}`)
	}
	root := t.TempDir()
	installData(t, root, "dep", AnalyzerFile, renamed(t, "testdata/analyzer/good/minimal.json", "dep"))
	installData(t, root, "sec", AnalyzerFile, secondary("sec", "dep"))
	installData(t, root, "sec2", AnalyzerFile, secondary("sec2", "sec"))
	installData(t, root, "across", AnalyzerFile, cross("across", "sec2"))
	installData(t, root, "chained", AnalyzerFile, cross("chained", "across/cross_epoch"))
	installData(t, root, "loop_a", AnalyzerFile, cross("loop_a", "loop_b/cross_epoch"))
	installData(t, root, "loop_b", AnalyzerFile, cross("loop_b", "loop_a/cross_epoch"))
	installData(t, root, "sec_cross", AnalyzerFile, secondary("sec_cross", "across/cross_epoch"))
	installData(t, root, "wrong_ref", AnalyzerFile, cross("wrong_ref", "across"))
	r := NewAnalyzerRegistry()
	probs, err := r.Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range probs {
		got[p.Name] = p.Error()
	}
	want := map[string]string{
		"loop_a":    "analyzers read each other's artifacts in a cycle: loop_a -> loop_b -> loop_a",
		"loop_b":    "in a cycle: loop_b -> loop_a -> loop_b",
		"sec_cross": `"across/cross_epoch": a secondary analyzer reads one epoch at a time`,
		"wrong_ref": `analyzer "across" is cross-epoch; read its arrays as "across/cross_epoch"`,
	}
	for name, msg := range want {
		if !strings.Contains(got[name], msg) {
			t.Errorf("%s: problem %q, want %q", name, got[name], msg)
		}
	}
	if len(probs) != len(want) {
		t.Errorf("problems %v", probs)
	}
	for _, name := range []string{"dep", "sec", "sec2", "across", "chained"} {
		if _, err := r.Get(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
