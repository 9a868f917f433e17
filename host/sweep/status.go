package sweep

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/tdw-workbench/tdw/host/lockfile"
	"github.com/tdw-workbench/tdw/host/registry"
)

// TaskStatus is where one variant of a sweep stands.
type TaskStatus struct {
	Index   int    `json:"index"`
	Variant string `json:"variant"`
	// Params are the swept parameters, NAME=VALUE in grid order.
	Params []string `json:"params"`
	// State is Queued, Running, Done, Failed or Stopped.
	State string `json:"state"`
	// Job is the Slurm array task ("JOB_TASK") last submitted for it;
	// Slurm and SlurmReason are its state and reason as squeue gives them
	// ("" when Slurm was not asked or has forgotten the job).
	Job         string `json:"slurm_job,omitempty"`
	Slurm       string `json:"slurm_state,omitempty"`
	SlurmReason string `json:"slurm_reason,omitempty"`
	Restarts    int    `json:"restarts"`
	// Progress is read from the results tree.
	Progress Progress `json:"progress"`
	// Error is the last error line: the task's record, else its logs.
	Error string `json:"error,omitempty"`
	Log   string `json:"log"`
}

// Report is the status of a sweep.
type Report struct {
	Name     string       `json:"name"`
	Family   string       `json:"family"`
	Executor string       `json:"executor"`
	Created  time.Time    `json:"created"`
	Tasks    []TaskStatus `json:"tasks"`
	// Counts holds the number of tasks in each state.
	Counts map[string]int `json:"counts"`
	// Pool is the local pool running the sweep, if one is.
	Pool *lockfile.Holder `json:"pool,omitempty"`
	// Problems are what could not be read (squeue failing, a bad record);
	// the states are the best the rest allows.
	Problems []string `json:"problems"`
}

// Status reads where each variant of the sweep stands: done when the
// results tree holds it trained and analyzed against analyzers; otherwise
// Slurm's word (with askSlurm, through squeue) while Slurm still knows the
// task, else the task's own record. A task that ended without recording
// how (killed hard) is failed, with the last error line of its logs.
func (s *Sweep) Status(ctx context.Context, analyzers []*registry.AnalyzerManifest, askSlurm bool) (*Report, error) {
	r := &Report{Name: s.Name, Family: s.Family, Executor: s.Executor, Created: s.Created, Counts: map[string]int{},
		Problems: []string{}, Tasks: make([]TaskStatus, 0, len(s.Variants))}
	// queue stays nil when Slurm was not asked or did not answer: the
	// records are then all there is to go by.
	var queue map[string]QueueEntry
	if askSlurm && s.Executor == ExecutorSlurm {
		q, err := Queue(ctx, s.jobIDs())
		if err != nil {
			r.Problems = append(r.Problems, err.Error())
		} else {
			queue = q
		}
	}
	if s.Executor == ExecutorLocal {
		h, err := lockfile.Probe(s.lockPath())
		if err != nil {
			r.Problems = append(r.Problems, err.Error())
		}
		r.Pool = h
	}
	for _, v := range s.Variants {
		t := s.taskStatus(v, analyzers, queue, r)
		r.Counts[t.State]++
		r.Tasks = append(r.Tasks, t)
	}
	return r, nil
}

// taskStatus judges one variant (see Status).
func (s *Sweep) taskStatus(v Variant, analyzers []*registry.AnalyzerManifest, queue map[string]QueueEntry, r *Report) TaskStatus {
	t := TaskStatus{Index: v.Index, Variant: v.Name, Params: s.GridParams(v), Log: s.LogPath(v.Index)}
	prog, err := VariantProgress(s.results(), s.Family, v.Name, analyzers)
	if err != nil {
		t.Error = oneLine(err.Error())
	}
	t.Progress = prog
	rec, err := s.Record(v.Index)
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
	}
	if rec != nil {
		t.Restarts = rec.Restarts
	}
	sub := s.lastSubmission(v.Index)
	if sub != nil && sub.JobID != "" {
		t.Job = slurmTask(sub, v.Index)
		if e, ok := queue[t.Job]; ok {
			t.Slurm, t.SlurmReason, t.Restarts = e.State, e.Reason, max(t.Restarts, e.Restarts)
		}
	}
	t.State, t.Error = s.judge(prog, rec, sub, t, r.Pool, queue != nil)
	if (t.State == Failed || t.State == Stopped) && t.Error == "" {
		t.Error = s.lastErrorLine(v.Index, t.Job)
	}
	return t
}

// judge decides a task's state from the results tree, Slurm and the
// task's record, in that order of trust. Without slurmKnown (Slurm not
// asked) a Slurm task is taken at its record's word.
func (s *Sweep) judge(prog Progress, rec *TaskRecord, sub *Submission, t TaskStatus, pool *lockfile.Holder, slurmKnown bool) (string, string) {
	if prog.Complete {
		return Done, ""
	}
	if t.Slurm != "" {
		if st := slurmState(t.Slurm); st == Queued || st == Running {
			return st, ""
		}
	}
	recErr := t.Error
	if rec != nil {
		recErr = rec.Error
	}
	switch {
	case rec != nil && rec.State == Running:
		if rec.SlurmJob != "" && !slurmKnown || alive(rec) {
			return Running, ""
		}
		if t.Slurm != "" && slurmState(t.Slurm) == Stopped {
			return Stopped, "Slurm says " + t.Slurm
		}
		return Failed, "the task ended without recording how (killed?)"
	case rec != nil && rec.State == Done:
		return Failed, "the task ended well, but the results tree says " + prog.String()
	case rec != nil && (rec.State == Failed || rec.State == Stopped):
		if pool != nil && sub != nil && sub.JobID == "" && sub.PID == pool.PID && rec.Started.Before(sub.Submitted) {
			return Queued, "" // the running pool has not reached it yet
		}
		return rec.State, recErr
	case sub == nil:
		return Stopped, "not submitted: tdw-host sweep resume runs it"
	case sub.JobID == "" && pool != nil && sub.PID == pool.PID:
		return Queued, ""
	case sub.JobID != "" && !slurmKnown:
		return Queued, ""
	case sub.JobID != "":
		return Failed, "Slurm no longer knows the task and it never started"
	}
	return Stopped, "never started"
}

// alive reports whether a task recorded as running still runs, as far as
// this host can tell: its process, when on this host and not under Slurm
// (Slurm has said by now that it is no longer queued or running).
func alive(rec *TaskRecord) bool {
	host, _ := os.Hostname()
	if rec.SlurmJob != "" || rec.Host != host {
		return false
	}
	return syscall.Kill(rec.PID, 0) == nil
}

// jobIDs are the sweep's Slurm jobs.
func (s *Sweep) jobIDs() []string {
	var ids []string
	for _, sub := range s.Submissions {
		if sub.JobID != "" {
			ids = append(ids, sub.JobID)
		}
	}
	return ids
}

// Incomplete are the indices of the tasks resume runs again: those neither
// done nor queued nor running.
func (r *Report) Incomplete() []int {
	var out []int
	for _, t := range r.Tasks {
		if t.State == Failed || t.State == Stopped {
			out = append(out, t.Index)
		}
	}
	return out
}

// Summary counts the states in a line: "2 done, 1 running, 1 failed".
func (r *Report) Summary() string {
	s := ""
	for _, st := range []string{Done, Running, Queued, Stopped, Failed} {
		if n := r.Counts[st]; n > 0 {
			if s != "" {
				s += ", "
			}
			s += fmt.Sprintf("%d %s", n, st)
		}
	}
	if s == "" {
		return "no variants"
	}
	return s
}

// lastErrorLine is the last line of the task's log, or of Slurm's output
// of its array task, that says error.
func (s *Sweep) lastErrorLine(index int, job string) string {
	files := []string{s.LogPath(index)}
	if job != "" {
		files = append(files, filepath.Join(s.Dir(), "logs", "slurm-"+job+".out"))
	}
	line := ""
	for _, f := range files {
		if l := lastMatchingLine(f); l != "" {
			line = l
		}
	}
	return line
}
