package serve

import (
	"bytes"
	"encoding/json"
	"image/gif"
	"strings"
	"testing"
)

// TestExportGroupViews checks the views behind the page's grouped panels:
// accuracy, a summary group, a PCA path.
func TestExportGroupViews(t *testing.T) {
	ts := newServer(t)
	v1 := vpath() + "/export?"
	v2 := "/api/variants/" + vname(fixture.second) + "/export?"
	for _, tc := range []struct {
		name, path string
		code       int
		// in the SVG's text, or the error message
		want []string
		// stroke colours expected among the SVG's paths
		strokes []string
		frames  int
	}{
		{"accuracy", v1 + "view=accuracy&format=svg&epoch=10", 200, []string{"test accuracy", "train accuracy (checkpoints)", "epoch 10"}, nil, 0},
		{"accuracy gif", v1 + "view=accuracy&format=gif", 200, nil, nil, 4},
		{"losses group", v2 + "view=progress_measures/summary/train_loss,test_loss,restricted_loss,excluded_loss&format=svg&log=1&epoch=10",
			200, []string{"train_loss", "excluded_loss", "epoch 10"}, nil, 0},
		{"group gif", v2 + "view=progress_measures/summary/gini_W_E,gini_W_L&format=gif", 200, nil, nil, 3},
		{"path", v1 + "view=parameter_trajectory/path/all__projections&format=svg&epoch=20", 200, []string{"PC 1", "PC 2", "epoch 20", "epoch"},
			[]string{"#c8c8c8"}, 0},
		{"path gif", v1 + "view=parameter_trajectory/path/all__projections&format=gif", 200, nil, nil, 4},
		{"group with a vector", v2 + "view=progress_measures/summary/test_loss,key_frequencies&format=png", 400, []string{"key_frequencies"}, nil, 0},
		{"group with a missing series", v2 + "view=progress_measures/summary/test_loss,nope&format=png", 404, []string{"nope"}, nil, 0},
		{"group naming a series twice", v2 + "view=progress_measures/summary/test_loss,test_loss&format=png", 400, []string{"twice"}, nil, 0},
		{"path of a per-epoch analyzer", v1 + "view=neuron_freq_norm/path/norm_matrix&format=png", 404, []string{"cross-epoch"}, nil, 0},
		{"path as a heatmap", v1 + "view=parameter_trajectory/path/all__projections&as=heatmap&format=png", 400, []string{"path or scatter3d"}, nil, 0},
		{"path at an epoch it lacks", v1 + "view=parameter_trajectory/path/all__projections&format=png&epoch=5", 400, []string{"epoch 5"}, nil, 0},
		{"path of a missing array", v1 + "view=parameter_trajectory/path/nope&format=png", 404, []string{"nope"}, nil, 0},
	} {
		code, body := get(t, ts, tc.path)
		if code != tc.code {
			t.Errorf("%s: %d, want %d: %.300s", tc.name, code, tc.code, body)
			continue
		}
		if code != 200 {
			var e map[string]string
			json.Unmarshal(body, &e)
			for _, w := range tc.want {
				if !strings.Contains(e["error"], w) {
					t.Errorf("%s: error %q does not name %q", tc.name, e["error"], w)
				}
			}
			continue
		}
		if tc.frames > 0 {
			g, err := gif.DecodeAll(bytes.NewReader(body))
			if err != nil || len(g.Image) != tc.frames {
				t.Errorf("%s: %v, want a GIF of %d frames", tc.name, err, tc.frames)
			}
			continue
		}
		paths, text := svgPaths(t, body)
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the picture's text lacks %q", tc.name, w)
			}
		}
		for _, c := range tc.strokes {
			if paths[c] == 0 {
				t.Errorf("%s: no path stroked %s (%v)", tc.name, c, paths)
			}
		}
	}
}
