package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
)

// goodAnalyzers run beside each faulty plugin of the fault matrix.
var goodAnalyzers = []string{"input_trace", "neuron_freq_norm"}

// cloneVariant copies v's results tree (checkpoints, metadata, analysis) to
// a new folder and opens the copy there.
func cloneVariant(t *testing.T, v *variant.Variant) *variant.Variant {
	t.Helper()
	results := filepath.Dir(filepath.Dir(v.Dir()))
	dst := t.TempDir()
	if out, err := exec.Command("cp", "-a", results+"/.", dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	c, err := variant.Open(dst, v.Family, v.Name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// analyzerFiles returns every file under the named analyzers' folders of
// v's analysis, by path relative to it.
func analyzerFiles(t *testing.T, v *variant.Variant, names ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, n := range names {
		root := filepath.Join(v.ArtifactsDir(), n)
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(v.ArtifactsDir(), p)
			out[rel] = b
			return nil
		})
	}
	return out
}

const summaryDecl = `"summary": [{"name": "s", "dtype": "float64", "shape": "(k)", "description": "a statistic of free length"}],`

// TestFaultMatrix runs each misbehaving plugin beside well-behaved
// analyzers on a copy of one variant: the fault is that analyzer's recorded
// failure, named in one line with what was declared and what came; the
// others' artifacts are complete and byte-identical to a clean run; the
// manifest is valid JSON and says COMPLETE_WITH_ERRORS with the failures
// counted; nothing of a refused result is written; and a rerun without the
// faulty plugin completes without recomputing anything.
func TestFaultMatrix(t *testing.T) {
	base := trainedVariant(t)
	clean := cloneVariant(t, base)
	if _, err := newRun(clean, Config{}, manifests(t, goodAnalyzers...)...).Execute(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := analyzerFiles(t, clean, goodAnalyzers...)
	if len(want) != 2*5 { // 4 epochs and a summary each
		t.Fatalf("clean run wrote %d files", len(want))
	}
	cases := []struct {
		mode, extra string
		msg         string // in the fault analyzer's recorded error
		refused     []int  // epochs with no artifact of the faulty analyzer
	}{
		{"wrong_rank", "", `array "row_sum" as float32(289, 1) (1156 bytes), analyzer.json declares float32 (batch,) = (289)`, []int{0, 10, 20, 30}},
		{"wrong_size", "", `array "row_sum" as float32(290,) (1160 bytes), analyzer.json declares float32 (batch,) = (289)`, []int{0, 10, 20, 30}},
		{"wrong_dtype", "", `array "row_sum" as float64, analyzer.json declares float32`, []int{0, 10, 20, 30}},
		{"huge_array", `"max_bytes": 100000,`, `float32[1048576] of 4194304 bytes takes the reply to 4194304 bytes, past its limit of 165536`, []int{0, 10, 20, 30}},
		{"huge_summary", summaryDecl, `summary statistics of 800000 bytes in all, past the analyzer's ceiling of 65536 bytes`, []int{0, 10, 20, 30}},
		{"shape_summary", summaryDecl, `summary statistic "s" has shape (2,), but (1,) at epoch 0`, []int{10, 20, 30}},
		{"hang_begin", `"timeout": 2,`, `did not answer Begin within 2s`, []int{0, 10, 20, 30}},
		{"exit", "", `crashed during Analyze`, []int{0, 10, 20, 30}},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			v := cloneVariant(t, base)
			fault := faultManifest(t, c.mode, c.extra)
			_, err := newRun(v, Config{}, append(manifests(t, goodAnalyzers...), fault)...).Execute(context.Background())
			if !errors.Is(err, ErrFailures) || !strings.Contains(err.Error(), c.mode) {
				t.Fatalf("Execute: %v, want ErrFailures naming %s", err, c.mode)
			}
			got := analyzerFiles(t, v, goodAnalyzers...)
			for name, b := range want {
				if !bytes.Equal(got[name], b) {
					t.Errorf("%s differs from the clean run's (or is missing)", name)
				}
			}
			raw, err := os.ReadFile(filepath.Join(v.ArtifactsDir(), "manifest.json"))
			if err != nil || !json.Valid(raw) {
				t.Fatalf("manifest.json is not valid JSON: %v", err)
			}
			man, err := results.For(v).Manifest()
			if err != nil {
				t.Fatal(err)
			}
			if man.State != results.CompleteWithErrors || man.Failures < len(c.refused) {
				t.Errorf("manifest state %s with %d failures, want %s with at least %d", man.State, man.Failures, results.CompleteWithErrors, len(c.refused))
			}
			rec := man.Analyzers[c.mode]
			found := false
			for _, e := range rec.Errors {
				found = found || strings.Contains(e, c.msg)
				if strings.Contains(e, "\n") {
					t.Errorf("error is not one line: %q", e)
				}
			}
			if !found {
				t.Errorf("recorded errors %v, want one containing %q", rec.Errors, c.msg)
			}
			for _, e := range c.refused {
				if _, err := os.Stat(filepath.Join(v.ArtifactsDir(), c.mode, results.EpochFile(e))); err == nil {
					t.Errorf("epoch %d of the refused result was written", e)
				}
			}
			rep, err := newRun(v, Config{}, manifests(t, goodAnalyzers...)...).Execute(context.Background())
			if err != nil {
				t.Fatalf("rerun without %s: %v", c.mode, err)
			}
			for _, n := range goodAnalyzers {
				if rep.Analyzers[n].Computed != 0 {
					t.Errorf("rerun recomputed %d epochs of %s", rep.Analyzers[n].Computed, n)
				}
			}
			if man, _ := results.For(v).Manifest(); man.State != results.Complete || man.Failures != 0 {
				t.Errorf("rerun: state %s, %d failures", man.State, man.Failures)
			}
		})
	}
}

// TestNaNSummaryIsStored: a NaN or Inf statistic is stored in summary.npz
// and manifest.json stays valid JSON: not a failure, and no other analyzer
// is touched.
func TestNaNSummaryIsStored(t *testing.T) {
	v := trainedVariant(t)
	_, err := newRun(v, Config{}, append(manifests(t, "input_trace"), faultManifest(t, "nan_summary", summaryDecl))...).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(v.ArtifactsDir(), "manifest.json"))
	if !json.Valid(raw) || !bytes.Contains(raw, []byte(`"NaN"`)) {
		t.Fatal("manifest.json is not valid JSON with the NaN as a string")
	}
	arrays, err := artifact.ReadNPZ(filepath.Join(v.ArtifactsDir(), "nan_summary", "summary.npz"))
	if err != nil {
		t.Fatal(err)
	}
	s := arrays["s"].Float64s()
	if len(s) != 12 || !math.IsNaN(s[0]) || !math.IsInf(s[1], 1) || s[2] != 1 {
		t.Errorf("summary s = %v", s)
	}
	if man, _ := results.For(v).Manifest(); man.State != results.Complete {
		t.Errorf("state %s", man.State)
	}
}

// TestCorruptArtifactIsRecomputed: an epoch file truncated, or overwritten
// with garbage of the same size, after the manifest recorded it is found
// and recomputed, to the same bytes.
func TestCorruptArtifactIsRecomputed(t *testing.T) {
	v := trainedVariant(t)
	ms := manifests(t, "neuron_freq_norm")
	if _, err := newRun(v, Config{}, ms...).Execute(context.Background()); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(v.ArtifactsDir(), "neuron_freq_norm", results.EpochFile(10))
	good, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{"truncated": good[:len(good)/2], "garbage": bytes.Repeat([]byte{0x5a}, len(good))} {
		if err := os.WriteFile(p, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if sts, _ := Status(v, ms); name == "truncated" && len(sts[0].Done) != 3 {
			t.Errorf("%s: status done %v, want the truncated epoch not done", name, sts[0].Done)
		}
		rep, err := newRun(v, Config{}, ms...).Execute(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Analyzers["neuron_freq_norm"].Computed; got != 1 {
			t.Errorf("%s: recomputed %d epochs, want 1", name, got)
		}
		if b, _ := os.ReadFile(p); !bytes.Equal(b, good) {
			t.Errorf("%s: recomputed file differs", name)
		}
	}
}
