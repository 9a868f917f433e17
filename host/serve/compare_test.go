package serve

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/render"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/host/view"
)

// vname is a variant's FAMILY/VARIANT as v= takes it.
func vname(v *variant.Variant) string { return v.Family + "/" + v.Name }

// summaryValues reads a statistic of a fixture variant's summary.npz as
// the test's reference (the whole file, unlike the server).
func summaryValues(t *testing.T, v *variant.Variant, analyzer, name string) ([]float64, []float64) {
	t.Helper()
	all, err := artifact.ReadNPZ(results.For(v).SummaryPath(analyzer))
	if err != nil {
		t.Fatal(err)
	}
	return all["epochs"].AsFloat64(), all[name].AsFloat64()
}

// sameFloats compares an answer's numbers with the reference at float32
// precision (the answer writes float32 data in its shortest form).
func sameFloats(t *testing.T, what string, got []any, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i, g := range got {
		if g == nil {
			if !math.IsNaN(want[i]) && !math.IsInf(want[i], 0) {
				t.Errorf("%s[%d] null, want %v", what, i, want[i])
			}
			continue
		}
		if float32(g.(float64)) != float32(want[i]) {
			t.Errorf("%s[%d] = %v, want %v", what, i, g, want[i])
		}
	}
}

func TestCompareAPI(t *testing.T) {
	ts := newServer(t)
	if fixture.second == nil {
		t.Fatal("no second fixture variant")
	}
	v1, v2, un := vname(fixture.variant), vname(fixture.second), vname(fixture.untrained)
	both := "v=" + v1 + "," + v2
	md1, _ := fixture.variant.Metadata()
	md2, _ := fixture.second.Metadata()
	tooMany := make([]string, view.MaxCompare+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("modulo_addition_1layer/v%d", i)
	}
	tests := []struct {
		name, path string
		code       int
		want       string // in the error message
		check      func(t *testing.T, v map[string]any)
	}{
		{"curves", "/api/compare?" + both, 200, "", func(t *testing.T, v map[string]any) {
			if js(v["differing"]) != `["seed","train_fraction"]` {
				t.Errorf("differing %s", js(v["differing"]))
			}
			vs := v["variants"].([]any)
			if len(vs) != 2 {
				t.Fatalf("%d variants, want 2", len(vs))
			}
			for i, md := range []*variant.Metadata{md1, md2} {
				cv := vs[i].(map[string]any)
				want := []string{"seed=1 train_fraction=0.5", "seed=2 train_fraction=0.6"}[i]
				if cv["label"] != want || cv["name"] != md.Variant {
					t.Errorf("variant %d: label %v name %v, want %q %s", i, cv["label"], cv["name"], want, md.Variant)
				}
				if int(cv["grokking_epoch"].(float64)) != md.GrokkingEpoch() {
					t.Errorf("variant %d: grokking epoch %v", i, cv["grokking_epoch"])
				}
				if n := len(cv["curve_epochs"].([]any)); n != md.EpochsCompleted {
					t.Errorf("variant %d: %d curve epochs, want %d", i, n, md.EpochsCompleted)
				}
				sameFloats(t, "train_losses", cv["train_losses"].([]any), md.TrainLosses)
				sameFloats(t, "test_accuracies", cv["test_accuracies"].([]any), md.TestAccuracies)
				if js(cv["checkpoint_epochs"]) != js(md.CheckpointEpochs) || len(cv["train_accuracies"].([]any)) != len(md.Checkpoints) {
					t.Errorf("variant %d: checkpoints %s, %d train accuracies", i, js(cv["checkpoint_epochs"]), len(cv["train_accuracies"].([]any)))
				}
			}
			// The catalogue: every statistic of either variant, with who has it.
			in := map[string]string{}
			for _, s := range v["series"].([]any) {
				s := s.(map[string]any)
				in[s["analyzer"].(string)+"/"+s["name"].(string)] = js(s["in"])
			}
			if got, want := in["neuron_freq_norm/specialized_count"], js([]string{v1, v2}); got != want {
				t.Errorf("specialized_count in %s, want %s", got, want)
			}
			if got, want := in["progress_measures/test_loss"], js([]string{v2}); got != want {
				t.Errorf("test_loss in %s, want %s", got, want)
			}
		}},
		{"untrained", "/api/compare?v=" + v1 + "&v=" + un, 200, "", func(t *testing.T, v map[string]any) {
			u := v["variants"].([]any)[1].(map[string]any)
			if u["epochs"].(float64) != 0 || len(u["train_losses"].([]any)) != 0 || u["grokking_epoch"].(float64) != -1 {
				t.Errorf("untrained %v", u)
			}
			if js(v["differing"]) != `["seed"]` {
				t.Errorf("differing %s", js(v["differing"]))
			}
		}},
		{"scalar series", "/api/compare/series?" + both + "&series=neuron_freq_norm/specialized_count", 200, "", func(t *testing.T, v map[string]any) {
			for i, fv := range []*variant.Variant{fixture.variant, fixture.second} {
				sv := v["variants"].([]any)[i].(map[string]any)
				ep, vals := summaryValues(t, fv, "neuron_freq_norm", "specialized_count")
				if sv["status"] != "ok" {
					t.Fatalf("variant %d: %v", i, sv)
				}
				sameFloats(t, "epochs", sv["epochs"].([]any), ep)
				sameFloats(t, "values", sv["values"].([]any), vals)
			}
		}},
		{"component of a vector series", "/api/compare/series?" + both + "&series=neuron_freq_norm/specialized_per_freq&index=3", 200, "", func(t *testing.T, v map[string]any) {
			sv := v["variants"].([]any)[1].(map[string]any)
			_, vals := summaryValues(t, fixture.second, "neuron_freq_norm", "specialized_per_freq")
			var want []float64
			for i := 3; i < len(vals); i += 8 {
				want = append(want, vals[i])
			}
			sameFloats(t, "values", sv["values"].([]any), want)
		}},
		{"not analyzed", "/api/compare/series?v=" + v1 + "," + v2 + "," + un + "&series=progress_measures/test_loss", 200, "", func(t *testing.T, v map[string]any) {
			vs := v["variants"].([]any)
			if len(vs) != 3 {
				t.Fatalf("%d variants, want 3: none is dropped", len(vs))
			}
			for i, want := range []string{"not analyzed", "ok", "not analyzed"} {
				sv := vs[i].(map[string]any)
				if sv["status"] != want {
					t.Errorf("variant %d: status %v, want %s", i, sv["status"], want)
				}
				if want != "ok" && (sv["error"] == "" || len(sv["values"].([]any)) != 0) {
					t.Errorf("variant %d: %v", i, sv)
				}
			}
			_, vals := summaryValues(t, fixture.second, "progress_measures", "test_loss")
			sameFloats(t, "test_loss", vs[1].(map[string]any)["values"].([]any), vals)
		}},
		{"vector without index", "/api/compare/series?" + both + "&series=neuron_freq_norm/specialized_per_freq", 400, "index", nil},
		{"index out of range", "/api/compare/series?" + both + "&series=neuron_freq_norm/specialized_per_freq&index=8", 400, "out of range", nil},
		{"series nowhere", "/api/compare/series?" + both + "&series=neuron_freq_norm/nope", 404, "neuron_freq_norm/nope", nil},
		{"no series", "/api/compare/series?" + both, 400, "series", nil},
		{"bad series", "/api/compare/series?" + both + "&series=..%2Fx", 400, "series", nil},
		{"no variants", "/api/compare", 400, "v=", nil},
		{"empty list", "/api/compare?v=,", 400, "v=", nil},
		{"no family part", "/api/compare?v=" + fixture.variant.Name, 400, "FAMILY/VARIANT", nil},
		{"dotdot", "/api/compare?v=modulo_addition_1layer/..", 400, "..", nil},
		{"escaping", "/api/compare?v=..%2F..%2Fetc", 400, "..", nil},
		{"too deep", "/api/compare?v=modulo_addition_1layer/a/b", 400, "a/b", nil},
		{"twice", "/api/compare?v=" + v1 + "," + v1, 400, "twice", nil},
		{"too many", "/api/compare?v=" + strings.Join(tooMany, ","), 400, "at most 12", nil},
		{"no such family", "/api/compare?v=nofamily/" + fixture.variant.Name, 404, "nofamily", nil},
		{"no such variant", "/api/compare?v=" + v1 + ",modulo_addition_1layer/nope", 404, "nope", nil},
		{"view spec of the losses", "/api/compare/view?" + both + "&view=loss", 200, "", func(t *testing.T, v map[string]any) {
			x, y := v["x"].(map[string]any), v["y"].(map[string]any)
			if v["kind"] != "lines" || x["title"] != "epoch" || y["log"] != true || len(v["series"].([]any)) != 4 {
				t.Errorf("loss spec: kind %v, x %v, y %v, %d series", v["kind"], x["title"], y, len(v["series"].([]any)))
			}
		}},
		{"view spec of a summary series", "/api/compare/view?" + both + "&view=neuron_freq_norm/summary/specialized_count", 200, "", func(t *testing.T, v map[string]any) {
			ss := v["series"].([]any)
			if len(ss) != 2 {
				t.Fatalf("%d series, want one per variant", len(ss))
			}
			for i, fv := range []*variant.Variant{fixture.variant, fixture.second} {
				ep, vals := summaryValues(t, fv, "neuron_freq_norm", "specialized_count")
				sameFloats(t, "epochs", ss[i].(map[string]any)["x"].([]any), ep)
				sameFloats(t, "values", ss[i].(map[string]any)["y"].([]any), vals)
			}
		}},
		{"view spec of an array", "/api/compare/view?" + both + "&view=neuron_freq_norm/norm_matrix", 400, "comparison draws", nil},
		{"export gif", "/api/compare/export?" + both + "&view=loss&format=gif", 400, "png, svg, pdf or html", nil},
		{"export array view", "/api/compare/export?" + both + "&view=neuron_freq_norm/norm_matrix&format=png", 400, "comparison draws", nil},
		{"export missing series", "/api/compare/export?" + both + "&view=neuron_freq_norm/summary/nope&format=png", 404, "nope", nil},
		{"export bad log", "/api/compare/export?" + both + "&view=loss&format=png&log=yes", 400, "log", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(t, ts, tc.path)
			if code != tc.code {
				t.Fatalf("GET %s: %d, want %d: %.300s", tc.path, code, tc.code, body)
			}
			var v map[string]any
			if err := json.Unmarshal(body, &v); err != nil {
				t.Fatalf("GET %s: body is not JSON: %v: %.200s", tc.path, err, body)
			}
			if code >= 400 {
				if msg, _ := v["error"].(string); !strings.Contains(msg, tc.want) {
					t.Errorf("GET %s: error %q, want it to name %q", tc.path, msg, tc.want)
				}
				return
			}
			tc.check(t, v)
		})
	}
}

// svgPaths counts an SVG's <path> elements by stroke colour and collects
// its text.
func svgPaths(t *testing.T, doc []byte) (map[string]int, string) {
	t.Helper()
	paths := map[string]int{}
	var text strings.Builder
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return paths, text.String()
		}
		if err != nil {
			t.Fatalf("SVG does not parse: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "path" {
				for _, a := range tok.Attr {
					// gonum writes style="fill:none;stroke:#1F77B4;..."
					for _, decl := range strings.Split(a.Value, ";") {
						if c, ok := strings.CutPrefix(decl, "stroke:"); ok && a.Name.Local == "style" {
							paths[strings.ToLower(c)]++
						}
					}
					if a.Name.Local == "stroke" {
						paths[strings.ToLower(a.Value)]++
					}
				}
			}
		case xml.CharData:
			text.Write(tok)
			text.WriteByte('\n')
		}
	}
}

// grokText is how a legend states a variant's grokking epoch.
func grokText(v *variant.Variant) string {
	md, err := v.Metadata()
	if err != nil {
		return err.Error()
	}
	if e := md.GrokkingEpoch(); e >= 0 {
		return fmt.Sprintf("grokking epoch %d", e)
	}
	return "no grokking"
}

func hexColour(i int) string { return view.ComparePalette[i] }

// TestCompareExport checks the comparison pictures: each variant's lines in
// its own colour, and the legend naming what differs and the grokking epoch.
func TestCompareExport(t *testing.T) {
	ts := newServer(t)
	v1, v2, un := vname(fixture.variant), vname(fixture.second), vname(fixture.untrained)
	ep := "/api/compare/export?v=" + v1 + "," + v2 + "," + un + "&"
	for _, tc := range []struct {
		query string
		// whether each variant's colour (first, second) strokes a line; the
		// untrained variant draws none.
		drawn  [2]bool
		legend []string
	}{
		{"view=loss&format=svg&epoch=10", [2]bool{true, true}, []string{"seed=1 train_fraction=0.5 · ", "seed=2 train_fraction=0.6 · ", "seed=3 train_fraction=0.5 (not trained)", "epoch 10"}},
		{"view=accuracy&format=svg", [2]bool{true, true}, []string{"train_fraction=0.5 · " + grokText(fixture.variant), "train_fraction=0.6 · " + grokText(fixture.second), "(not trained)"}},
		{"view=neuron_freq_norm/summary/specialized_count&format=svg", [2]bool{true, true}, []string{"seed=3 train_fraction=0.5 (not analyzed)"}},
		{"view=progress_measures/summary/test_loss&format=svg&log=1", [2]bool{false, true}, []string{"seed=1 train_fraction=0.5 (not analyzed)", "seed=2 train_fraction=0.6 · ", "log scale"}},
		{"view=neuron_freq_norm/summary/specialized_per_freq&index=2&format=svg", [2]bool{true, true}, []string{"index 2"}},
	} {
		code, body := get(t, ts, ep+tc.query)
		if code != 200 {
			t.Errorf("%s: %d %s", tc.query, code, body)
			continue
		}
		paths, text := svgPaths(t, body)
		for i, want := range tc.drawn {
			if got := paths[hexColour(i)] > 0; got != want {
				t.Errorf("%s: variant %d's colour %s strokes %d paths, want drawn=%v", tc.query, i, hexColour(i), paths[hexColour(i)], want)
			}
		}
		for _, want := range tc.legend {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the picture's text lacks %q:\n%s", tc.query, want, text)
			}
		}
	}
	for _, f := range []string{"png", "pdf"} {
		code, body := get(t, ts, ep+"view=loss&format="+f)
		if code != 200 {
			t.Fatalf("loss %s: %d %s", f, code, body)
		}
		if f == "png" {
			img, err := png.Decode(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != 8*render.DPI || b.Dy() != 5*render.DPI {
				t.Errorf("PNG is %v, want 8 × 5 in at %d dpi", b, render.DPI)
			}
		} else if !bytes.HasPrefix(body, []byte("%PDF-")) {
			t.Errorf("pdf export starts %q", body[:min(len(body), 16)])
		}
	}
	code, body := get(t, ts, ep+"view=loss&format=gif")
	if code != 400 || !strings.Contains(string(body), "png, svg, pdf or html") {
		t.Errorf("comparison gif: %d %s, want a 400 naming the formats", code, body)
	}
}

func TestThin(t *testing.T) {
	for _, n := range []int{0, 1, 5, MaxCurvePoints, MaxCurvePoints + 1, 25000} {
		keep := thin(n)
		if n == 0 {
			if len(keep) != 0 {
				t.Errorf("thin(0) = %v", keep)
			}
			continue
		}
		if keep[0] != 0 || keep[len(keep)-1] != n-1 || len(keep) > MaxCurvePoints+1 {
			t.Errorf("thin(%d): %d points from %d to %d", n, len(keep), keep[0], keep[len(keep)-1])
		}
		if n <= MaxCurvePoints && len(keep) != n {
			t.Errorf("thin(%d) keeps %d, want all", n, len(keep))
		}
		for i := 1; i < len(keep); i++ {
			if keep[i] <= keep[i-1] {
				t.Fatalf("thin(%d) not increasing at %d", n, i)
			}
		}
	}
}

// BenchmarkCompare times GET /api/compare and a loss overlay's PNG export
// over variants of a 25,000-epoch run (the reference project's length),
// synthetic metadata.json files copied from the fixture's with longer
// curves, and reports the answer's size.
func BenchmarkCompare(b *testing.B) {
	if fixture.err != nil {
		b.Fatal(fixture.err)
	}
	fam, err := fixture.families.Get(fixture.variant.Family)
	if err != nil {
		b.Fatal(err)
	}
	md, err := fixture.variant.Metadata()
	if err != nil {
		b.Fatal(err)
	}
	const epochs = 25000
	results := b.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	var names []string
	for i := range view.MaxCompare {
		m := *md
		m.Params = maps.Clone(md.Params)
		m.Params["seed"] = 100 + i
		if m.Variant, err = fam.VariantPattern.Name(m.Params); err != nil {
			b.Fatal(err)
		}
		m.Status, m.NumEpochs, m.EpochsCompleted, m.ResumeEpoch = variant.StatusCreated, epochs, epochs, -1
		m.Checkpoints, m.CheckpointEpochs = nil, nil
		m.TrainLosses, m.TestLosses, m.TestAccuracies = make([]float64, epochs), make([]float64, epochs), make([]float64, epochs)
		for e := range epochs {
			m.TrainLosses[e] = 4.7 * math.Exp(-float64(e)/300) * (1 + 0.01*rng.Float64())
			m.TestLosses[e] = 30 / (1 + math.Exp((float64(e)-8000)/300))
			m.TestAccuracies[e] = 1 / (1 + math.Exp(-(float64(e)-8000)/300))
		}
		dir := filepath.Join(results, fam.Name, m.Variant)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := variant.WriteMetadata(filepath.Join(dir, variant.MetadataFile), &m); err != nil {
			b.Fatal(err)
		}
		names = append(names, fam.Name+"/"+m.Variant)
	}
	s, err := New(results, fixture.families, fixture.analyzers, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	for _, n := range []int{2, view.MaxCompare} {
		q := "v=" + strings.Join(names[:n], ",")
		for _, path := range []string{"/api/compare?" + q, "/api/compare/export?" + q + "&view=loss&format=png"} {
			what := "curves"
			if strings.Contains(path, "export") {
				what = "loss.png"
			}
			b.Run(fmt.Sprintf("variants=%d/%s", n, what), func(b *testing.B) {
				var size int
				for b.Loop() {
					resp, err := http.Get(ts.URL + path)
					if err != nil {
						b.Fatal(err)
					}
					body, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != 200 {
						b.Fatalf("%s: %d %v %.200s", path, resp.StatusCode, err, body)
					}
					size = len(body)
				}
				b.ReportMetric(float64(size), "bytes")
			})
		}
	}
}
