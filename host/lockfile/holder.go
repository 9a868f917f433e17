package lockfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// String describes the holder for a refusal message: "held by pid N, "what",
// since T", with the host and Slurm job of a holder on another host.
func (h Holder) String() string {
	s := fmt.Sprintf("held by pid %d, %q, since %s", h.PID, h.Command, h.Since.Format(time.RFC3339))
	if h.Host == "" || h.Host == hostname() {
		if h.SlurmJob != "" {
			s += fmt.Sprintf(", Slurm job %s", h.SlurmJob)
		}
		return s
	}
	s += fmt.Sprintf(", on another host, %s", h.Host)
	if h.SlurmJob != "" {
		s += fmt.Sprintf(" (Slurm job %s: squeue -j %s)", h.SlurmJob, h.SlurmJob)
	}
	return s
}

// Probe returns the holder of the lock at path while a process holds it, and
// nil when none does (or the file does not exist). It takes no lock and
// writes nothing.
func Probe(path string) (*Holder, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	defer f.Close()
	// A shared lock conflicts with the holder's exclusive one; closing the
	// file drops it again at once.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err == nil {
		return nil, nil
	} else if !errors.Is(err, syscall.EWOULDBLOCK) {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	var h Holder
	b, err := os.ReadFile(path)
	if err == nil {
		_ = json.Unmarshal(b, &h) // an unreadable record is a holder unknown
	}
	return &h, nil
}

// hostname is this host's name, "" if the system does not say.
func hostname() string {
	h, _ := os.Hostname()
	return h
}

// slurmJob names the Slurm job this process runs in: ARRAYJOB_TASK for an
// array task, JOB otherwise, "" outside Slurm.
func slurmJob() string {
	if a, t := os.Getenv("SLURM_ARRAY_JOB_ID"), os.Getenv("SLURM_ARRAY_TASK_ID"); a != "" && t != "" {
		return a + "_" + t
	}
	return os.Getenv("SLURM_JOB_ID")
}
