package view

import (
	"encoding/json"
	"math"
	"testing"
)

func TestFloatsRoundTrip(t *testing.T) {
	in := Floats{1, 0.1, math.NaN(), math.Inf(1), -2.5e-7}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "[1,0.1,null,null,-2.5e-07]"; got != want {
		t.Fatalf("marshal: got %s, want %s", got, want)
	}
	var out Floats
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) || out[0] != 1 || out[1] != 0.1 || !math.IsNaN(out[2]) || !math.IsNaN(out[3]) || out[4] != -2.5e-7 {
		t.Fatalf("unmarshal: got %v", out)
	}
}
