package view

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
)

type dirManifests map[string]*registry.AnalyzerManifest

func (d dirManifests) Get(n string) (*registry.AnalyzerManifest, error) {
	if m, ok := d[n]; ok {
		return m, nil
	}
	return nil, os.ErrNotExist
}

func TestZZSmoke(t *testing.T) {
	dir := os.Getenv("SMOKE")
	if dir == "" {
		t.Skip()
	}
	ms := dirManifests{}
	files, _ := filepath.Glob("../../analyzers/*/analyzer.json")
	for _, f := range files {
		m, err := registry.LoadAnalyzerUnbuilt(f)
		if err != nil {
			t.Fatal(err)
		}
		ms[m.Name] = m
	}
	v, err := variant.Open(dir, "modulo_addition_1layer", "modulo_addition_1layer_p113_seed999_dseed598_frac0.5")
	if err != nil {
		t.Fatal(err)
	}
	b := NewBuilder(v, ms)
	es, err := b.List()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for _, e := range es {
		t0 := time.Now()
		s, err := NewBuilder(v, ms).Build(Request{Ref: must(Parse(e.Name)), As: e.As, Epoch: -1})
		if err != nil {
			t.Errorf("%s as %s: %v", e.Name, e.As, err)
			continue
		}
		bs, _ := json.Marshal(s)
		if os.Getenv("SMOKEV") != "" {
			t.Logf("%-60s %-14s %-9s %6d bytes %v sel=%v title=%q x=%q y=%q", e.Name, e.As, s.Kind, len(bs), time.Since(t0).Round(time.Millisecond), s.Selectors, s.Title, s.X.Title, s.Y.Title)
		}
		s.Grid = nil
		for i := range s.Series {
			s.Series[i].X, s.Series[i].Y, s.Series[i].Z, s.Series[i].C = nil, nil, nil, nil
		}
		out[e.Name+"|"+e.As] = s
	}
	bs, _ := json.MarshalIndent(out, "", " ")
	os.WriteFile("/tmp/h16/smoke.json", bs, 0o644)
	t.Logf("%d views", len(es))
}

func must(r Ref, err error) Ref {
	if err != nil {
		panic(err)
	}
	return r
}
