package trajectory

import (
	"context"
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden pins every output of a seeded random-walk trajectory (7
// irregular epochs, the small model's names) so that a change of convention
// (sign, divisor, group membership, ordering) shows up as a diff. Rewrite
// with go test ./plugins/analyzers/parameter_trajectory/trajectory -run TestGolden -args -update after a deliberate change.
func TestGolden(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	epochs := []int{0, 5, 10, 20, 40, 80, 200}
	walk := map[string][]float64{}
	s := stack(rng, epochs, func(name string, e, j int) float64 {
		key := name + "/" + string(rune('a'+j%26)) + string(rune('a'+j/26))
		w := walk[key]
		for len(w) <= e {
			last := 0.0
			if len(w) > 0 {
				last = w[len(w)-1]
			}
			w = append(w, last+rng.NormFloat64()/float64(1+len(w)))
		}
		walk[key] = w
		return w[e]
	})
	out, err := New().AnalyzeAcross(context.Background(), &sdk.Run{Settings: sdk.Params{"n_components": int64(3)}}, map[string]*sdk.Stacked{Input: s})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for name, tns := range out {
		got[name] = map[string]any{"shape": tns.Shape(), "values": tns.AsFloat64()}
	}
	path := filepath.Join("testdata", "golden_random_walk.json")
	if *update {
		raw, _ := json.MarshalIndent(got, "", " ")
		if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]struct {
		Shape  []int
		Values []float64
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) != len(out) {
		t.Errorf("%d arrays, golden has %d", len(out), len(names))
	}
	for _, n := range names {
		g, ok := out[n]
		if !ok {
			t.Errorf("array %s missing", n)
			continue
		}
		w := want[n]
		if sdk.ShapeString(g.Shape()) != sdk.ShapeString(w.Shape) {
			t.Errorf("%s: shape %s, golden %s", n, g.ShapeString(), sdk.ShapeString(w.Shape))
			continue
		}
		for i, v := range g.AsFloat64() {
			if math.Abs(v-w.Values[i]) > 1e-9*math.Max(1, math.Abs(w.Values[i])) {
				t.Errorf("%s[%d] = %v, golden %v", n, i, v, w.Values[i])
				break
			}
		}
	}
}
