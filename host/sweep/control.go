package sweep

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/tdw-workbench/tdw/host/lockfile"
)

// Cancel stops the sweep. A Slurm sweep's array jobs that Slurm still
// queues or runs are cancelled with scancel (their running tasks get
// SIGTERM and save their state); a local sweep's pool, when it runs on this
// host, gets SIGTERM and stops its tasks likewise. It returns what it did,
// in a line.
func (s *Sweep) Cancel(ctx context.Context) (string, error) {
	if s.Executor == ExecutorLocal {
		return s.cancelLocal()
	}
	q, err := Queue(ctx, s.jobIDs())
	if err != nil {
		return "", err
	}
	live := map[string]bool{}
	for _, e := range q {
		if st := slurmState(e.State); st == Queued || st == Running {
			job, _, _ := strings.Cut(e.Task, "_")
			live[job] = true
		}
	}
	var ids []string
	for _, id := range s.jobIDs() {
		if live[id] {
			ids = append(ids, id)
			delete(live, id) // a job listed twice is cancelled once
		}
	}
	if len(ids) == 0 {
		return "no task of the sweep is queued or running", nil
	}
	if err := scancel(ctx, ids); err != nil {
		return "", err
	}
	return fmt.Sprintf("cancelled Slurm jobs %v", ids), nil
}

// cancelLocal signals the local pool that runs the sweep.
func (s *Sweep) cancelLocal() (string, error) {
	h, err := lockfile.Probe(s.lockPath())
	if err != nil || h == nil {
		return "no pool is running the sweep", err
	}
	host, _ := os.Hostname()
	if h.Host != "" && h.Host != host {
		return "", fmt.Errorf("the sweep's pool runs on host %s (pid %d): cancel it there", h.Host, h.PID)
	}
	if err := syscall.Kill(h.PID, syscall.SIGTERM); err != nil {
		return "", fmt.Errorf("signal the pool (pid %d): %w", h.PID, err)
	}
	return fmt.Sprintf("sent SIGTERM to the pool (pid %d); its tasks save their state and stop", h.PID), nil
}
