package serve

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestProbeParam: ?probe= reads the analyses over another probe of the
// variant, apart from the default's; the variant's info lists its probes;
// a probe it does not hold is 404, a name that is none 400.
func TestProbeParam(t *testing.T) {
	ts := newServer(t)
	vp := vpath()
	code, body := get(t, ts, vp)
	if code != http.StatusOK {
		t.Fatalf("variant: %d %s", code, body)
	}
	var info struct {
		Probes []ProbeDigest `json:"probes"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range info.Probes {
		names = append(names, p.Name)
		if (p.Name == "full_grid") != p.Default || (p.Name == "train" || p.Name == "full_grid") != p.Analyzed {
			t.Errorf("probe %+v", p)
		}
	}
	if strings.Join(names, ",") != "full_grid,residue_classes,test,train" || info.Probes[0].Rows != 17*17 {
		t.Errorf("probes %v (%+v)", names, info.Probes[0])
	}

	var man ManifestSummary
	code, body = get(t, ts, vp+"/manifest?probe=train")
	if code != http.StatusOK || json.Unmarshal(body, &man) != nil {
		t.Fatalf("manifest over train: %d %s", code, body)
	}
	if len(man.Analyzers) != 1 || man.Analyzers[0].Name != "parameter_snapshot" {
		t.Errorf("analyzers over train: %+v", man.Analyzers)
	}
	for _, q := range []string{"", "?probe=full_grid"} {
		code, body = get(t, ts, vp+"/manifest"+q)
		if code != http.StatusOK || json.Unmarshal(body, &man) != nil || len(man.Analyzers) != len(fixtureAnalyzers) {
			t.Errorf("default manifest%s: %d, %d analyzers", q, code, len(man.Analyzers))
		}
	}
	// The arrays over the train split; neuron_activations was skipped there.
	code, body = get(t, ts, vp+"/analyzers/parameter_snapshot/epochs/10/embed.W_E?probe=train&index=0")
	if code != http.StatusOK || !strings.Contains(string(body), `"shape":[18,128]`) {
		t.Errorf("array over train: %d %s", code, body)
	}
	code, body = get(t, ts, vp+"/analyzers/neuron_activations/epochs/10/activations?probe=train&index=0")
	if code != http.StatusNotFound || !strings.Contains(string(body), "no artifacts of analyzer neuron_activations over probe train: not applicable: ") {
		t.Errorf("a skipped analyzer over train: %d %s", code, body)
	}
	code, body = get(t, ts, vp+"/epochs/10?probe=train&select=parameter_snapshot/embed.W_E/0")
	if code != http.StatusOK || !strings.Contains(string(body), `"epoch":10`) {
		t.Errorf("batch over train: %d %s", code, body)
	}
	code, body = get(t, ts, vp+"/export?probe=train&view=parameter_snapshot/embed.W_E&format=svg&epoch=10")
	if code != http.StatusOK || !strings.Contains(string(body), "<svg") {
		t.Errorf("export over train: %d %.200s", code, body)
	}
	// The view spec and list over train: the train probe's views only,
	// never the default probe's in their place.
	code, body = get(t, ts, vp+"/view?probe=train&name=parameter_snapshot/embed.W_E&epoch=10")
	if code != http.StatusOK || !strings.Contains(string(body), `"kind":`) {
		t.Errorf("view over train: %d %.200s", code, body)
	}
	code, body = get(t, ts, vp+"/view?probe=train&name=neuron_activations/activations&epoch=10")
	if code != http.StatusNotFound {
		t.Errorf("view of a skipped analyzer over train: %d %.200s", code, body)
	}
	code, body = get(t, ts, vp+"/views?probe=train")
	if code != http.StatusOK || strings.Contains(string(body), "neuron_activations") || !strings.Contains(string(body), "parameter_snapshot") {
		t.Errorf("views over train: %d %.300s", code, body)
	}
	code, body = get(t, ts, vp+"/view?probe=test&name=loss")
	if code != http.StatusNotFound || !strings.Contains(string(body), "has no analysis over probe test yet") {
		t.Errorf("view over a probe with no analysis: %d %.200s", code, body)
	}
	for _, c := range []struct {
		q    string
		code int
		want string
	}{
		{"?probe=nope", http.StatusNotFound, `has no probe \"nope\"`},
		{"?probe=test", http.StatusNotFound, "has no analysis over probe test yet"},
		{"?probe=..%2Fx", http.StatusBadRequest, "is not a probe name"},
	} {
		code, body = get(t, ts, vp+"/manifest"+c.q)
		if code != c.code || !strings.Contains(string(body), c.want) {
			t.Errorf("manifest%s: %d %s", c.q, code, body)
		}
	}
}
