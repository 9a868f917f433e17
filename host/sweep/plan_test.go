package sweep

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// tinyRequest is a p=17 sweep over seed, 20 epochs with checkpoints every
// 10, analyzed by neuron_freq_norm.
func tinyRequest(results string, seeds ...string) Request {
	return Request{Name: "tiny", Family: "modulo_addition_1layer", Grid: []Axis{{Param: "seed", Values: seeds}},
		Fixed: map[string]string{"prime": "17", "train_fraction": "0.5"}, Epochs: 20, Checkpoints: "0:20:10",
		Analyzers: []string{"neuron_freq_norm"}, Executor: ExecutorLocal, Local: &LocalOptions{Jobs: 1},
		Paths: Paths{TDWHost: "/opt/tdw-host", Results: results, Families: "/f", Analyzers: "/a"}}
}

func TestPlanRefusesBadInput(t *testing.T) {
	env := testEnv(t)
	for _, c := range []struct {
		edit func(*Request)
		msg  string
	}{
		{func(r *Request) { r.Grid[0].Param = "modulus" }, `--grid modulus: family modulo_addition_1layer has no parameter "modulus"`},
		{func(r *Request) { r.Grid = append(r.Grid, Axis{Param: "seed", Values: []string{"3"}}) }, "--grid seed given twice"},
		{func(r *Request) { r.Grid = append(r.Grid, Axis{Param: "prime", Values: []string{"23"}}) }, "--grid prime: also given as -p prime"},
		{func(r *Request) { r.Grid = nil }, "no --grid given"},
		{func(r *Request) { r.Grid[0].Values = []string{"1", "x", "-2"} }, "2 of 3 grid points are refused: seed=-2: "},
		{func(r *Request) { r.Epochs = -5 }, "--epochs: -5: want a positive number"},
		{func(r *Request) { r.Checkpoints = "0:x" }, "--checkpoints: "},
		{func(r *Request) { r.Preset = "huge" }, `no preset "huge"`},
		{func(r *Request) { r.Analyzers = []string{"ghost"} }, `--analyzers: analyzer "ghost"`},
		{func(r *Request) { r.Settings = map[string]map[string]string{"neuron_freq_norm": {"nope": "1"}} }, "--set: analyzer neuron_freq_norm: "},
		{func(r *Request) { r.Settings = map[string]map[string]string{"coarseness": {"x": "1"}} }, `--set: analyzer "coarseness" is not in this sweep`},
		{func(r *Request) { r.Name = "../x" }, `sweep name "../x"`},
		{func(r *Request) { r.Executor = "pbs" }, `--executor "pbs"`},
	} {
		req := tinyRequest(env.Results, "1", "2")
		c.edit(&req)
		_, err := NewPlan(context.Background(), env, req, time.Now())
		var re *RequestError
		if err == nil || !strings.Contains(err.Error(), c.msg) || !errors.As(err, &re) {
			t.Errorf("want a request error with %q, got %v", c.msg, err)
		}
	}
	// The family plugin's own rule: 21 is not prime.
	req := tinyRequest(env.Results, "1")
	req.Grid = append(req.Grid, Axis{Param: "prime", Values: []string{"17", "21"}})
	delete(req.Fixed, "prime")
	_, err := NewPlan(context.Background(), env, req, time.Now())
	if err == nil || !strings.Contains(err.Error(), "refuses 1 of 2 variants: seed=1 prime=21: ") || !strings.Contains(err.Error(), "not prime") {
		t.Errorf("plugin refusal: %v", err)
	}
	if entries, _ := os.ReadDir(env.Results); len(entries) != 0 {
		t.Errorf("a refused plan wrote %d entries", len(entries))
	}
}

// TestPlanRunTaskComplete: duplicates are dropped; a task trains and
// analyzes its variant and records it done; a new plan then finds it
// complete; a task stopped by its context is recorded stopped.
func TestPlanRunTaskComplete(t *testing.T) {
	env := testEnv(t)
	req := tinyRequest(env.Results, "1", "2", "01")
	p, err := NewPlan(context.Background(), env, req, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sw := p.Sweep
	if len(sw.Variants) != 2 || len(sw.Dropped) != 1 || sw.Dropped[0].Reason != "same variant as #0 (seed=1)" ||
		!reflect.DeepEqual(p.Found, []string{"", ""}) {
		t.Fatalf("plan: %+v, dropped %+v, found %q", sw.Variants, sw.Dropped, p.Found)
	}
	want := map[string]string{"prime": "17", "seed": "2", "data_seed": "598", "train_fraction": "0.5"}
	if v := sw.Variants[1]; v.Name != "modulo_addition_1layer_p17_seed2_dseed598_frac0.5" || !reflect.DeepEqual(v.Params, want) {
		t.Errorf("variant 1: %+v", v)
	}
	if err := sw.Save(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	if err := RunTask(context.Background(), env, sw, 0, TaskOptions{Out: &log}); err != nil {
		t.Fatalf("task: %v\n%s", err, log.String())
	}
	rec, err := sw.Record(0)
	if err != nil || rec.State != Done || rec.Variant != sw.Variants[0].Name || rec.Ended.IsZero() {
		t.Errorf("record %+v %v", rec, err)
	}
	for _, w := range []string{"== sweep tiny task 0: ", "training ", "trained ", "analyzing ", "1 analyzers: 3 artifacts computed", "== task 0 done"} {
		if !strings.Contains(log.String(), w) {
			t.Errorf("task output lacks %q:\n%s", w, log.String())
		}
	}
	ms, err := sw.AnalyzerManifests(env.Families, env.Analyzers)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := VariantProgress(env.Results, sw.Family, sw.Variants[0].Name, ms)
	if err != nil || !pr.Complete || pr.String() != "complete" {
		t.Errorf("progress %+v %v", pr, err)
	}
	// Run again: nothing to train, nothing to compute.
	log.Reset()
	if err := RunTask(context.Background(), env, sw, 0, TaskOptions{Out: &log}); err != nil || !strings.Contains(log.String(), "is ANALYZED: not training") {
		t.Errorf("second run: %v\n%s", err, log.String())
	}

	req.Name = "again"
	p2, err := NewPlan(context.Background(), env, req, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !p2.Sweep.Variants[0].CompleteAtStart || p2.Sweep.Variants[1].CompleteAtStart || p2.Found[0] != "complete" {
		t.Errorf("second plan: %+v, found %q", p2.Sweep.Variants, p2.Found)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = RunTask(ctx, env, sw, 1, TaskOptions{})
	rec, _ = sw.Record(1)
	if err == nil || rec == nil || rec.State != Stopped || !strings.HasPrefix(rec.Error, "interrupted: ") {
		t.Errorf("cancelled task: %v, record %+v", err, rec)
	}
	if err := RunTask(context.Background(), env, sw, 5, TaskOptions{}); err == nil || !strings.Contains(err.Error(), "no variant 5") {
		t.Errorf("index out of range: %v", err)
	}
	// A variant folder that cannot be read is reported, not refused.
	os.MkdirAll(filepath.Join(env.Results, sw.Family), 0o755)
	os.WriteFile(filepath.Join(env.Results, sw.Family, "modulo_addition_1layer_p17_seed3_dseed598_frac0.5"), nil, 0o644)
	req.Name, req.Grid[0].Values = "third", []string{"3"}
	p3, err := NewPlan(context.Background(), env, req, time.Now())
	if err != nil || len(p3.Unreadable) != 1 || p3.Found[0] != "unreadable" {
		t.Errorf("unreadable variant: %v %+v", err, p3)
	}
}
