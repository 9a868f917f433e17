package serve

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/render"
	"github.com/tdw-workbench/tdw/host/view"
)

// TestViewSpec: the view endpoint answers the builder's spec; bad names,
// styles, epochs and indices are 400s naming what is wrong, what is not
// there a 404.
func TestViewSpec(t *testing.T) {
	ts := newServer(t)
	vp := vpath() + "/view?"
	for _, tc := range []struct {
		name, query string
		code        int
		check       func(*view.Spec) string
		want        string // in the error message
	}{
		{"loss", "name=loss&epoch=10", 200, func(s *view.Spec) string {
			if s.Kind != view.Lines || !s.Y.Log || len(s.Series) != 2 || s.X.Range == nil || s.X.Range[1] != 30 {
				return "want two log-scale lines over epochs 0..30"
			}
			if last := s.Series[0].X[len(s.Series[0].X)-1]; last != 30 {
				return "train loss does not end at the last epoch 30"
			}
			return ""
		}, ""},
		{"accuracy ends where loss ends", "name=accuracy", 200, func(s *view.Spec) string {
			if s.X.Range == nil || s.X.Range[1] != 30 || s.Series[0].X[len(s.Series[0].X)-1] != 30 {
				return "accuracy does not span epochs 0..30"
			}
			return ""
		}, ""},
		{"heatmap", "name=neuron_freq_norm/norm_matrix&epoch=10", 200, func(s *view.Spec) string {
			if s.Kind != view.Heatmap || s.Grid == nil || s.Grid.Rows != 8 || s.Color == nil || *s.Epoch != 10 {
				return "want an 8-row heatmap at epoch 10 with a colour scale"
			}
			return ""
		}, ""},
		{"selector defaults to 0", "name=neuron_activations/activations", 200, func(s *view.Spec) string {
			if len(s.Selectors) != 1 || s.Selectors[0].Value != 0 || !s.Square || s.Grid.Rows != 17 {
				return "want neuron 0's 17 x 17 square grid and one selector"
			}
			return ""
		}, ""},
		{"selector", "name=neuron_activations/activations&index=3", 200, func(s *view.Spec) string {
			if len(s.Selectors) != 1 || s.Selectors[0].Value != 3 {
				return "want selector value 3"
			}
			return ""
		}, ""},
		{"fixed range", "name=neuron_freq_norm/norm_matrix&epoch=0&fixed_range=1", 200, func(s *view.Spec) string {
			if s.Color == nil || *s.Epoch != 0 {
				return "want a colour scale at epoch 0"
			}
			return ""
		}, ""},
		{"colour range", "name=neuron_freq_norm/norm_matrix&epoch=10&color_range=0,2.5", 200, func(s *view.Spec) string {
			if s.Color == nil || s.Color.Min != 0 || s.Color.Max != 2.5 || len(s.Color.Ticks) == 0 || s.Color.Ticks[len(s.Color.Ticks)-1] > 2.5 {
				return "want the colour scale on 0..2.5 with ticks within it"
			}
			return ""
		}, ""},
		{"signed colour range", "name=neuron_freq_norm/norm_matrix&epoch=10&color_range=-1,3", 200, func(s *view.Spec) string {
			if s.Color == nil || s.Color.Map != view.RdBu || s.Color.Min != -3 || s.Color.Max != 3 {
				return "want RdBu on -3..3"
			}
			return ""
		}, ""},
		{"cross array", "name=parameter_trajectory/cross/all__projections&as=path&epoch=20", 200, func(s *view.Spec) string {
			if s.Kind != view.Scatter || len(s.Series) != 2 || s.Series[1].Color != view.EpochColor {
				return "want a path with the epoch's point marked"
			}
			return ""
		}, ""},
		{"bad name", "name=nope", 400, nil, "bad view name"},
		{"escaping name", "name=../x", 400, nil, "bad view name"},
		{"bad style", "name=neuron_freq_norm/norm_matrix&as=pie", 400, nil, "pie"},
		{"style that does not fit", "name=neuron_freq_norm/norm_matrix&as=text", 400, nil, "cannot be drawn as text"},
		{"epoch beyond the run", "name=neuron_freq_norm/norm_matrix&epoch=123456", 400, nil, "beyond the run"},
		{"epoch beyond the run on loss", "name=loss&epoch=123456", 400, nil, "beyond the run"},
		{"negative epoch", "name=loss&epoch=-2", 400, nil, "epoch"},
		{"bad index", "name=neuron_activations/activations&index=x", 400, nil, "index"},
		{"index out of range", "name=neuron_activations/activations&index=9999", 400, nil, "out of range"},
		{"bad fixed_range", "name=loss&fixed_range=yes", 400, nil, "fixed_range"},
		{"colour range of one number", "name=loss&color_range=1", 400, nil, "color_range"},
		{"colour range not a number", "name=loss&color_range=0,x", 400, nil, "not a finite number"},
		{"colour range reversed", "name=loss&color_range=2,1", 400, nil, "LO is above HI"},
		{"missing analyzer", "name=no_analyzer/x", 404, nil, "no_analyzer"},
		{"missing array", "name=neuron_freq_norm/no_array", 404, nil, "no_array"},
		{"epoch not analyzed", "name=neuron_freq_norm/norm_matrix&epoch=5", 404, nil, "epoch 5"},
	} {
		code, body := get(t, ts, vp+tc.query)
		if code != tc.code {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, code, tc.code, body)
			continue
		}
		if code != 200 {
			var e map[string]string
			if err := json.Unmarshal(body, &e); err != nil || !strings.Contains(e["error"], tc.want) {
				t.Errorf("%s: body %s, want an error naming %q", tc.name, body, tc.want)
			}
			continue
		}
		var s view.Spec
		if err := json.Unmarshal(body, &s); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if why := tc.check(&s); why != "" {
			t.Errorf("%s: %s: %s", tc.name, why, body[:min(len(body), 400)])
		}
	}
}

// TestViewList: the views endpoint lists the training curves and each
// analyzer array's views, with the style the view endpoint takes.
func TestViewList(t *testing.T) {
	ts := newServer(t)
	code, body := get(t, ts, vpath()+"/views")
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	var es []view.Entry
	if err := json.Unmarshal(body, &es); err != nil {
		t.Fatal(err)
	}
	if len(es) < 3 || es[0].Name != "loss" || es[1].Name != "accuracy" {
		t.Fatalf("want loss and accuracy first, got %+v", es[:min(len(es), 3)])
	}
	found := false
	for _, e := range es {
		if e.Name == "neuron_activations/activations" {
			found = true
			if len(e.Selectors) != 1 || e.Selectors[0].Size != 512 && e.Selectors[0].Size == 0 || !e.PerEpoch {
				t.Errorf("activations entry %+v: want one selector and per_epoch", e)
			}
		}
		// Every listed view builds.
		code, body := get(t, ts, vpath()+"/view?name="+e.Name+"&as="+e.As)
		if code != 200 {
			t.Errorf("listed view %s as %s: status %d: %s", e.Name, e.As, code, body)
		}
	}
	if !found {
		t.Error("neuron_activations/activations is not listed")
	}
	code, body = get(t, ts, "/api/variants/"+fixture.untrained.Family+"/"+fixture.untrained.Name+"/views")
	if code != 200 || string(body) != "[]\n" && string(body) != "[]" {
		t.Errorf("untrained variant: %d %s, want an empty list", code, body)
	}
}

// TestExportMatchesPanel: an export is drawn from the spec the panel
// draws: the SVG shows the spec's axis titles, colour bar title and colour
// ticks; the HTML file embeds the very spec the view endpoint answers.
func TestExportMatchesPanel(t *testing.T) {
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	fake := render.HTMLScripts{Plotly: []byte("/* a stand-in for Plotly.js */"), ViewPlot: []byte("var tdwView = {draw: function () {}};"), License: []byte("MIT")}
	s, err := New(fixture.results, fixture.families, fixture.analyzers, Options{HTMLScripts: fake})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	for _, q := range []string{
		"name=neuron_freq_norm/norm_matrix&epoch=10",
		"name=neuron_freq_norm/norm_matrix&as=heatmap&epoch=20&fixed_range=1",
		"name=neuron_activations/activations&index=3&epoch=30",
		"name=loss&epoch=20",
	} {
		code, body := get(t, ts, vpath()+"/view?"+q)
		if code != 200 {
			t.Fatalf("%s: %d %s", q, code, body)
		}
		var spec view.Spec
		if err := json.Unmarshal(body, &spec); err != nil {
			t.Fatal(err)
		}
		eq := strings.Replace(q, "name=", "view=", 1)
		code, svg := get(t, ts, vpath()+"/export?format=svg&"+eq)
		if code != 200 {
			t.Fatalf("%s svg: %d %s", q, code, svg)
		}
		_, text := svgPaths(t, svg)
		want := []string{spec.Title, spec.X.Title, spec.Y.Title}
		if spec.Color != nil {
			want = append(want, spec.Color.Title)
			for _, tick := range spec.Color.Ticks {
				want = append(want, view.FormatTick(tick))
			}
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the SVG's text lacks %q", q, w)
			}
		}
		code, page := get(t, ts, vpath()+"/export?format=html&"+eq)
		if code != 200 {
			t.Fatalf("%s html: %d %s", q, code, page)
		}
		const open = `<script type="application/json" id="tdw-spec">`
		i := bytes.Index(page, []byte(open))
		j := bytes.Index(page[max(i, 0):], []byte("</script>"))
		if i < 0 || j < 0 || !bytes.Contains(page, fake.Plotly) || !bytes.Contains(page, fake.ViewPlot) {
			t.Fatalf("%s: the HTML file lacks the scripts or the spec", q)
		}
		var inHTML view.Spec
		if err := json.Unmarshal(page[i+len(open):i+j], &inHTML); err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(spec)
		b, _ := json.Marshal(inHTML)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: the HTML file's spec differs from the view endpoint's", q)
		}
	}
}
