// Command catalog measures the analyzer catalog on one trained variant, in
// one invocation: the original 13 analyzers (the baseline) and the family's
// whole default set, each over a fresh copy of the variant's checkpoints, with
// the same tdw-host binary. It prints, per analyzer, the median and maximum
// seconds per checkpoint (as the manifest records them: the plugin call and
// the write), each set's wall time and the disk its artifacts take, and the
// ratio of the two wall times against the goal (whole catalog ≤ 2x the 13).
//
// Without -variant it trains the family's quick preset under -results first
// (minutes on two cores), or reuses it when it is there.
//
// Usage: go run ./bench/catalog [-tdw-host bin/tdw-host] [-results DIR] [-variant NAME]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const family = "modulo_addition_1layer"

// baseline13 are the analyzers tdw had before the catalog's second part.
var baseline13 = []string{"dominant_frequencies", "neuron_activations", "neuron_freq_norm", "attention_freq", "attention_patterns",
	"coarseness", "progress_measures", "parameter_snapshot", "effective_dimensionality", "landscape_flatness", "input_trace",
	"neuron_dynamics", "parameter_trajectory"}

func main() {
	bin := flag.String("tdw-host", "bin/tdw-host", "the tdw-host binary (make builds it)")
	results := flag.String("results", "bench/.results", "results folder holding (or to train) the variant")
	name := flag.String("variant", family+"_p113_seed999_dseed598_frac0.5", "a trained variant of "+family)
	flag.Parse()
	src := filepath.Join(*results, family, *name)
	if _, err := os.Stat(filepath.Join(src, "metadata.json")); err != nil {
		fmt.Printf("training %s (quick preset) under %s\n", *name, *results)
		if err := run(*bin, *results, "train", family, "--preset", "quick", "--quiet"); err != nil {
			fail(err)
		}
	}
	base, err := measure(*bin, src, *name, strings.Join(baseline13, ","))
	if err != nil {
		fail(err)
	}
	all, err := measure(*bin, src, *name, "")
	if err != nil {
		fail(err)
	}
	report(base, all)
}

// catalogRun is one analysis of a fresh copy of the variant.
type catalogRun struct {
	label  string
	wall   time.Duration
	bytes  int64
	epochs int
	per    map[string][]float64 // seconds per checkpoint, by analyzer
	cross  map[string]float64   // seconds of a cross-epoch analyzer's one call
}

// measure copies the variant's checkpoints and metadata into a temporary
// results folder and analyzes it there with the analyzers given ("" for
// the family's default set).
func measure(bin, src, name, analyzers string) (*catalogRun, error) {
	tmp, err := os.MkdirTemp("", "tdw-catalog-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dst := filepath.Join(tmp, family, name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return nil, err
	}
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("copy %s: %v %s", src, err, out)
	}
	os.RemoveAll(filepath.Join(dst, "analysis"))
	args := []string{"analyze", name, "--quiet"}
	label := "family default set"
	if analyzers != "" {
		args = append(args, "--analyzers", analyzers)
		label = "the original 13"
	}
	t0 := time.Now()
	if err := run(bin, tmp, args...); err != nil {
		return nil, err
	}
	r := &catalogRun{label: label, wall: time.Since(t0), per: map[string][]float64{}, cross: map[string]float64{}}
	if err := r.read(filepath.Join(dst, "analysis")); err != nil {
		return nil, err
	}
	return r, nil
}

// read takes the per-checkpoint seconds from the manifest and the disk use
// from the folder.
func (r *catalogRun) read(dir string) error {
	var man struct {
		Analyzers map[string]struct {
			Epochs map[string]struct {
				Seconds float64 `json:"seconds"`
			} `json:"epochs"`
			Cross *struct {
				Seconds float64 `json:"seconds"`
			} `json:"cross_epoch"`
		} `json:"analyzers"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &man); err != nil {
		return err
	}
	for name, a := range man.Analyzers {
		for _, e := range a.Epochs {
			r.per[name] = append(r.per[name], e.Seconds)
		}
		r.epochs = max(r.epochs, len(a.Epochs))
		if a.Cross != nil {
			r.cross[name] = a.Cross.Seconds
		}
	}
	return filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			r.bytes += info.Size()
		}
		return err
	})
}

func report(base, all *catalogRun) {
	fmt.Printf("%-28s %14s %10s\n", "analyzer", "median s/ckpt", "max s/ckpt")
	names := make([]string, 0, len(all.per)+len(all.cross))
	for n := range all.per {
		names = append(names, n)
	}
	for n := range all.cross {
		if _, ok := all.per[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if s := all.per[n]; len(s) > 0 {
			sort.Float64s(s)
			flag := ""
			if s[len(s)/2] > 1 && n != "landscape_flatness" {
				flag = "  (over 1 s)"
			}
			fmt.Printf("%-28s %14.3f %10.3f%s\n", n, s[len(s)/2], s[len(s)-1], flag)
		} else {
			fmt.Printf("%-28s %14s %10s  one call %.3f s\n", n, "-", "-", all.cross[n])
		}
	}
	for _, r := range []*catalogRun{base, all} {
		fmt.Printf("%-20s %3d analyzers, %d checkpoints: wall %6.1f s, artifacts %6.1f MB\n", r.label, len(r.per)+countOnly(r), r.epochs,
			r.wall.Seconds(), float64(r.bytes)/1e6)
	}
	fmt.Printf("whole catalog / original 13 wall time: %.2fx (goal <= 2.0)\n", all.wall.Seconds()/base.wall.Seconds())
}

// countOnly counts cross-epoch analyzers (they have no per-epoch records).
func countOnly(r *catalogRun) int {
	n := 0
	for name := range r.cross {
		if _, ok := r.per[name]; !ok {
			n++
		}
	}
	return n
}

func run(bin, results string, args ...string) error {
	cmd := exec.Command(bin, append([]string{"--results", results}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "catalog:", err)
	os.Exit(1)
}
