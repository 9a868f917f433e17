package job

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/tdw-workbench/tdw/host/atomicfile"
)

// journalFormat is the version of the journal file (docs/dashboard.md).
const journalFormat = 1

// journal is the content of Options.Journal: the jobs the manager remembers,
// oldest first, without their event histories.
type journal struct {
	FormatVersion int    `json:"format_version"`
	Jobs          []Info `json:"jobs"`
}

// interruptedByStop is the error of a job that was queued or running when
// the server that ran it stopped without ending it.
const interruptedByStop = "the server stopped before this job ended; what it finished is on disk (resume the training, rerun the analysis)"

// loadJournal reads the jobs of an earlier manager from path. A job it
// recorded as queued or running is returned failed: that manager is gone.
// A missing file is no jobs. A file that does not parse is moved aside to
// path.bad-TIMESTAMP (kept, not overwritten) and the error names both.
func loadJournal(path string, now time.Time) ([]Info, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("job journal %s: %w", path, err)
	}
	var j journal
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err = dec.Decode(&j); err == nil && j.FormatVersion != journalFormat {
		err = fmt.Errorf("format_version %d, want %d", j.FormatVersion, journalFormat)
	}
	if err == nil {
		err = checkJournal(j.Jobs)
	}
	if err != nil {
		aside := fmt.Sprintf("%s.bad-%s", path, now.Format("20060102T150405"))
		if rerr := os.Rename(path, aside); rerr != nil {
			return nil, fmt.Errorf("job journal %s: %v (and it could not be moved aside: %v)", path, err, rerr)
		}
		return nil, fmt.Errorf("job journal %s: %v; moved to %s, starting with no job history", path, err, aside)
	}
	for i := range j.Jobs {
		in := &j.Jobs[i]
		if !in.State.Final() {
			in.State, in.Error = Failed, interruptedByStop
			in.Ended = &now
		}
	}
	return j.Jobs, nil
}

// checkJournal refuses records a manager cannot have written.
func checkJournal(jobs []Info) error {
	seen := map[string]bool{}
	for i, in := range jobs {
		switch {
		case in.ID == "" || seen[in.ID]:
			return fmt.Errorf("jobs[%d]: id %q is empty or repeated", i, in.ID)
		case in.Kind != KindTrain && in.Kind != KindAnalyze:
			return fmt.Errorf("jobs[%d].kind: %q is not %q or %q", i, in.Kind, KindTrain, KindAnalyze)
		case !in.State.Final() && in.State != Queued && in.State != Running:
			return fmt.Errorf("jobs[%d].state: %q is not a job state", i, in.State)
		case in.Family == "" || in.Variant == "":
			return fmt.Errorf("jobs[%d]: family and variant are required", i)
		}
		seen[in.ID] = true
	}
	return nil
}

// saveJournal writes the jobs m remembers to its journal, atomically. A
// failure is logged, not returned: the jobs themselves are unaffected. The
// caller holds m.mu.
func (m *Manager) saveJournal() {
	if m.opts.Journal == "" {
		return
	}
	j := journal{FormatVersion: journalFormat, Jobs: make([]Info, 0, len(m.order))}
	for _, jb := range m.order {
		j.Jobs = append(j.Jobs, jb.snapshot(false))
	}
	b, err := json.MarshalIndent(j, "", " ")
	if err == nil {
		if err = os.MkdirAll(filepath.Dir(m.opts.Journal), 0o755); err == nil {
			err = atomicfile.WriteFile(m.opts.Journal, append(b, '\n'), 0o644)
		}
	}
	if err != nil {
		m.env.logger().Warn("job journal not written", "file", m.opts.Journal, "error", err)
	}
}
