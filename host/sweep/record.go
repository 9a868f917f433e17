package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tdw-workbench/tdw/host/atomicfile"
)

// States of a sweep's task, as its record and status give them.
const (
	// Queued: submitted, not started (Slurm PENDING, or waiting in the pool).
	Queued = "queued"
	// Running: the task is training or analyzing its variant.
	Running = "running"
	// Done: the variant is trained and analyzed.
	Done = "done"
	// Failed: the task ended with an error, or ended without a word.
	Failed = "failed"
	// Stopped: the task was interrupted (SIGTERM: cancel, time limit,
	// preemption) after saving its state; resume continues it.
	Stopped = "stopped"
)

// TaskRecord is tasks/INDEX.json: what the last start of a task did. The
// task writes it when it starts and when it ends.
type TaskRecord struct {
	Index   int    `json:"index"`
	Variant string `json:"variant"`
	// State is Running, Done, Failed or Stopped.
	State string `json:"state"`
	Host  string `json:"host"`
	PID   int    `json:"pid"`
	// SlurmJob is the Slurm array task ("JOB_TASK"), "" outside Slurm.
	SlurmJob string `json:"slurm_job,omitempty"`
	// Restarts is Slurm's count of restarts of the task (SLURM_RESTART_COUNT).
	Restarts int       `json:"restarts,omitempty"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended,omitzero"`
	// Error is the one-line reason of a failed or stopped task.
	Error string `json:"error,omitempty"`
}

// recordPath is the record of variant index.
func (s *Sweep) recordPath(index int) string {
	return filepath.Join(s.Dir(), "tasks", strconv.Itoa(index)+".json")
}

// writeRecord replaces the task's record atomically.
func (s *Sweep) writeRecord(r *TaskRecord) error {
	if err := os.MkdirAll(filepath.Dir(s.recordPath(r.Index)), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(s.recordPath(r.Index), append(b, '\n'), 0o644)
}

// Record reads the record of variant index; nil when the task never started.
func (s *Sweep) Record(index int) (*TaskRecord, error) {
	b, err := os.ReadFile(s.recordPath(index))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var r TaskRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", s.recordPath(index), err)
	}
	return &r, nil
}
