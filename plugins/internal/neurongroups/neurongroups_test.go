package neurongroups

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func TestLoad(t *testing.T) {
	vec := func(e, n int) []float64 { return []float64{float64(100*e + n), float64(-n)} }
	in := Fixture([]int{0, 10, 20}, 4, []int{2, 2, 0, 3, 1, 1, 1}, 2, vec, vec)
	d, err := Load("x", in, 2)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(d.Epochs) != "[0 10 20]" || d.N != 7 || d.DModel != 2 || d.NFreq != 4 {
		t.Errorf("data %+v", d)
	}
	if g := fmt.Sprint(d.Groups); g != "[{1 [4 5 6]} {2 [0 1]}]" {
		t.Errorf("groups %s", g)
	}
	if g := fmt.Sprint(d.Index); g != "[1 1 -1 -1 0 0 0]" {
		t.Errorf("index %s", g)
	}
	if g := fmt.Sprint(d.In(2)[:4]); g != "[200 0 201 -1]" {
		t.Errorf("In(2) starts %s", g)
	}
	if g := fmt.Sprint(d.Out(1)[2:4]); g != "[101 -1]" {
		t.Errorf("Out(1) row 1 %s", g)
	}
}

func TestLoadCommonEpochs(t *testing.T) {
	vec := func(e, n int) []float64 { return []float64{float64(e), float64(n)} }
	a := Fixture([]int{0, 10, 20, 30}, 3, []int{1, 1}, 2, vec, vec)
	b := Fixture([]int{10, 30}, 3, []int{2, 2}, 2, vec, vec)
	in := map[string]*sdk.Stacked{FreqSource: b[FreqSource], WeightSource: a[WeightSource]}
	d, err := Load("x", in, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Common epochs 10 and 30; the snapshot rows are 1 and 3.
	if fmt.Sprint(d.Epochs) != "[10 30]" || fmt.Sprint(d.In(1)) != "[3 0 3 1]" || d.Groups[0].Freq != 2 {
		t.Errorf("epochs %v, In(1) %v, groups %v", d.Epochs, d.In(1), d.Groups)
	}
	in[FreqSource] = Fixture([]int{5}, 3, []int{2, 2}, 2, vec, vec)[FreqSource]
	if _, err := Load("x", in, 2); err == nil || !strings.Contains(err.Error(), "no epoch in common") {
		t.Errorf("disjoint epochs: %v", err)
	}
	delete(in, FreqSource)
	if _, err := Load("x", in, 2); err == nil || !strings.Contains(err.Error(), "are both needed") {
		t.Errorf("missing source: %v", err)
	}
}
