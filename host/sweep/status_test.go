package sweep

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tdw-workbench/tdw/host/lockfile"
)

// writeTestRecord writes a task record as the task would.
func writeTestRecord(t *testing.T, sw *Sweep, r TaskRecord) {
	t.Helper()
	if r.Started.IsZero() {
		r.Started = time.Now().UTC().Add(-time.Minute)
	}
	if err := sw.writeRecord(&r); err != nil {
		t.Fatal(err)
	}
}

// TestStatusSlurm: each variant's state from squeue, its record and its
// log, then resume resubmits only the failed and stopped ones.
func TestStatusSlurm(t *testing.T) {
	fs := newFakeSlurm(t, 1001)
	sw := testSweep(t, 8)
	sw.Submissions = []Submission{{JobID: "40", Indices: []int{0, 1, 2, 3, 4, 5, 6, 7}, Array: "0-7", Submitted: time.Now()}}
	fs.setQueue(
		"40|0|PENDING|JobArrayTaskLimit|0",
		"40|1|RUNNING|None|0",
		"40|2|PENDING|BeginTime|1",
		"40|3|FAILED|NonZeroExitCode|0",
		"40|6|CANCELLED|None|0",
		"40|7|FAILED|NonZeroExitCode|0",
	)
	host, _ := os.Hostname()
	writeTestRecord(t, sw, TaskRecord{Index: 1, State: Running, Host: "node1", PID: 10, SlurmJob: "40_1"})
	writeTestRecord(t, sw, TaskRecord{Index: 2, State: Stopped, Host: "node1", PID: 11, SlurmJob: "40_2", Error: "interrupted: train: training interrupted at epoch 14"})
	writeTestRecord(t, sw, TaskRecord{Index: 3, State: Failed, Host: host, PID: 12, SlurmJob: "40_3", Error: "mkdir x: not a directory"})
	writeTestRecord(t, sw, TaskRecord{Index: 4, State: Running, Host: "node2", PID: 13, SlurmJob: "40_4"})
	writeTestRecord(t, sw, TaskRecord{Index: 6, State: Running, Host: "node2", PID: 14, SlurmJob: "40_6"})
	writeTestRecord(t, sw, TaskRecord{Index: 7, State: Failed, Host: "node2", PID: 15, SlurmJob: "40_7"})
	os.WriteFile(sw.LogPath(7), []byte("training x\n2024-12-01T10:00:00Z [ERROR] tdw-host.train: disk full\nmore\ntdw-host: write checkpoint: no space left on device\n== task 7 failed\n"), 0o644)

	rep, err := sw.Status(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		state, slurm, errPart string
		restarts              int
	}{
		{Queued, "PENDING", "", 0},
		{Running, "RUNNING", "", 0},
		{Queued, "PENDING", "", 1},
		{Failed, "FAILED", "mkdir x: not a directory", 0},
		{Failed, "", "ended without recording how", 0},
		{Failed, "", "Slurm no longer knows the task and it never started", 0},
		{Stopped, "CANCELLED", "Slurm says CANCELLED", 0},
		{Failed, "FAILED", "tdw-host: write checkpoint: no space left on device", 0},
	}
	for i, w := range want {
		got := rep.Tasks[i]
		if got.State != w.state || got.Slurm != w.slurm || got.Restarts != w.restarts || !strings.Contains(got.Error, w.errPart) ||
			(w.errPart == "" && got.Error != "") || got.Job != "40_"+string(rune('0'+i)) {
			t.Errorf("task %d: %+v, want %+v", i, got, w)
		}
	}
	if rep.Tasks[0].SlurmReason != "JobArrayTaskLimit" || rep.Tasks[2].Progress.String() != "not started" {
		t.Errorf("task 0 reason %q, task 2 progress %q", rep.Tasks[0].SlurmReason, rep.Tasks[2].Progress)
	}
	if s := rep.Summary(); s != "1 running, 2 queued, 1 stopped, 4 failed" {
		t.Errorf("summary %q", s)
	}

	// Without asking Slurm, records and submissions are all there is.
	local, err := sw.Status(context.Background(), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{local.Tasks[0].State, local.Tasks[1].State, local.Tasks[4].State, local.Tasks[5].State}; !reflect.DeepEqual(got, []string{Queued, Running, Running, Queued}) {
		t.Errorf("states without Slurm: %v", got)
	}
	if len(fs.calls("squeue")) != 1 {
		t.Errorf("squeue asked %d times", len(fs.calls("squeue")))
	}

	todo := rep.Incomplete()
	if !reflect.DeepEqual(todo, []int{3, 4, 5, 6, 7}) {
		t.Fatalf("incomplete %v", todo)
	}
	os.WriteFile(fs.dir+"/next", []byte("41\n"), 0o644) // job 40 is the first submission
	if _, err := sw.SubmitSlurm(context.Background(), todo); err != nil {
		t.Fatal(err)
	}
	calls := fs.calls("sbatch")
	if len(calls) != 1 || !strings.Contains(calls[0], " --array=3-7%2 ") || !strings.HasSuffix(calls[0], "/task.sh 0") {
		t.Errorf("resubmission %q", calls)
	}
	if got := slurmTask(sw.lastSubmission(4), 4); got != "41_4" {
		t.Errorf("task of index 4 after resubmission: %s", got)
	}
	if got := slurmTask(sw.lastSubmission(1), 1); got != "40_1" {
		t.Errorf("task of index 1 after resubmission: %s", got)
	}
}

// TestCancelSlurm cancels the jobs with tasks queued or running only.
func TestCancelSlurm(t *testing.T) {
	fs := newFakeSlurm(t, 1001)
	sw := testSweep(t, 4)
	sw.Submissions = []Submission{{JobID: "40", Indices: []int{0, 1}}, {JobID: "41", Indices: []int{2, 3}}, {JobID: "42", Indices: []int{0}}}
	fs.setQueue("40|0|COMPLETED|None|0", "40|1|COMPLETED|None|0", "41|2|RUNNING|None|0", "41|3|PENDING|None|0", "42|0|COMPLETED|None|0")
	msg, err := sw.Cancel(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := fs.calls("scancel"); !reflect.DeepEqual(got, []string{"scancel 41"}) || msg != "cancelled Slurm jobs [41]" {
		t.Errorf("scancel calls %q, message %q", got, msg)
	}
	fs.resetLog()
	fs.setQueue("41|2|CANCELLED|None|0")
	if msg, err := sw.Cancel(context.Background()); err != nil || len(fs.calls("scancel")) != 0 || !strings.Contains(msg, "no task") {
		t.Errorf("nothing to cancel: %q %v, calls %q", msg, err, fs.calls("scancel"))
	}
}

// TestStatusLocal judges a local sweep by its pool's lock and its tasks'
// processes.
func TestStatusLocal(t *testing.T) {
	sw := testSweep(t, 4)
	sw.Executor, sw.Slurm, sw.Local = ExecutorLocal, nil, &LocalOptions{Jobs: 1}
	host, _ := os.Hostname()
	// This process plays the pool: it holds the sweep's lock.
	l, err := lockfile.Acquire(sw.lockPath(), "tdw-host sweep (local pool)")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	sw.Submissions = []Submission{{Indices: []int{0, 1, 2, 3}, Host: host, PID: os.Getpid(), Submitted: time.Now().Add(-time.Second)}}
	writeTestRecord(t, sw, TaskRecord{Index: 0, State: Running, Host: host, PID: os.Getpid()})
	writeTestRecord(t, sw, TaskRecord{Index: 1, State: Running, Host: host, PID: deadPID(t)})
	writeTestRecord(t, sw, TaskRecord{Index: 2, State: Failed, Host: host, PID: 5, Error: "boom", Started: time.Now().Add(-time.Hour)})
	rep, err := sw.Status(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pool == nil || rep.Pool.PID != os.Getpid() {
		t.Errorf("pool %+v", rep.Pool)
	}
	// 2 failed before this pool started: the pool will run it again.
	got := []string{rep.Tasks[0].State, rep.Tasks[1].State, rep.Tasks[2].State, rep.Tasks[3].State}
	if !reflect.DeepEqual(got, []string{Running, Failed, Queued, Queued}) {
		t.Errorf("states %v", got)
	}
	l.Release()
	rep, _ = sw.Status(context.Background(), nil, true)
	got = []string{rep.Tasks[2].State, rep.Tasks[3].State}
	if rep.Pool != nil || !reflect.DeepEqual(got, []string{Failed, Stopped}) || rep.Tasks[2].Error != "boom" {
		t.Errorf("without the pool: %v, %+v", got, rep.Tasks[2])
	}
	if msg, err := sw.Cancel(context.Background()); err != nil || msg != "no pool is running the sweep" {
		t.Errorf("cancel without a pool: %q %v", msg, err)
	}
}

// deadPID returns the PID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	p, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	p.Wait()
	return p.Pid
}
