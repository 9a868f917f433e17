package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tdw-workbench/tdw/host/sweep"
	"github.com/tdw-workbench/tdw/host/variant"
)

// sweepGrid is the 2x2 grid of tiny variants both executors run: p = 23 and
// 31, seeds 1 and 2, 30 epochs with a checkpoint every 5, one analyzer.
var sweepGrid = []string{"sweep", "modulo_addition_1layer", "--grid", "prime=23,31", "--grid", "seed=1,2",
	"-p", "train_fraction=0.5", "--epochs", "30", "--checkpoints", "0:30:5", "--analyzers", "neuron_freq_norm", "--name", "grid"}

// sweepVariant is the folder name of the grid's variant of prime and seed.
func sweepVariant(prime, seed int) string {
	return fmt.Sprintf("modulo_addition_1layer_p%d_seed%d_dseed598_frac0.5", prime, seed)
}

// TestSweepSlurmAndLocal runs the 2x2 grid through a real single-node Slurm
// and through the local pool. On Slurm, task 1 is requeued mid-training
// (scontrol requeue: SIGTERM, then a restart that resumes) and task 3 fails
// (a file stands where its variant folder goes); status shows it failed,
// and resume, once the file is gone, completes it. Every final checkpoint
// of the Slurm run, the requeued one included, equals the local run's byte
// for byte.
func TestSweepSlurmAndLocal(t *testing.T) {
	bin := hostBinary(t) // first: it skips under -short
	startSlurm(t)
	root := modaddFamilies(t)
	installAnalyzers(t, root)
	host := func(results string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--results", results, "--families-dir", filepath.Join(root, "model_families"),
			"--analyzers-dir", filepath.Join(root, "analyzers")}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tdw-host %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return string(out)
	}
	slurmResults, localResults := filepath.Join(root, "results-slurm"), filepath.Join(root, "results-local")
	t.Cleanup(func() { exec.Command(bin, "--results", slurmResults, "sweep", "cancel", "grid").Run() })

	slurmWall, resumeWall := slurmGrid(t, host, slurmResults)
	began := time.Now()
	out := host(localResults, append(sweepGrid, "--executor", "local", "--jobs", "2")...)
	localWall := time.Since(began)
	if !strings.Contains(out, "4 done, 0 failed, 0 stopped") {
		t.Errorf("local sweep:\n%s", out)
	}
	for _, p := range []int{23, 31} {
		for _, s := range []int{1, 2} {
			name := sweepVariant(p, s)
			a := readFile(t, filepath.Join(slurmResults, "modulo_addition_1layer", name, "checkpoints", variant.CheckpointName(30)))
			b := readFile(t, filepath.Join(localResults, "modulo_addition_1layer", name, "checkpoints", variant.CheckpointName(30)))
			if !bytes.Equal(a, b) {
				t.Errorf("%s: the final checkpoints of the Slurm and local runs differ", name)
			}
		}
	}
	t.Logf("2x2 grid (p 23/31 x seed 1/2, 30 epochs, neuron_freq_norm): Slurm %s from submission to settled (three variants, one of them requeued, and one failing at once), its resume %s; local pool (--jobs 2, all four) %s",
		slurmWall.Round(100*time.Millisecond), resumeWall.Round(100*time.Millisecond), localWall.Round(100*time.Millisecond))
}

// slurmGrid runs the grid on Slurm with task 1 requeued mid-training and
// task 3 failing, checks the status, then resumes the sweep once task 3's
// cause is gone. It returns the wall times of the first pass and the
// resume.
func slurmGrid(t *testing.T, host func(string, ...string) string, results string) (time.Duration, time.Duration) {
	failing := filepath.Join(results, "modulo_addition_1layer", sweepVariant(31, 2))
	if err := os.MkdirAll(filepath.Dir(failing), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(failing, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	out := host(results, append(sweepGrid, "--executor", "slurm", "--parallel", "2", "--cpus-per-task", "1")...)
	m := regexp.MustCompile(`submitted Slurm job (\d+): array 0-3%2 \(4 tasks\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no submission in:\n%s", out)
	}
	job := m[1]
	if !strings.Contains(out, "cannot read #3 "+sweepVariant(31, 2)) {
		t.Errorf("the unreadable variant was not reported:\n%s", out)
	}
	requeueMidTraining(t, filepath.Join(results, "modulo_addition_1layer", sweepVariant(23, 2)), job+"_1")
	rep := waitSweep(t, results, 3*time.Minute)
	wall := time.Since(began)
	for i, want := range []string{sweep.Done, sweep.Done, sweep.Done, sweep.Failed} {
		if rep.Tasks[i].State != want {
			t.Errorf("task %d: %+v, want %s", i, rep.Tasks[i], want)
		}
	}
	status := host(results, "sweep", "status", "grid")
	if !regexp.MustCompile(`(?m)^3 +prime=31 seed=2 +failed +` + job + `_3 FAILED +0 +not started +mkdir .*: not a directory$`).MatchString(status) {
		t.Errorf("status does not show task 3 failed:\n%s", status)
	}
	if !regexp.MustCompile(`(?m)^1 +prime=23 seed=2 +done +` + job + `_1 COMPLETED +1 +complete +-$`).MatchString(status) {
		t.Errorf("status does not show task 1 done after a restart:\n%s", status)
	}
	log, _ := os.ReadFile(filepath.Join(results, ".tdw", "sweeps", "grid", "logs", "1.log"))
	if !strings.Contains(string(log), "resuming "+sweepVariant(23, 2)+" at epoch ") || !strings.Contains(string(log), "restart 1") {
		t.Errorf("task 1 did not resume after its requeue:\n%s", log)
	}

	if err := os.Remove(failing); err != nil {
		t.Fatal(err)
	}
	began = time.Now()
	out = host(results, "sweep", "resume", "grid")
	if !strings.Contains(out, "resuming 1 of 4 variants") || !regexp.MustCompile(`submitted Slurm job \d+: array 3%2 \(1 task\)`).MatchString(out) {
		t.Errorf("resume:\n%s", out)
	}
	if rep = waitSweep(t, results, 2*time.Minute); rep.Counts[sweep.Done] != 4 {
		t.Errorf("after resume: %s", rep.Summary())
	}
	resumeWall := time.Since(began)
	if out := host(results, "sweep", "cancel", "grid"); !strings.Contains(out, "no task of the sweep is queued or running") {
		t.Errorf("cancel of a finished sweep: %s", out)
	}
	return wall, resumeWall
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// requeueMidTraining waits until the variant in dir has saved a checkpoint
// past epoch 0 and is still training, then requeues Slurm array task task.
// Slurm holds a requeued job ~2 minutes (BeginTime); once the requeue has
// landed, its start time is set to now.
func requeueMidTraining(t *testing.T, dir, task string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if m, err := variant.ReadMetadata(filepath.Join(dir, variant.MetadataFile)); err == nil && m.Status == variant.StatusTraining && m.EpochsCompleted > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never got past its first checkpoint", dir)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if out, err := exec.Command("scontrol", "requeue", task).CombinedOutput(); err != nil {
		t.Fatalf("scontrol requeue %s: %v\n%s", task, err, out)
	}
	for deadline = time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		out, _ := exec.Command("squeue", "-h", "-j", task, "-o", "%T %r").Output()
		if strings.TrimSpace(string(out)) == "PENDING BeginTime" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("requeued task %s: squeue says %q", task, out)
		}
	}
	if out, err := exec.Command("scontrol", "update", "JobId="+task, "StartTime=now").CombinedOutput(); err != nil {
		t.Fatalf("scontrol update %s: %v\n%s", task, err, out)
	}
}

// waitSweep polls the sweep's status (asking Slurm) until no task is queued
// or running, and Slurm has ended every job (a task whose variant is done
// may still be completing).
func waitSweep(t *testing.T, results string, limit time.Duration) *sweep.Report {
	t.Helper()
	sw, err := sweep.Load(results, "grid")
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(limit); ; time.Sleep(300 * time.Millisecond) {
		rep, err := sw.Status(context.Background(), nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Counts[sweep.Queued]+rep.Counts[sweep.Running] == 0 && !slurmBusy(rep) {
			return rep
		}
		if time.Now().After(deadline) {
			t.Fatalf("sweep still busy after %s: %s (%v)", limit, rep.Summary(), rep.Problems)
		}
	}
}

// slurmBusy reports a task Slurm still queues or runs.
func slurmBusy(rep *sweep.Report) bool {
	for _, t := range rep.Tasks {
		switch t.Slurm {
		case "PENDING", "RUNNING", "COMPLETING", "CONFIGURING", "REQUEUED":
			return true
		}
	}
	return false
}
