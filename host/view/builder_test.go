package view

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/results"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the builder's answers")

// goldenViews are the requests whose specs are kept in testdata: one of
// each kind of view, declared and shape-driven.
var goldenViews = []struct {
	file string
	req  Request
}{
	{"loss", Request{Ref: Ref{Kind: Loss}, Epoch: 10}},
	{"accuracy", Request{Ref: Ref{Kind: Accuracy}, Epoch: -1}},
	{"norm_sorted", Request{Ref: Ref{Kind: EpochArray, Analyzer: "norm", Array: "norm_matrix"}, Epoch: 20}},
	{"norm_heatmap", Request{Ref: Ref{Kind: EpochArray, Analyzer: "norm", Array: "norm_matrix"}, As: "heatmap", Epoch: 0}},
	{"acts_selected", Request{Ref: Ref{Kind: EpochArray, Analyzer: "acts", Array: "activations"}, Index: []int{1}, Epoch: 10}},
	{"correct_grid", Request{Ref: Ref{Kind: EpochArray, Analyzer: "plain", Array: "correct"}, Epoch: 10}},
	{"zeros", Request{Ref: Ref{Kind: EpochArray, Analyzer: "plain", Array: "zeros"}, Epoch: 10}},
	{"signed", Request{Ref: Ref{Kind: EpochArray, Analyzer: "plain", Array: "signed"}, Epoch: 10}},
	{"scalar", Request{Ref: Ref{Kind: EpochArray, Analyzer: "plain", Array: "scalar"}, Epoch: 10}},
	{"summary_count", Request{Ref: Ref{Kind: Summary, Analyzer: "norm", Array: "count"}, Epoch: 10}},
	{"summary_per_freq", Request{Ref: Ref{Kind: Summary, Analyzer: "norm", Array: "per_freq"}, Epoch: -1}},
	{"path", Request{Ref: Ref{Kind: Path, Analyzer: "traj", Array: "proj"}, Epoch: 10}},
	{"scatter3d", Request{Ref: Ref{Kind: CrossArray, Analyzer: "traj", Array: "proj"}, As: "scatter3d", Epoch: 20}},
}

// TestGoldenSpecs: the builder's specs of the fixture are the kept ones
// (go test -run TestGoldenSpecs -update rewrites them; review the diff).
func TestGoldenSpecs(t *testing.T) {
	v := fixture(t)
	for _, g := range goldenViews {
		s, err := NewBuilder(v, fixtureManifests).Build(g.req)
		if err != nil {
			t.Errorf("%s: %v", g.file, err)
			continue
		}
		got, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		path := filepath.Join("testdata", g.file+".golden.json")
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to write it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: spec differs from %s (run with -update and review the diff):\n%s", g.file, path, got)
		}
		// The JSON form reads back to the same spec.
		var back Spec
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("%s: %v", g.file, err)
		}
	}
}

// TestTrainingCurvesShareTheRun: loss and accuracy both end at the run's
// last epoch (the final checkpoint's record), on one x range.
func TestTrainingCurvesShareTheRun(t *testing.T) {
	v := fixture(t)
	b := NewBuilder(v, nil)
	loss, err := b.Build(Request{Ref: Ref{Kind: Loss}, Epoch: -1})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := b.Build(Request{Ref: Ref{Kind: Accuracy}, Epoch: -1})
	if err != nil {
		t.Fatal(err)
	}
	if *loss.X.Range != [2]float64{0, 20} || *acc.X.Range != *loss.X.Range {
		t.Errorf("x ranges: loss %v, accuracy %v, want [0 20] both", *loss.X.Range, *acc.X.Range)
	}
	for _, s := range append(slices.Clone(loss.Series), acc.Series...) {
		if last := s.X[len(s.X)-1]; last != 20 {
			t.Errorf("series %q ends at epoch %v, want 20", s.Name, last)
		}
	}
	if !loss.Y.Log || !strings.Contains(loss.Y.Title, "log scale") {
		t.Errorf("loss y axis %+v: want a log axis titled as such", loss.Y)
	}
}

// TestBadRequests: what the request gets wrong is an ErrBadView or
// results.ErrSelection error (a 400, exit 2); what is not there a
// results.ErrNotFound (a 404).
func TestBadRequests(t *testing.T) {
	v := fixture(t)
	for _, tc := range []struct {
		name string
		req  Request
		kind error
		want string
	}{
		{"epoch beyond the run", Request{Ref: Ref{Kind: EpochArray, Analyzer: "norm", Array: "norm_matrix"}, Epoch: 123456}, results.ErrSelection, "beyond the run"},
		{"marked epoch beyond the run", Request{Ref: Ref{Kind: Loss}, Epoch: 21}, results.ErrSelection, "last epoch is 20"},
		{"epoch not analyzed", Request{Ref: Ref{Kind: EpochArray, Analyzer: "norm", Array: "norm_matrix"}, Epoch: 5}, results.ErrNotFound, "epoch 5"},
		{"index out of range", Request{Ref: Ref{Kind: EpochArray, Analyzer: "acts", Array: "activations"}, Index: []int{2}, Epoch: -1}, results.ErrSelection, "out of range"},
		{"too many indices", Request{Ref: Ref{Kind: EpochArray, Analyzer: "acts", Array: "activations"}, Index: []int{0, 0, 0, 0}, Epoch: -1}, results.ErrSelection, "index"},
		{"unknown style", Request{Ref: Ref{Kind: EpochArray, Analyzer: "norm", Array: "norm_matrix"}, As: "pie", Epoch: -1}, ErrBadView, "pie"},
		{"style that does not fit", Request{Ref: Ref{Kind: EpochArray, Analyzer: "plain", Array: "scalar"}, As: "heatmap", Epoch: -1}, ErrBadView, "fewer than two axes"},
		{"missing analyzer", Request{Ref: Ref{Kind: EpochArray, Analyzer: "nope", Array: "x"}, Epoch: -1}, results.ErrNotFound, "nope"},
		{"missing array", Request{Ref: Ref{Kind: EpochArray, Analyzer: "norm", Array: "nope"}, Epoch: -1}, results.ErrNotFound, "nope"},
		{"cross array frames", Request{Ref: Ref{Kind: CrossArray, Analyzer: "traj", Array: "proj"}, FixedRange: true, Epoch: -1}, nil, ""},
	} {
		_, err := NewBuilder(v, fixtureManifests).Build(tc.req)
		if tc.kind == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if !errors.Is(err, tc.kind) || !strings.Contains(fmtErr(err), tc.want) {
			t.Errorf("%s: error %v, want a %v naming %q", tc.name, err, tc.kind, tc.want)
		}
		if IsBadRequest(err) != (tc.kind != results.ErrNotFound) {
			t.Errorf("%s: IsBadRequest = %v", tc.name, IsBadRequest(err))
		}
	}
	if _, err := NewBuilder(v, nil).Epochs(Ref{Kind: CrossArray, Analyzer: "traj", Array: "proj"}); !errors.Is(err, results.ErrSelection) {
		t.Errorf("epochs of a cross-epoch array: %v, want an ErrSelection", err)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestSortedHeatmap: the columns are the neurons ordered by the row of
// their largest value, ties by that value, largest first; col_index says
// which neuron each column is.
func TestSortedHeatmap(t *testing.T) {
	v := fixture(t)
	s, err := NewBuilder(v, fixtureManifests).Build(Request{Ref: Ref{Kind: EpochArray, Analyzer: "norm", Array: "norm_matrix"}, Epoch: 20})
	if err != nil {
		t.Fatal(err)
	}
	g := s.Grid
	// Neuron n peaks at row (2n)%3: neurons 0 and 3 at row 0, 2 at row 1,
	// 1 and 4 at row 2; within a row the larger peak (later n) first.
	if want := []int{3, 0, 2, 4, 1}; !slices.Equal(g.ColIndex, want) {
		t.Errorf("col_index %v, want %v", g.ColIndex, want)
	}
	if !strings.Contains(s.X.Title, "sorted by dominant frequency k") {
		t.Errorf("x title %q", s.X.Title)
	}
	prev := -1
	for c := range g.Cols {
		arg := 0
		for r := range g.Rows {
			if g.Z[r*g.Cols+c] > g.Z[arg*g.Cols+c] {
				arg = r
			}
		}
		if arg < prev {
			t.Errorf("column %d peaks at row %d after a column peaking at row %d", c, arg, prev)
		}
		prev = arg
	}
}

// TestGridOfInputs: a vector of n*n ≥ 64 entries is drawn as the n × n
// (a, b) grid, square, as the page draws it.
func TestGridOfInputs(t *testing.T) {
	v := fixture(t)
	s, err := NewBuilder(v, nil).Build(Request{Ref: Ref{Kind: EpochArray, Analyzer: "plain", Array: "correct"}, Epoch: -1})
	if err != nil {
		t.Fatal(err)
	}
	if s.Kind != Heatmap || s.Grid.Rows != 8 || s.Grid.Cols != 8 || !s.Square || s.X.Title != "b" || s.Y.Title != "a" {
		t.Errorf("correct: kind %s, grid %dx%d, square %v, axes %q/%q: want the square 8 x 8 (a, b) grid", s.Kind, s.Grid.Rows, s.Grid.Cols, s.Square, s.Y.Title, s.X.Title)
	}
}

// TestFramesShareOneRange: a GIF's frames, and a fixed-range picture, have
// one colour scale spanning every epoch.
func TestFramesShareOneRange(t *testing.T) {
	v := fixture(t)
	req := Request{Ref: Ref{Kind: EpochArray, Analyzer: "acts", Array: "activations"}, Index: []int{1}}
	frames, err := NewBuilder(v, fixtureManifests).Frames(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 3 {
		t.Fatalf("%d frames, want 3", len(frames))
	}
	lo, hi := frames[0].Color.Min, frames[0].Color.Max
	all := []float64{}
	for i, f := range frames {
		if f.Color.Min != lo || f.Color.Max != hi || !slices.Equal(f.Color.Ticks, frames[0].Color.Ticks) {
			t.Errorf("frame %d scale [%g, %g], frame 0 [%g, %g]", i, f.Color.Min, f.Color.Max, lo, hi)
		}
		all = append(all, f.Grid.Z...)
	}
	dlo, dhi, _ := finiteRange(all)
	if lo != dlo || hi != dhi {
		t.Errorf("shared scale [%g, %g], want the data's [%g, %g]", lo, hi, dlo, dhi)
	}
	one, err := NewBuilder(v, fixtureManifests).Build(Request{Ref: req.Ref, Index: req.Index, Epoch: 0, FixedRange: true})
	if err != nil {
		t.Fatal(err)
	}
	if one.Color.Min != lo || one.Color.Max != hi || *one.Epoch != 0 {
		t.Errorf("fixed range at epoch 0: [%g, %g] epoch %v, want the frames' [%g, %g] at 0", one.Color.Min, one.Color.Max, *one.Epoch, lo, hi)
	}
	alone, _ := NewBuilder(v, fixtureManifests).Build(Request{Ref: req.Ref, Index: req.Index, Epoch: 0})
	if alone.Color.Max >= hi {
		t.Errorf("epoch 0 alone has max %g: the fixture's later epochs should reach higher (%g)", alone.Color.Max, hi)
	}
}

// TestList: the views list the training curves, every array in each view
// its declaration suggests (marked suggested), the others by shape.
func TestList(t *testing.T) {
	v := fixture(t)
	es, err := NewBuilder(v, fixtureManifests).List()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Entry{}
	for _, e := range es {
		got[e.Name+"|"+e.As] = e
		if _, err := NewBuilder(v, fixtureManifests).Build(Request{Ref: mustParse(t, e.Name), As: e.As, Epoch: -1}); err != nil {
			t.Errorf("listed view %s as %s does not build: %v", e.Name, e.As, err)
		}
	}
	for key, want := range map[string]struct {
		kind      Kind
		suggested bool
	}{
		"loss|": {Lines, true}, "norm/norm_matrix|sorted_heatmap": {Heatmap, true}, "norm/norm_matrix|heatmap": {Heatmap, true},
		"plain/correct|grid": {Heatmap, false}, "plain/scalar|text": {Text, false}, "norm/summary/count|lines": {Lines, true},
		"traj/cross/proj|heatmap": {Heatmap, false},
	} {
		e, ok := got[key]
		if !ok || e.Kind != want.kind || e.Suggested != want.suggested {
			t.Errorf("%s: %+v (listed %v), want kind %s suggested %v", key, e, ok, want.kind, want.suggested)
		}
	}
	if e := got["acts/activations|heatmap"]; len(e.Selectors) != 1 || e.Selectors[0].Axis != "neuron" || e.Selectors[0].Size != 2 {
		t.Errorf("activations selectors %+v, want one neuron axis of 2", e.Selectors)
	}
}

func mustParse(t *testing.T, s string) Ref {
	t.Helper()
	r, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
