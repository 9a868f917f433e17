package sweep

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/host/lockfile"
)

// lock takes the sweep's lock for what ("tdw-host sweep resume").
func (s *Sweep) lock(what string) (*lockfile.Lock, error) {
	if err := os.MkdirAll(s.Dir(), 0o755); err != nil {
		return nil, err
	}
	l, err := lockfile.Acquire(s.lockPath(), what)
	if err != nil {
		return nil, fmt.Errorf("sweep %s is busy: %w", s.Name, err)
	}
	return l, nil
}

// WriteScript writes the sweep's Slurm task script (TaskScript), executable.
func (s *Sweep) WriteScript() error {
	if err := os.MkdirAll(s.Dir(), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(s.ScriptPath(), []byte(TaskScript(s)), 0o755)
}

// SlurmPlan is what SubmitSlurm runs: one sbatch per array.
type SlurmPlan struct {
	// MaxArraySize is the cluster's limit the arrays were split to.
	MaxArraySize int
	// Sbatch holds the arguments of each sbatch call, in order.
	Sbatch [][]string
	chunks []chunk
}

// PlanSlurm splits the tasks of indices into arrays that fit maxArraySize
// and returns the sbatch calls that submit them.
func (s *Sweep) PlanSlurm(indices []int, maxArraySize int) *SlurmPlan {
	p := &SlurmPlan{MaxArraySize: maxArraySize, chunks: splitArrays(indices, maxArraySize)}
	for _, c := range p.chunks {
		p.Sbatch = append(p.Sbatch, SbatchArgs(s, c))
	}
	return p
}

// SubmitSlurm submits the tasks of indices as Slurm array jobs, split to
// fit the cluster's MaxArraySize (read with scontrol), after writing the
// task script. Each submission is recorded in sweep.json as soon as sbatch
// answers, so a failure part way leaves the record true.
func (s *Sweep) SubmitSlurm(ctx context.Context, indices []int) ([]Submission, error) {
	if len(indices) == 0 {
		return nil, nil
	}
	l, err := s.lock("tdw-host sweep submit")
	if err != nil {
		return nil, err
	}
	defer l.Release()
	max, err := MaxArraySize(ctx)
	if err != nil {
		return nil, err
	}
	if s.Slurm == nil {
		s.Slurm = &SlurmOptions{}
	}
	s.Slurm.MaxArraySize = max
	if err := s.WriteScript(); err != nil {
		return nil, err
	}
	p := s.PlanSlurm(indices, max)
	var subs []Submission
	for i, args := range p.Sbatch {
		id, err := sbatch(ctx, args)
		if err != nil {
			return subs, err
		}
		c := p.chunks[i]
		sub := Submission{JobID: id, Offset: c.offset, Array: arraySpec(c.local, s.Slurm.Parallel),
			Submitted: time.Now().UTC().Truncate(time.Second)}
		for _, x := range c.local {
			sub.Indices = append(sub.Indices, c.offset+x)
		}
		s.Submissions = append(s.Submissions, sub)
		subs = append(subs, sub)
		if err := s.Save(); err != nil {
			return subs, fmt.Errorf("submitted Slurm job %s but could not record it: %w", id, err)
		}
	}
	return subs, nil
}

// lastSubmission returns the latest submission holding index, nil if none.
func (s *Sweep) lastSubmission(index int) *Submission {
	for i := len(s.Submissions) - 1; i >= 0; i-- {
		for _, x := range s.Submissions[i].Indices {
			if x == index {
				return &s.Submissions[i]
			}
		}
	}
	return nil
}

// slurmTask is the Slurm name of index's task in submission sub.
func slurmTask(sub *Submission, index int) string {
	return fmt.Sprintf("%s_%d", sub.JobID, index-sub.Offset)
}
