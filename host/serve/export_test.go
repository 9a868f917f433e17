package serve

import (
	"bytes"
	"encoding/json"
	"image/gif"
	"image/png"
	"net/http"
	"strings"
	"testing"
)

func TestExport(t *testing.T) {
	ts := newServer(t)
	ep := vpath() + "/export?"
	for _, tc := range []struct {
		name, query string
		code        int
		ctype       string
		want        string // in the body: the error message, or a check of the picture
	}{
		{"loss png", "view=loss&format=png", 200, "image/png", ""},
		{"heatmap svg", "view=neuron_freq_norm/norm_matrix&format=svg&epoch=10", 200, "image/svg+xml", "<svg"},
		{"3-d array indexed", "view=neuron_activations/activations&format=png&index=3", 200, "image/png", ""},
		{"summary gif", "view=neuron_freq_norm/summary/specialized_count&format=gif", 200, "image/gif", ""},
		{"cross array", "view=parameter_trajectory/cross/all__projections&format=png", 200, "image/png", ""},
		{"bad format", "view=loss&format=jpeg", 400, "", "jpeg"},
		{"no format", "view=loss", 400, "", "format"},
		{"bad view", "view=nope&format=png", 400, "", "bad view name"},
		{"escaping view", "view=../x&format=png", 400, "", "bad view name"},
		{"bad epoch", "view=loss&format=png&epoch=-2", 400, "", "epoch"},
		{"bad index", "view=loss&format=png&index=a", 400, "", "index"},
		{"3-d array, first neuron", "view=neuron_activations/activations&format=png", 200, "image/png", ""},
		{"3-d array, index out of range", "view=neuron_activations/activations&format=png&index=9999", 400, "", "out of range"},
		{"epoch beyond the run", "view=neuron_freq_norm/norm_matrix&format=png&epoch=123456", 400, "", "beyond the run"},
		{"loss epoch beyond the run", "view=loss&format=svg&epoch=123456", 400, "", "beyond the run"},
		{"pdf", "view=neuron_freq_norm/norm_matrix&format=pdf&epoch=10", 200, "application/pdf", "%PDF-"},
		{"html, the embedded Plotly inlined", "view=loss&format=html", 200, "text/html; charset=utf-8", "plotly.js (strict - minified) v3.7.0"},
		{"bad style", "view=neuron_freq_norm/norm_matrix&format=png&as=pie", 400, "", "pie"},
		{"gif of a cross array", "view=parameter_trajectory/cross/all__projections&format=gif", 400, "", "does not change"},
		{"gif with a colour range", "view=neuron_freq_norm/norm_matrix&format=gif&color_range=0,1", 400, "", "color_range= with format=gif"},
		{"png on a colour range", "view=neuron_freq_norm/norm_matrix&format=png&epoch=10&color_range=0,2", 200, "image/png", ""},
		{"missing analyzer", "view=no_analyzer/x&format=png", 404, "", "no_analyzer"},
		{"missing array", "view=neuron_freq_norm/no_array&format=svg", 404, "", "no_array"},
		{"missing epoch", "view=neuron_freq_norm/norm_matrix&format=png&epoch=5", 404, "", "epoch 5"},
	} {
		code, body := get(t, ts, ep+tc.query)
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
		switch tc.ctype {
		case "image/png":
			if _, err := png.Decode(bytes.NewReader(body)); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
		case "image/gif":
			g, err := gif.DecodeAll(bytes.NewReader(body))
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if len(g.Image) != 4 {
				t.Errorf("%s: %d frames, want 4 (epochs 0, 10, 20, 30)", tc.name, len(g.Image))
			}
		default:
			if !bytes.Contains(body, []byte(tc.want)) {
				t.Errorf("%s: body lacks %q", tc.name, tc.want)
			}
		}
	}

	// The answer is a download of the declared type.
	resp, err := http.Get(ts.URL + ep + "view=neuron_freq_norm/norm_matrix&format=svg&epoch=10")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := `attachment; filename="` + fixture.variant.Name + `_neuron_freq_norm-norm_matrix_e10.svg"`
	if got := resp.Header.Get("Content-Disposition"); got != want {
		t.Errorf("Content-Disposition %q, want %q", got, want)
	}
	if got := resp.Header.Get("Content-Type"); got != "image/svg+xml" {
		t.Errorf("Content-Type %q", got)
	}
}
