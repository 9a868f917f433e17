package sweep

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// QueueEntry is one array task as squeue lists it.
type QueueEntry struct {
	// Task is "ARRAYJOB_TASK", as squeue and scontrol name it.
	Task     string
	State    string // PENDING, RUNNING, COMPLETED, ...
	Reason   string // why it is pending ("None" when not)
	Restarts int
}

// slurmCommand runs a Slurm command found on PATH and returns its stdout.
// An error quotes the command and the first line of its stderr.
func slurmCommand(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if msg == "" {
			msg = err.Error()
		}
		return stdout.Bytes(), &commandError{name: name, msg: msg, err: err}
	}
	return stdout.Bytes(), nil
}

// commandError is a Slurm command that failed.
type commandError struct {
	name, msg string
	err       error
}

func (e *commandError) Error() string { return e.name + ": " + e.msg }
func (e *commandError) Unwrap() error { return e.err }

// MaxArraySize reads the cluster's MaxArraySize from `scontrol show config`.
func MaxArraySize(ctx context.Context) (int, error) {
	out, err := slurmCommand(ctx, "scontrol", "show", "config")
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok || strings.TrimSpace(k) != "MaxArraySize" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return 0, fmt.Errorf("scontrol show config: MaxArraySize %q is not a positive number", strings.TrimSpace(v))
		}
		return n, nil
	}
	return 0, fmt.Errorf("scontrol show config: no MaxArraySize line")
}

// sbatch submits one array and returns its job ID (sbatch --parsable
// prints "JOB" or "JOB;CLUSTER").
func sbatch(ctx context.Context, args []string) (string, error) {
	out, err := slurmCommand(ctx, "sbatch", args...)
	if err != nil {
		return "", err
	}
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	if _, err := strconv.Atoi(id); err != nil {
		return "", fmt.Errorf("sbatch printed %q, not a job ID", strings.TrimSpace(string(out)))
	}
	return id, nil
}

// queueFormat asks squeue for array job, task, state, reason and restart
// count, '|'-separated (squeue --Format, Slurm 20.11 and later).
const queueFormat = "ArrayJobID:|,ArrayTaskID:|,State:|,Reason:|,RestartCnt"

// Queue lists the tasks of the given array jobs that Slurm still knows
// (pending, running, or ended less than MinJobAge ago), by "JOB_TASK".
// Jobs Slurm has forgotten are simply absent.
func Queue(ctx context.Context, jobIDs []string) (map[string]QueueEntry, error) {
	out := map[string]QueueEntry{}
	if len(jobIDs) == 0 {
		return out, nil
	}
	stdout, err := slurmCommand(ctx, "squeue", "--noheader", "--array", "--states=all",
		"--jobs="+strings.Join(jobIDs, ","), "--Format="+queueFormat)
	if err != nil {
		// squeue refuses a list of only forgotten jobs.
		if ce, ok := err.(*commandError); ok && strings.Contains(ce.msg, "Invalid job id") {
			return out, nil
		}
		return nil, err
	}
	return out, parseQueue(stdout, out)
}

// parseQueue reads squeue lines "JOB|TASK|STATE|REASON|RESTARTS" into out.
func parseQueue(b []byte, out map[string]QueueEntry) error {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		f := strings.Split(line, "|")
		if len(f) != 5 {
			return fmt.Errorf("squeue: line %q: want 5 '|'-separated fields", line)
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		e := QueueEntry{Task: f[0] + "_" + f[1], State: f[2], Reason: f[3]}
		e.Restarts, _ = strconv.Atoi(f[4])
		out[e.Task] = e
	}
	return sc.Err()
}

// scancel cancels the given jobs.
func scancel(ctx context.Context, jobIDs []string) error {
	_, err := slurmCommand(ctx, "scancel", jobIDs...)
	return err
}

// slurmState maps a Slurm job state to a task state.
func slurmState(s string) string {
	switch s {
	case "PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "CONFIGURING", "RESV_DEL_HOLD", "SPECIAL_EXIT":
		return Queued
	case "RUNNING", "COMPLETING", "SUSPENDED", "STOPPED", "SIGNALING", "STAGE_OUT", "RESIZING":
		return Running
	case "COMPLETED":
		return Done
	case "CANCELLED", "TIMEOUT", "PREEMPTED", "DEADLINE":
		return Stopped
	}
	return Failed // FAILED, NODE_FAIL, OUT_OF_MEMORY, BOOT_FAIL, ...
}
