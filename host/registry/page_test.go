package registry

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoFamily reads the repository's modulo_addition_1layer family.json as
// a JSON object.
func repoFamily(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile("../../model_families/modulo_addition_1layer/family.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestFamilyPages: the repository family's pages load and every view
// resolves against the repository's analyzers (their analyzer.json).
func TestFamilyPages(t *testing.T) {
	root := t.TempDir()
	files, err := filepath.Glob("../../analyzers/*/analyzer.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no analyzers: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		installData(t, filepath.Join(root, "analyzers"), filepath.Base(filepath.Dir(f)), AnalyzerFile, data)
	}
	ans := NewAnalyzerRegistry()
	if probs, err := ans.Discover(filepath.Join(root, "analyzers")); err != nil || len(probs) > 0 {
		t.Fatalf("discover: %v %v", err, probs)
	}
	data, _ := json.Marshal(repoFamily(t))
	fam, err := LoadFamily(installData(t, filepath.Join(root, "families"), "modulo_addition_1layer", FamilyFile, data))
	if err != nil {
		t.Fatal(err)
	}
	if len(fam.Pages) < 10 || fam.Pages[0].ID != "overview" || !fam.Pages[0].Headline {
		t.Fatalf("pages: %+v", fam.Pages)
	}
	kinds := map[string]string{}
	for _, p := range fam.Pages {
		kinds[p.ID] = p.Kind
	}
	if kinds["all"] != PageAll || kinds["comparison"] != PageComparison || kinds["activations"] != PageViews {
		t.Errorf("page kinds: %v", kinds)
	}
	if err := ans.CheckPages(fam); err != nil {
		t.Errorf("the repository's pages: %v", err)
	}
	// A view of an array its analyzer does not declare is named with the
	// file and the field.
	fam.Pages[1].Views = append(fam.Pages[1].Views, PageView{View: "neuron_freq_norm/no_such", Analyzer: "neuron_freq_norm", Array: "no_such"})
	err = ans.CheckPages(fam)
	if err == nil || !strings.Contains(err.Error(), "family.json: pages[1].views[") || !strings.Contains(err.Error(), `declares no output "no_such"`) {
		t.Errorf("unknown array: %v", err)
	}
}

// TestFamilyPagesBad: bad pages fail to load with the field named.
func TestFamilyPagesBad(t *testing.T) {
	for _, c := range []struct {
		pages any
		path  string
		msg   string
	}{
		{[]any{map[string]any{"id": "x", "title": "X", "views": []any{"no_analyzer/arr"}}}, "pages[0].views[0]", `analyzer "no_analyzer" is not among the family's analyzers`},
		{[]any{map[string]any{"id": "x", "title": "X", "views": []any{"a/b/c/d"}}}, "pages[0].views[0]", "is not a view name"},
		{[]any{map[string]any{"id": "x", "title": "X", "views": []any{map[string]any{"view": "loss", "as": "pie"}}}}, "pages[0].views[0].as", `"pie" is not a view`},
		{[]any{map[string]any{"id": "x", "title": "X"}}, "pages[0].views", "at least one view"},
		{[]any{map[string]any{"id": "x", "title": "X", "kind": "all"}, map[string]any{"id": "x", "title": "Y", "kind": "all"}}, "pages[1].id", "used by another page"},
		{[]any{map[string]any{"id": "x", "title": "X", "kind": "book"}}, "pages[0].kind", "not a page kind"},
		{[]any{map[string]any{"id": "x", "title": "X", "views": []any{"loss"}, "colour": "red"}}, "pages[0].colour", "unknown field"},
		{"overview", "pages", "want an array of pages"},
	} {
		m := repoFamily(t)
		m["pages"] = c.pages
		data, _ := json.Marshal(m)
		_, err := LoadFamily(installData(t, t.TempDir(), "modulo_addition_1layer", FamilyFile, data))
		if err == nil || !strings.Contains(err.Error(), "family.json: ") || !strings.Contains(err.Error(), c.path+": ") || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("pages %v: got %v, want %s: …%s", c.pages, err, c.path, c.msg)
		}
	}
}
