package results

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func TestReaderReadsWhatTheManifestRecords(t *testing.T) {
	a := newAnalyzed(t)
	rd := a.reader(t)
	if got := rd.ListAvailable(); !slices.Equal(got, []string{"across", "per"}) {
		t.Errorf("ListAvailable = %v", got)
	}
	// The stray epoch 20 file is not listed, so not read.
	if eps, err := rd.Epochs("per"); err != nil || !slices.Equal(eps, []int{0, 10}) {
		t.Errorf("Epochs = %v, %v", eps, err)
	}
	st, err := rd.Load("per", "x")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.Epochs, []int{0, 10}) || len(st.Arrays) != 1 {
		t.Fatalf("Load: epochs %v, %d arrays", st.Epochs, len(st.Arrays))
	}
	x := st.Arrays["x"]
	if !slices.Equal(x.Shape(), []int{2, 2, 3}) || !slices.Equal(x.Float32s()[6:], a.x[1].Float32s()) {
		t.Errorf("stacked x %v %v", x.Shape(), x.Float32s())
	}
	all, err := rd.Load("per")
	if err != nil || len(all.Arrays) != 2 || !slices.Equal(all.Arrays["y"].Int64s(), []int64{0, 10}) {
		t.Errorf("Load without fields: %v, %v", all, err)
	}
	one, err := rd.LoadEpoch("per", 10, "y")
	if err != nil || len(one) != 1 || one["y"].Int64s()[0] != 10 {
		t.Errorf("LoadEpoch: %v, %v", one, err)
	}
	if y, err := rd.EpochEntry("per", 0, "y"); err != nil || y.Int64s()[0] != 0 {
		t.Errorf("EpochEntry: %v, %v", y, err)
	}
	sum, err := rd.Summary("per")
	if err != nil || !slices.Equal(sum.Epochs, []int{0, 10}) || !slices.Equal(sum.Arrays["s"].Shape(), []int{2, 3}) || sum.Arrays["epochs"] != nil {
		t.Errorf("Summary: %+v, %v", sum, err)
	}
	ep, vals, err := rd.Series("per", "s", []int{2})
	if err != nil || !slices.Equal(ep, []float64{0, 10}) || !slices.Equal(vals, []float64{3, 6}) {
		t.Errorf("Series(s, [2]) = %v %v, %v", ep, vals, err)
	}
	cross, err := rd.CrossEpoch("across")
	if err != nil || !slices.Equal(cross["traj"].Float64s(), []float64{1, 2, 3, 4}) {
		t.Errorf("CrossEpoch: %v, %v", cross, err)
	}
	if tr, err := rd.CrossEntry("across", "traj"); err != nil || tr.Len() != 4 {
		t.Errorf("CrossEntry: %v, %v", tr, err)
	}
	if !a.art.EpochOnDisk("per", 10) || a.art.EpochOnDisk("per", 30) || !a.art.CrossOnDisk("across") || a.art.CrossOnDisk("per") {
		t.Error("EpochOnDisk/CrossOnDisk disagree with the files")
	}
}

func TestReaderErrors(t *testing.T) {
	a := newAnalyzed(t)
	rd := a.reader(t)
	os.Remove(a.art.EpochPath("per", 10)) // recorded, then lost
	tests := []struct {
		name string
		read func() error
		kind error
		says []string
	}{
		{"no analyzer", func() error { _, err := rd.Load("nope"); return err }, ErrNotFound, []string{"v1", "nope", "[across per]"}},
		{"no epoch", func() error { _, err := rd.OpenEpoch("per", 20); return err }, ErrNotFound, []string{"per", "epoch 20", "[0 10]"}},
		{"lost file", func() error { _, err := rd.LoadEpoch("per", 10); return err }, ErrNotFound, []string{"epoch_00010.npz does not exist"}},
		{"no array", func() error { _, err := rd.EpochEntry("per", 0, "z"); return err }, ErrNotFound, []string{"epoch_00000.npz", `"z"`, "[x y]"}},
		{"no cross", func() error { _, err := rd.CrossEpoch("per"); return err }, ErrNotFound, []string{"per has no cross-epoch artifact"}},
		{"no per-epoch", func() error { _, err := rd.Load("across"); return err }, ErrNotFound, []string{"across has no per-epoch artifacts"}},
		{"no summary", func() error { _, err := rd.Summary("across"); return err }, ErrNotFound, []string{"across has no summary", SummaryFile}},
		{"no statistic", func() error { _, _, err := rd.Series("per", "q", nil); return err }, ErrNotFound, []string{`"q"`, "[epochs s]"}},
		{"index too short", func() error { _, _, err := rd.Series("per", "s", nil); return err }, ErrSelection, []string{"series s", "[3]"}},
		{"index out of range", func() error { _, _, err := rd.Series("per", "s", []int{3}); return err }, ErrSelection, []string{"index 3"}},
	}
	for _, tc := range tests {
		err := tc.read()
		if !errors.Is(err, tc.kind) {
			t.Errorf("%s: %v, want an error wrapping %v", tc.name, err, tc.kind)
			continue
		}
		for _, s := range tc.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: %q does not say %q", tc.name, err, s)
			}
		}
	}
}

func TestNoAnalysis(t *testing.T) {
	v := newVariant(t, t.TempDir(), "fam", "v2")
	_, err := For(v).Reader()
	if !errors.Is(err, ErrNotFound) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "v2 has no analysis yet") {
		t.Errorf("no manifest: %v", err)
	}
	if _, err := For(v).ManifestInfo(); !errors.Is(err, ErrNotFound) {
		t.Errorf("ManifestInfo: %v", err)
	}
}

func TestManifestRefused(t *testing.T) {
	for _, tc := range []struct{ name, body, says string }{
		{"malformed", `{"format_version": 1, "analyzers": 3}`, "malformed manifest"},
		{"unknown field", `{"format_version": 1, "extra": 1}`, "malformed manifest"},
		{"newer", `{"format_version": 4}`, "format 4 is newer"},
		{"null record", `{"format_version": 1, "analyzers": {"a": null}}`, "analyzers.a is null"},
	} {
		v := newVariant(t, t.TempDir(), "fam", "v")
		art := For(v)
		os.MkdirAll(art.Dir(), 0o755)
		if err := os.WriteFile(art.ManifestPath(), []byte(tc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := art.Manifest()
		if err == nil || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), art.ManifestPath()) {
			t.Errorf("%s: %v, want an error naming the file and saying %q", tc.name, err, tc.says)
		}
	}
}

func TestStack(t *testing.T) {
	st, err := Stack([]*sdk.Tensor{sdk.FromInt32([]int32{1, 2}, 2), sdk.FromInt32([]int32{3, 4}, 2)})
	if err != nil || !slices.Equal(st.Shape(), []int{2, 2}) || !slices.Equal(st.Int32s(), []int32{1, 2, 3, 4}) {
		t.Errorf("Stack = %v, %v", st, err)
	}
	if _, err := Stack([]*sdk.Tensor{sdk.FromInt32([]int32{1, 2}, 2), sdk.FromInt32([]int32{3}, 1)}); err == nil || !strings.Contains(err.Error(), "item 1") {
		t.Errorf("mismatched shapes: %v", err)
	}
	if _, err := Stack(nil); err == nil {
		t.Error("Stack(nil): no error")
	}
}

func TestSummaryValueRoundTrip(t *testing.T) {
	for _, d := range []sdk.DType{sdk.Float64, sdk.Float32, sdk.Float16, sdk.Int64, sdk.Int32, sdk.Uint8} {
		v := SummaryValue{DType: d, Shape: []int{3}, Values: []float64{0, 1, 2.5}}
		if d == sdk.Int64 || d == sdk.Int32 || d == sdk.Uint8 {
			v.Values[2] = 7
		}
		tn, err := v.Tensor()
		if err != nil || tn.DType() != d || !slices.Equal(tn.AsFloat64(), v.Values) {
			t.Errorf("%s: %v, %v", d, tn, err)
		}
	}
	if _, err := (SummaryValue{DType: sdk.Float32, Shape: []int{2}, Values: []float64{1}}).Tensor(); err == nil {
		t.Error("1 value for shape [2]: no error")
	}
}

// TestManifestFormat1StillReads: a manifest written before format 2 (no
// failures, bytes, sha256 or inputs_key) loads, and its records need only
// their files.
func TestManifestFormat1StillReads(t *testing.T) {
	v := newVariant(t, t.TempDir(), "fam", "v")
	art := For(v)
	os.MkdirAll(filepath.Join(art.Dir(), "a"), 0o755)
	body := `{"format_version": 1, "family": "fam", "variant": "v", "state": "COMPLETE", "updated": "2026-11-27T08:00:00Z",
	  "analyzers": {"a": {"version": "1.0.0", "kind": "per-checkpoint", "settings_key": "k",
	    "epochs": {"10": {"file": "a/epoch_00010.npz", "checkpoint_sha256": "c", "seconds": 0.1,
	      "summary": {"s": {"dtype": "float64", "shape": [], "values": [0.5]}}}}}}}`
	if err := os.WriteFile(art.ManifestPath(), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := art.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	er := m.Analyzers["a"].Epochs[10]
	if m.Format != 1 || m.State != Complete || er.SHA256 != "" || er.Summary["s"].Values[0] != 0.5 {
		t.Errorf("format-1 manifest read as %+v, epoch %+v", m, er)
	}
	if err := os.WriteFile(art.EpochPath("a", 10), []byte("npz bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !art.EpochIntact("a", 10, er, true) {
		t.Error("a format-1 record with its file on disk is not intact")
	}
}
