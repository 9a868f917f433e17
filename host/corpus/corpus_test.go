package corpus

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/internal/plugintest"
	"github.com/tdw-workbench/tdw/host/outcome"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

func family(t *testing.T) *registry.FamilyManifest {
	t.Helper()
	fam, err := registry.LoadFamily(filepath.Join(plugintest.RepoRoot(), "model_families", "modulo_addition_1layer", "family.json"))
	if err != nil {
		t.Fatal(err)
	}
	return fam
}

func ip(x int) *int { return &x }

// entry is a variant whose summary has the given verdict, grokking epoch
// (nil: none), cascade window (nil: skipped) and committed frequencies.
func entry(name string, seed int64, mode string, grok *int, cascade []int, committed []int) *Entry {
	s := &outcome.Summary{FailureMode: mode, Loss: outcome.LossLandmarks{GrokkingEpoch: grok},
		Neurons: &outcome.NeuronLandmarks{CommittedFrequencies: committed}}
	for _, w := range s.Windows.All() {
		w.Skipped = true
	}
	if cascade != nil {
		s.Windows.Cascade = outcome.Window{StartEpoch: ip(cascade[0]), EndEpoch: ip(cascade[1])}
	}
	return &Entry{Name: name, Params: map[string]any{"prime": int64(113), "seed": seed, "data_seed": int64(598), "train_fraction": 0.5},
		State: "ANALYZED", Summary: s, Freshness: outcome.Fresh}
}

func table(t *testing.T) *Table {
	t.Helper()
	tb := &Table{Family: "modulo_addition_1layer", Columns: Columns(family(t))}
	tb.Add(entry("a", 999, outcome.Healthy, ip(502), []int{175, 800}, []int{6, 9, 23}))
	tb.Add(entry("b", 1, outcome.Healthy, ip(1000), []int{25, 100}, []int{4, 30}))
	tb.Add(entry("c", 3, outcome.NoGrokking, nil, nil, []int{}))
	tb.Add(entry("d", 2, outcome.LateGrokker, ip(600), []int{175, 900}, []int{9}))
	tb.Add(&Entry{Name: "e", Params: map[string]any{"prime": int64(113), "seed": int64(5), "data_seed": int64(598), "train_fraction": 0.5},
		State: "UNTRAINED", Freshness: outcome.Missing})
	return tb
}

func names(tb *Table) string {
	var out []string
	for _, e := range tb.Entries {
		out = append(out, e.Name)
	}
	return strings.Join(out, " ")
}

func TestWhere(t *testing.T) {
	for _, c := range []struct {
		where []string
		want  string
	}{
		{[]string{"failure_mode=healthy"}, "a b"},
		{[]string{"failure_mode!=healthy"}, "c d e"},
		{[]string{"grokking_epoch<600"}, "a"}, // numbers, not text: 1000 > 600
		{[]string{"grokking_epoch>=600"}, "b d"},
		{[]string{"grokking_epoch="}, "c e"}, // empty cells
		{[]string{"grokking_epoch!=-"}, "a b d"},
		{[]string{"seed>2", "failure_mode=healthy"}, "a"},
		{[]string{"cascade<100-0"}, "b"}, // natural order: 25-100 < 100 < 175-800
		{[]string{"committed_frequencies=6,9,23"}, "a"},
		{[]string{"summary=missing"}, "e"},
		{[]string{"train_fraction=0.5", "state=ANALYZED"}, "a b c d"},
	} {
		tb := table(t)
		var conds []Condition
		for _, w := range c.where {
			cond, err := ParseCondition(w, tb.Columns)
			if err != nil {
				t.Fatal(err)
			}
			conds = append(conds, cond)
		}
		if err := tb.Filter(conds); err != nil {
			t.Fatal(err)
		}
		if got := names(tb); got != c.want {
			t.Errorf("--where %v: %q, want %q", c.where, got, c.want)
		}
	}
}

func TestParseConditionErrors(t *testing.T) {
	cols := table(t).Columns
	for s, want := range map[string]string{
		"failure_mode":       "want COLUMN OP VALUE",
		"=healthy":           "want COLUMN OP VALUE",
		"mode=healthy":       `no column "mode"`,
		"seed!3":             "want COLUMN OP VALUE",
		"grokking_epoch<=10": "",
	} {
		c, err := ParseCondition(s, cols)
		if want == "" {
			if err != nil || c.Op != "<=" || c.Column != "grokking_epoch" || c.Value != "10" {
				t.Errorf("%q: %+v, %v", s, c, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", s, err, want)
		}
	}
}

func TestSort(t *testing.T) {
	for key, want := range map[string]string{
		"grokking_epoch":  "a d b c e", // empty cells last
		"-grokking_epoch": "b d a c e", // still last descending
		"seed":            "b d c e a",
		"cascade":         "b a d c e", // 25-100, 175-800, 175-900
		"-cascade":        "d a b c e",
		"failure_mode":    "a b d c e", // ties keep the name order
		"variant":         "a b c d e",
	} {
		tb := table(t)
		if err := tb.Sort(key); err != nil {
			t.Fatal(err)
		}
		if got := names(tb); got != want {
			t.Errorf("--sort %s: %q, want %q", key, got, want)
		}
	}
	if err := table(t).Sort("-nope"); err == nil || !strings.Contains(err.Error(), `no column "nope"`) {
		t.Errorf("unknown column: %v", err)
	}
}

func TestWrite(t *testing.T) {
	tb := table(t)
	var csvOut, jsonOut bytes.Buffer
	if err := tb.WriteCSV(&csvOut); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(csvOut.String(), "\n")
	if !strings.HasPrefix(lines[0], "variant,data_seed,prime,seed,train_fraction,state,summary,") ||
		!strings.Contains(lines[1], `"6,9,23"`) || !strings.Contains(lines[1], ",175-800,") {
		t.Errorf("CSV:\n%s", csvOut.String())
	}
	if err := tb.WriteJSON(&jsonOut); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Columns []struct{ Name string }
		Rows    []map[string]any
	}
	if err := json.Unmarshal(jsonOut.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) != 5 || got.Rows[0]["grokking_epoch"] != 502.0 || got.Rows[2]["grokking_epoch"] != nil ||
		got.Rows[0]["cascade_start"] != 175.0 || len(got.Columns) != len(tb.Columns) {
		t.Errorf("JSON rows %v", got.Rows)
	}
}

// TestBuild reads a results tree: an untrained variant has a row saying
// its summary is missing.
func TestBuild(t *testing.T) {
	fam := family(t)
	dir := t.TempDir()
	if _, err := variant.Create(context.Background(), dir, fam, modadd.New(), sdk.Params{"prime": 17, "seed": 4}, "test"); err != nil {
		t.Fatal(err)
	}
	tree, err := results.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tb, problems := Build(tree, fam)
	if len(problems) > 0 || len(tb.Rows) != 1 {
		t.Fatalf("rows %v, problems %v", tb.Rows, problems)
	}
	row := Cells(tb.Columns, tb.Entries[0])
	if row["prime"] != 17 || row["state"] != "UNTRAINED" || row["summary"] != outcome.Missing || row["failure_mode"] != nil {
		t.Errorf("row %v", row)
	}
}
