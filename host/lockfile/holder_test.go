package lockfile

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHolderRecordsHostAndSlurmJob(t *testing.T) {
	t.Setenv("SLURM_ARRAY_JOB_ID", "41")
	t.Setenv("SLURM_ARRAY_TASK_ID", "3")
	t.Setenv("SLURM_JOB_ID", "44")
	path := filepath.Join(t.TempDir(), ".lock")
	l, err := Acquire(path, "tdw-host train")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	h, err := Probe(path)
	if err != nil || h == nil {
		t.Fatalf("Probe of a held lock: %v, %v", h, err)
	}
	if host, _ := os.Hostname(); h.Host != host || h.SlurmJob != "41_3" || h.PID != os.Getpid() {
		t.Errorf("holder %+v", h)
	}
	_, err = Acquire(path, "second")
	if !errors.Is(err, ErrHeld) || !strings.Contains(err.Error(), "Slurm job 41_3") || strings.Contains(err.Error(), "another host") {
		t.Errorf("refusal %q", err)
	}
}

// TestHolderOnAnotherHostNamed: the record of a holder elsewhere (as a node
// sharing the results folder writes it) names that host and its job.
func TestHolderOnAnotherHostNamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	l, err := Acquire(path, "tdw-host train")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	rec, _ := json.Marshal(Holder{PID: 77, Command: "tdw-host sweep task", Since: time.Date(2024, 12, 1, 10, 0, 0, 0, time.UTC),
		Host: "node-17.cluster", SlurmJob: "900_2"})
	if err := os.WriteFile(path, rec, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(path, "second")
	want := `held by pid 77, "tdw-host sweep task", since 2024-12-01T10:00:00Z, on another host, node-17.cluster (Slurm job 900_2: squeue -j 900_2)`
	if !errors.Is(err, ErrHeld) || !strings.Contains(err.Error(), want) {
		t.Errorf("refusal %q, want it to hold %q", err, want)
	}
}

func TestProbeFreeLock(t *testing.T) {
	dir := t.TempDir()
	if h, err := Probe(filepath.Join(dir, "absent")); h != nil || err != nil {
		t.Errorf("absent file: %v, %v", h, err)
	}
	path := filepath.Join(dir, ".lock")
	l, err := Acquire(path, "x")
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
	if h, err := Probe(path); h != nil || err != nil {
		t.Errorf("released lock: %v, %v", h, err)
	}
	// Probing takes nothing: the lock can be acquired right after.
	l, err = Acquire(path, "y")
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
}
