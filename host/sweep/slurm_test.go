package sweep

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestArraySpecAndSplit(t *testing.T) {
	for _, c := range []struct {
		ids      []int
		parallel int
		want     string
	}{
		{[]int{0, 1, 2, 3}, 0, "0-3"},
		{[]int{0, 1, 2, 3}, 2, "0-3%2"},
		{[]int{1, 3}, 0, "1,3"},
		{[]int{0, 2, 3, 4, 7, 9, 10}, 3, "0,2-4,7,9-10%3"},
		{[]int{5}, 0, "5"},
	} {
		if got := arraySpec(c.ids, c.parallel); got != c.want {
			t.Errorf("arraySpec(%v, %d) = %q, want %q", c.ids, c.parallel, got, c.want)
		}
	}
	// MaxArraySize 3: task IDs 0 to 2; index i is task i%3 of the array at
	// offset i/3*3.
	got := splitArrays([]int{6, 0, 1, 2, 4, 5, 9}, 3)
	want := []chunk{{0, []int{0, 1, 2}}, {3, []int{1, 2}}, {6, []int{0}}, {9, []int{0}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("splitArrays = %v, want %v", got, want)
	}
	if got := splitArrays([]int{2, 1}, 0); !reflect.DeepEqual(got, []chunk{{0, []int{1, 2}}}) {
		t.Errorf("splitArrays without a limit = %v", got)
	}
}

// TestTaskScriptRuns runs the generated script as Slurm would, with a fake
// tdw-host: it must exec the binary (same process, so SIGTERM reaches it)
// for index offset+SLURM_ARRAY_TASK_ID with the recorded paths quoted, set
// GOMAXPROCS from SLURM_CPUS_PER_TASK and append to that variant's log.
func TestTaskScriptRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "it's here")
	fake := filepath.Join(dir, "bin", "tdw host")
	if err := os.MkdirAll(filepath.Dir(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho \"pid $$ GOMAXPROCS=$GOMAXPROCS\"\nfor a in \"$@\"; do echo \"arg $a\"; done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	sw := testSweep(t, 6)
	sw.Paths.TDWHost, sw.Paths.Results = fake, filepath.Join(dir, "results")
	sw.Backend = "cpu"
	if err := sw.Save(); err != nil {
		t.Fatal(err)
	}
	if err := sw.WriteScript(); err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 2; run++ {
		cmd := exec.Command(sw.ScriptPath(), "3")
		cmd.Env = append(os.Environ(), "SLURM_ARRAY_TASK_ID=1", "SLURM_CPUS_PER_TASK=4")
		if err := cmd.Run(); err != nil {
			t.Fatalf("task script: %v", err)
		}
		b, err := os.ReadFile(sw.LogPath(4))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		want := []string{"pid " + strconv.Itoa(cmd.Process.Pid) + " GOMAXPROCS=4"}
		for _, a := range append(TaskCommand(sw)[1:], "4") {
			want = append(want, "arg "+a)
		}
		if got := lines[len(lines)-len(want):]; !reflect.DeepEqual(got, want) {
			t.Errorf("run %d: log ends\n%s\nwant\n%s", run, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if len(lines) != (run+1)*len(want) {
			t.Errorf("run %d: the log holds %d lines: not appended", run, len(lines))
		}
	}
	for _, w := range []string{"--results", sw.Paths.Results, "--families-dir", "--analyzers-dir", "--backend", "cpu", "sweep", "task", "grid"} {
		if !contains(TaskCommand(sw), w) {
			t.Errorf("task command %q lacks %q", TaskCommand(sw), w)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestSubmitSlurmSplits: with MaxArraySize 3, six of seven variants go out
// as three arrays with the options of the sweep, each recorded as sbatch
// answers.
func TestSubmitSlurmSplits(t *testing.T) {
	fs := newFakeSlurm(t, 3)
	sw := testSweep(t, 7)
	subs, err := sw.SubmitSlurm(context.Background(), []int{0, 1, 2, 4, 5, 6})
	if err != nil {
		t.Fatal(err)
	}
	d := sw.Dir()
	common := "--parsable --job-name=tdw-sweep-grid --array=%s --requeue --open-mode=append --chdir=" + d +
		" --output=" + d + "/logs/slurm-%%A_%%a.out --partition=cpu --time=1:00:00 --cpus-per-task=2 --mem=2G --qos=low " + d + "/task.sh %d"
	want := []string{
		"sbatch " + fmt.Sprintf(common, "0-2%2", 0),
		"sbatch " + fmt.Sprintf(common, "1-2%2", 3),
		"sbatch " + fmt.Sprintf(common, "0%2", 6),
	}
	if got := fs.calls("sbatch"); !reflect.DeepEqual(got, want) {
		t.Errorf("sbatch calls\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(fs.calls("scontrol")) != 1 {
		t.Errorf("scontrol calls %v", fs.calls("scontrol"))
	}
	wantSubs := []struct {
		id      string
		offset  int
		indices []int
		array   string
	}{{"40", 0, []int{0, 1, 2}, "0-2%2"}, {"41", 3, []int{4, 5}, "1-2%2"}, {"42", 6, []int{6}, "0%2"}}
	if len(subs) != 3 {
		t.Fatalf("submissions %+v", subs)
	}
	back, err := Load(sw.Paths.Results, "grid")
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range wantSubs {
		for _, s := range []Submission{subs[i], back.Submissions[i]} {
			if s.JobID != w.id || s.Offset != w.offset || !reflect.DeepEqual(s.Indices, w.indices) || s.Array != w.array {
				t.Errorf("submission %d: %+v, want %+v", i, s, w)
			}
		}
	}
	if back.Slurm.MaxArraySize != 3 {
		t.Errorf("recorded MaxArraySize %d", back.Slurm.MaxArraySize)
	}
	if fi, err := os.Stat(sw.ScriptPath()); err != nil || fi.Mode()&0o100 == 0 {
		t.Errorf("task script: %v %v", fi, err)
	}
	if got := slurmTask(back.lastSubmission(5), 5); got != "41_2" {
		t.Errorf("slurm task of index 5: %s", got)
	}
}

func TestQueueParsing(t *testing.T) {
	fs := newFakeSlurm(t, 1001)
	fs.setQueue("40|0|RUNNING|None|0                   ", "40|3|PENDING|JobArrayTaskLimit|0", "41|1|PENDING|BeginTime|1   ", "")
	q, err := Queue(context.Background(), []string{"40", "41"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]QueueEntry{
		"40_0": {Task: "40_0", State: "RUNNING", Reason: "None"},
		"40_3": {Task: "40_3", State: "PENDING", Reason: "JobArrayTaskLimit"},
		"41_1": {Task: "41_1", State: "PENDING", Reason: "BeginTime", Restarts: 1},
	}
	if !reflect.DeepEqual(q, want) {
		t.Errorf("queue %+v", q)
	}
	if got := fs.calls("squeue"); len(got) != 1 || got[0] != "squeue --noheader --array --states=all --jobs=40,41 --Format="+queueFormat {
		t.Errorf("squeue call %q", got)
	}
	fs.setQueue("garbage")
	if _, err := Queue(context.Background(), []string{"40"}); err == nil || !strings.Contains(err.Error(), `"garbage"`) {
		t.Errorf("bad line: %v", err)
	}
	// Slurm refuses a list of forgotten jobs: none are listed.
	fs.setQueueError("slurm_load_jobs error: Invalid job id specified")
	if q, err := Queue(context.Background(), []string{"7"}); err != nil || len(q) != 0 {
		t.Errorf("forgotten jobs: %v %v", q, err)
	}
	os.WriteFile(filepath.Join(fs.dir, "squeue.err"), []byte("squeue: error: Unable to contact slurm controller\n"), 0o644)
	if _, err := Queue(context.Background(), []string{"7"}); err == nil || !strings.Contains(err.Error(), "squeue: squeue: error: Unable to contact slurm controller") {
		t.Errorf("controller down: %v", err)
	}
}
