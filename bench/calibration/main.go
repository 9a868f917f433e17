// Command calibration compares tdw's engine with PyTorch on the calibration
// model (1-layer modular addition, p=113) on this machine, in one invocation:
// (a) the forward over all p² inputs keeping every hook at the last position
// plus hook_pattern at every position, (b) one full-batch AdamW training
// epoch at train fraction 0.3. Each side runs in its own child process (so
// that peak RSS is its own), alternating Go and PyTorch, and reports the
// median of several runs; the ratios Go/PyTorch are printed against the goals
// (a) ≤ 0.25, (b) ≤ 0.5.
//
// On a machine shared with other work, wall times swing widely and PyTorch's
// threads suffer more from contention than the engine's; the CPU-time ratio
// (user+sys per run) and a -threads 1 run are steadier indicators.
//
// -backends lists the engine backends measured (model.BackendByName names),
// each against the same PyTorch runs.
//
// Usage: go run [-tags openblas] ./bench/calibration [-rounds N] [-runs N] [-threads N] [-backends cpu,gorgonia] [-python PATH]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/sdk"
)

// result is one child's report; the PyTorch script prints the same JSON.
type result struct {
	Mode      string    `json:"mode"`
	Runs      []float64 `json:"runs_s"`
	Median    float64   `json:"median_s"`
	MedianCPU float64   `json:"median_cpu_s"` // process CPU time (user+sys) per run
	PeakRSSKB int64     `json:"peak_rss_kb"`
}

func main() {
	mode := flag.String("mode", "", "child mode: go-forward or go-epoch (internal)")
	procs := flag.Int("gomaxprocs", 0, "child GOMAXPROCS (internal)")
	runs := flag.Int("runs", 7, "timed runs per measurement (after one warm-up)")
	rounds := flag.Int("rounds", 2, "rounds of alternating Go / PyTorch measurements")
	python := flag.String("python", defaultPython(), "python3 with torch")
	p := flag.Int("p", 113, "prime")
	threads := flag.Int("threads", 2, "cores each side may use (GOMAXPROCS, torch.set_num_threads)")
	backends := flag.String("backends", "cpu,gorgonia", "engine backends to measure, comma-separated")
	backend := flag.String("backend", "cpu", "child backend (internal)")
	flag.Parse()
	if *procs > 0 {
		runtime.GOMAXPROCS(*procs)
	}
	var err error
	switch *mode {
	case "go-forward", "go-epoch":
		err = child(*mode, *backend, *p, *runs)
	case "":
		err = compare(*python, strings.Split(*backends, ","), *p, *runs, *rounds, *threads)
	default:
		err = fmt.Errorf("unknown -mode %q", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "calibration bench:", err)
		os.Exit(1)
	}
}

// defaultPython prefers Debian's interpreter, where python3-torch lives.
func defaultPython() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

func calibration(p int) sdk.ModelConfig {
	return sdk.ModelConfig{NLayers: 1, DModel: 128, NHeads: 4, DHead: 32, DMLP: 512, DVocab: p + 1, DVocabOut: p,
		NCtx: 3, ActFn: model.ActReLU, Seed: 999}
}

// inputs returns all (a, b, =) rows and labels, in the first k rows of a
// permutation seeded 598 (k = p² for all).
func inputs(p, k int) sdk.Dataset {
	perm := rand.New(rand.NewPCG(598, 0)).Perm(p * p)
	if k == p*p {
		perm = nil
	}
	tok := make([]int64, 0, 3*k)
	lab := make([]int64, 0, k)
	for i := 0; i < k; i++ {
		r := i
		if perm != nil {
			r = perm[i]
		}
		a, b := r/p, r%p
		tok = append(tok, int64(a), int64(b), int64(p))
		lab = append(lab, int64((a+b)%p))
	}
	return sdk.Dataset{Tokens: sdk.FromInt64(tok, k, 3), Labels: sdk.FromInt64(lab, k)}
}

func child(mode, backend string, p, runs int) error {
	m, err := model.New(calibration(p))
	if err != nil {
		return err
	}
	if m.Backend, err = model.BackendByName(backend); err != nil {
		return err
	}
	var fn func() error
	if mode == "go-forward" {
		ds := inputs(p, p*p)
		opts := model.ForwardOptions{
			Hooks:  []model.HookRequest{{Pattern: "*", Positions: model.PosLast}, {Pattern: "blocks.*.attn.hook_pattern", Positions: model.PosAll}},
			Logits: model.PosLast,
		}
		fn = func() error { _, err := m.Forward(ds.Tokens, opts); return err }
	} else {
		ds := inputs(p, p*p*3/10)
		tr, err := model.NewTrainer(m, model.TrainConfig{
			AdamW:  model.AdamW{LR: 1e-3, Beta1: 0.9, Beta2: 0.98, Eps: 1e-8, WeightDecay: 1},
			Frozen: []string{"*.b_*", "blocks.*.attn.b_*", "blocks.*.mlp.b_*"},
		})
		if err != nil {
			return err
		}
		fn = func() error { _, err := tr.Epoch(ds); return err }
	}
	if err := fn(); err != nil { // warm-up
		return err
	}
	res := result{Mode: mode}
	var cpu []float64
	for i := 0; i < runs; i++ {
		runtime.GC()
		c0 := cpuTime()
		t0 := time.Now()
		if err := fn(); err != nil {
			return err
		}
		res.Runs = append(res.Runs, time.Since(t0).Seconds())
		cpu = append(cpu, cpuTime()-c0)
	}
	res.Median, res.MedianCPU = median(res.Runs), median(cpu)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		res.PeakRSSKB = ru.Maxrss
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// cpuTime returns this process's user + system CPU seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// runChild runs one measurement process and decodes its last output line.
func runChild(name string, args ...string) (result, error) {
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("%s %v: %w", name, args, err)
	}
	lines := bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n"))
	var r result
	if err := json.Unmarshal(lines[len(lines)-1], &r); err != nil {
		return result{}, fmt.Errorf("%s %v: bad report %q: %w", name, args, out.String(), err)
	}
	return r, nil
}

func compare(python string, backends []string, p, runs, rounds, threads int) error {
	for _, b := range backends {
		if _, err := model.BackendByName(b); err != nil {
			return fmt.Errorf("-backends: %w", err)
		}
	}
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		return fmt.Errorf("PyTorch is not importable by %s (apt-get install python3-torch): %w", python, err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	script := "bench/torch_calibration.py"
	if _, err := os.Stat(script); err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	fmt.Printf("calibration bench: p=%d, engine backends %s (BLAS %s), GOMAXPROCS %d, torch threads %d, %d runs × %d rounds\n",
		p, strings.Join(backends, ", "), model.BLASName, threads, threads, runs, rounds)
	if l, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("load average at start: %s", l)
	}
	goals := map[string]float64{"forward": 0.25, "epoch": 0.5}
	for _, what := range []string{"forward", "epoch"} {
		for _, be := range backends {
			if err := measure(self, python, script, what, be, goals[what], p, runs, rounds, threads); err != nil {
				return err
			}
		}
	}
	return nil
}

// measure alternates Go (backend be) and PyTorch child processes for one
// workload and prints each round and the median ratio against goal.
func measure(self, python, script, what, be string, goal float64, p, runs, rounds, threads int) error {
	var goT, ptT, goC, ptC []float64
	var goRSS, ptRSS int64
	for r := 0; r < rounds; r++ {
		g, err := runChild(self, "-mode", "go-"+what, "-backend", be, "-p", fmt.Sprint(p), "-runs", fmt.Sprint(runs), "-gomaxprocs", fmt.Sprint(threads))
		if err != nil {
			return err
		}
		t, err := runChild(python, script, "--mode", what, "--p", fmt.Sprint(p), "--runs", fmt.Sprint(runs), "--threads", fmt.Sprint(threads))
		if err != nil {
			return err
		}
		goT, ptT = append(goT, g.Median), append(ptT, t.Median)
		goC, ptC = append(goC, g.MedianCPU), append(ptC, t.MedianCPU)
		goRSS, ptRSS = max(goRSS, g.PeakRSSKB), max(ptRSS, t.PeakRSSKB)
		fmt.Printf("  %-7s %-8s round %d: go %.4fs (runs %s, cpu %.3fs)  torch %.4fs (runs %s, cpu %.3fs)  ratio %.3f\n",
			what, be, r+1, g.Median, spread(g.Runs), g.MedianCPU, t.Median, spread(t.Runs), t.MedianCPU, g.Median/t.Median)
	}
	ratios := make([]float64, len(goT))
	for i := range goT {
		ratios[i] = goT[i] / ptT[i]
	}
	ratio := median(ratios)
	verdict := "MEETS"
	if ratio > goal {
		verdict = "MISSES"
	}
	fmt.Printf("%-7s %-8s go %.4fs  torch %.4fs  ratio %.3f (goal ≤ %.2f: %s)  cpu-time ratio %.3f  peak RSS go %d MB, torch %d MB\n",
		what, be, median(goT), median(ptT), ratio, goal, verdict, median(goC)/median(ptC), goRSS/1024, ptRSS/1024)
	return nil
}

// spread formats min..max of runs.
func spread(x []float64) string {
	return fmt.Sprintf("%.3f..%.3f", slices.Min(x), slices.Max(x))
}
