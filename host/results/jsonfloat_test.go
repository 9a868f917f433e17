package results

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

// TestSummaryValueNonFiniteRoundTrip: NaN and ±Inf survive manifest.json,
// which stays valid JSON, and finite values are written as before.
func TestSummaryValueNonFiniteRoundTrip(t *testing.T) {
	in := SummaryValue{DType: sdk.Float64, Shape: []int{5}, Values: []float64{1.5, math.NaN(), math.Inf(1), math.Inf(-1), 1e-300}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"dtype":"float64","shape":[5],"values":[1.5,"NaN","Infinity","-Infinity",1e-300]}`; string(b) != want {
		t.Errorf("json %s, want %s", b, want)
	}
	var out SummaryValue
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Values[0] != 1.5 || !math.IsNaN(out.Values[1]) || !math.IsInf(out.Values[2], 1) || !math.IsInf(out.Values[3], -1) || out.Values[4] != 1e-300 {
		t.Errorf("round trip %v", out.Values)
	}
	// The plain struct encoding, as manifests were written before: the same bytes.
	plain, _ := json.Marshal(struct {
		DType  sdk.DType `json:"dtype"`
		Shape  []int     `json:"shape"`
		Values []float64 `json:"values"`
	}{sdk.Float32, []int{2}, []float64{0.25, 3}})
	b2, _ := json.Marshal(SummaryValue{DType: sdk.Float32, Shape: []int{2}, Values: []float64{0.25, 3}})
	if string(plain) != string(b2) {
		t.Errorf("finite encoding changed: %s vs %s", b2, plain)
	}
	if err := json.Unmarshal([]byte(`{"dtype":"float64","shape":[1],"values":["nan"]}`), &out); err == nil || !strings.Contains(err.Error(), `"nan"`) {
		t.Errorf("bad string accepted: %v", err)
	}
}
