package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/tdw-workbench/tdw/host/atomicfile"
)

// FormatVersion is the version of sweep.json this package writes. A file of
// a newer format is refused rather than misread.
const FormatVersion = 1

// File is the name of a sweep's record in its folder.
const File = "sweep.json"

// Executors a sweep runs on.
const (
	ExecutorSlurm = "slurm"
	ExecutorLocal = "local"
)

// Sweep is a sweep's record, sweep.json. Create one with Plan.Sweep, save it
// with Save, read it back with Load.
type Sweep struct {
	Format  int       `json:"format_version"`
	Name    string    `json:"name"`
	Family  string    `json:"family"`
	Created time.Time `json:"created"`
	// Grid is the swept parameters in the order given; the first varies
	// slowest.
	Grid []Axis `json:"grid"`
	// Fixed are the parameters every variant shares (-p NAME=VALUE).
	Fixed map[string]string `json:"fixed,omitempty"`
	// Preset, Epochs and Checkpoints are the training settings of a fresh
	// run, as for `tdw-host train`.
	Preset      string `json:"preset,omitempty"`
	Epochs      int    `json:"epochs,omitempty"`
	Checkpoints string `json:"checkpoints,omitempty"`
	// Analyzers are the analyzers each variant gets (empty: the family's);
	// Settings override their parameters: analyzer → parameter → value.
	Analyzers []string                     `json:"analyzers,omitempty"`
	Settings  map[string]map[string]string `json:"settings,omitempty"`
	// Backend is the engine backend the tasks use ("": the default).
	Backend string `json:"backend,omitempty"`
	// Executor is ExecutorSlurm or ExecutorLocal.
	Executor string `json:"executor"`
	Paths    Paths  `json:"paths"`
	// Variants are the sweep's variants, Variants[i].Index == i.
	Variants []Variant `json:"variants"`
	// Dropped are grid points that named a variant already in the sweep.
	Dropped     []Dropped     `json:"dropped,omitempty"`
	Slurm       *SlurmOptions `json:"slurm,omitempty"`
	Local       *LocalOptions `json:"local,omitempty"`
	Submissions []Submission  `json:"submissions,omitempty"`

	// dir is the folder Load found the sweep in ("": the recorded one).
	dir string
}

// Axis is one swept parameter and its values, as text.
type Axis struct {
	Param  string   `json:"param"`
	Values []string `json:"values"`
}

// Paths are the absolute paths a task runs with, fixed when the sweep is
// created so that a task started on another node finds the same files.
type Paths struct {
	TDWHost   string `json:"tdw_host"`
	Results   string `json:"results"`
	Families  string `json:"families"`
	Analyzers string `json:"analyzers"`
}

// Variant is the variant one task index trains and analyzes.
type Variant struct {
	Index int `json:"index"`
	// Name is the variant's folder name under RESULTS/FAMILY/.
	Name string `json:"variant"`
	// Params are its complete domain parameters, as text.
	Params map[string]string `json:"params"`
	// CompleteAtStart says it was trained and analyzed when the sweep was
	// created; it was not submitted.
	CompleteAtStart bool `json:"complete_at_start,omitempty"`
}

// Dropped is a grid point left out of the sweep and why.
type Dropped struct {
	Params  map[string]string `json:"params"`
	Variant string            `json:"variant"`
	Reason  string            `json:"reason"`
}

// SlurmOptions are the sbatch options of a Slurm sweep.
type SlurmOptions struct {
	Partition   string `json:"partition,omitempty"`
	Time        string `json:"time,omitempty"`
	CPUsPerTask int    `json:"cpus_per_task,omitempty"`
	Mem         string `json:"mem,omitempty"`
	// Parallel caps the array's tasks running at once (%P; 0: no cap).
	Parallel int `json:"parallel,omitempty"`
	// ExtraArgs are passed to sbatch as given, before the script.
	ExtraArgs []string `json:"extra_args,omitempty"`
	// MaxArraySize is the cluster's limit read at the last submission.
	MaxArraySize int `json:"max_array_size,omitempty"`
}

// LocalOptions are the process pool's settings of a local sweep.
type LocalOptions struct {
	// Jobs is the number of variants run at once.
	Jobs int `json:"jobs"`
	// Cooldown is the pause a worker takes after each variant.
	Cooldown Duration `json:"cooldown,omitempty"`
}

// Submission is one batch of tasks handed to the executor: a Slurm array
// job (JobID set), or a run of the local pool (Host and PID set).
type Submission struct {
	JobID string `json:"job_id,omitempty"`
	// Offset is added to a Slurm array task ID to give the variant index
	// (arrays are split to fit the cluster's MaxArraySize).
	Offset int `json:"offset,omitempty"`
	// Indices are the variant indices submitted.
	Indices []int `json:"indices"`
	// Array is the sbatch --array value.
	Array     string    `json:"array,omitempty"`
	Host      string    `json:"host,omitempty"`
	PID       int       `json:"pid,omitempty"`
	Submitted time.Time `json:"submitted"`
}

// Duration is a time.Duration written as text ("30s") in JSON.
type Duration time.Duration

// MarshalJSON writes the duration as Go duration text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads Go duration text.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration such as \"30s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Root is the folder holding the sweeps of a results tree.
func Root(results string) string { return filepath.Join(results, ".tdw", "sweeps") }

// Dir is the sweep's folder, RESULTS/.tdw/sweeps/NAME.
func (s *Sweep) Dir() string {
	if s.dir != "" {
		return s.dir
	}
	return filepath.Join(Root(s.Paths.Results), s.Name)
}

// results is the results folder holding the sweep.
func (s *Sweep) results() string {
	if s.dir != "" {
		return filepath.Dir(filepath.Dir(filepath.Dir(s.dir)))
	}
	return s.Paths.Results
}

// Path is the sweep's sweep.json.
func (s *Sweep) Path() string { return filepath.Join(s.Dir(), File) }

// LogPath is the log of variant index (every start of its task appends).
func (s *Sweep) LogPath(index int) string {
	return filepath.Join(s.Dir(), "logs", strconv.Itoa(index)+".log")
}

// ScriptPath is the Slurm task script.
func (s *Sweep) ScriptPath() string { return filepath.Join(s.Dir(), "task.sh") }

// lockPath is the lock held while the sweep is submitted, resumed or run by
// the local pool.
func (s *Sweep) lockPath() string { return filepath.Join(s.Dir(), ".lock") }

// CheckName refuses a sweep name that is not a plain folder and job name:
// letters, digits, '.', '_' and '-', not starting with '.', at most 100.
func CheckName(name string) error {
	if name == "" || len(name) > 100 || name[0] == '.' {
		return fmt.Errorf("sweep name %q: want 1 to 100 characters, not starting with '.'", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("sweep name %q: %q is not allowed (letters, digits, '.', '_', '-')", name, r)
		}
	}
	return nil
}

// Save writes sweep.json atomically, creating the sweep's folders.
func (s *Sweep) Save() error {
	for _, d := range []string{s.Dir(), filepath.Join(s.Dir(), "logs"), filepath.Join(s.Dir(), "tasks")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(s.Path(), append(b, '\n'), 0o644)
}

// Load reads the sweep called name from the results folder. Errors name
// the file and say what is wrong.
func Load(results, name string) (*Sweep, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(results)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(Root(abs), name, File)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &missingError{fmt.Sprintf("no sweep %q in %s (tdw-host sweep status lists them)", name, abs)}
	} else if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Sweep
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := s.check(name); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// A results tree moved since still reads; its tasks keep the recorded
	// paths.
	s.dir = filepath.Dir(path)
	return &s, nil
}

// missingError is a sweep that does not exist; it matches fs.ErrNotExist.
type missingError struct{ msg string }

func (e *missingError) Error() string        { return e.msg }
func (e *missingError) Is(target error) bool { return target == fs.ErrNotExist }

// check validates a decoded sweep.json found under name.
func (s *Sweep) check(name string) error {
	switch {
	case s.Format > FormatVersion:
		return fmt.Errorf("format_version %d is newer than this tdw-host reads (%d)", s.Format, FormatVersion)
	case s.Format < 1:
		return fmt.Errorf("format_version %d: want 1", s.Format)
	case s.Name != name:
		return fmt.Errorf("name %q does not match its folder %q", s.Name, name)
	case s.Executor != ExecutorSlurm && s.Executor != ExecutorLocal:
		return fmt.Errorf("executor %q: want %s or %s", s.Executor, ExecutorSlurm, ExecutorLocal)
	case s.Family == "":
		return fmt.Errorf("family is empty")
	}
	for i, v := range s.Variants {
		if v.Index != i {
			return fmt.Errorf("variants[%d]: index is %d", i, v.Index)
		}
		if v.Name == "" {
			return fmt.Errorf("variants[%d]: variant is empty", i)
		}
	}
	for i, sub := range s.Submissions {
		for _, x := range sub.Indices {
			if x < 0 || x >= len(s.Variants) {
				return fmt.Errorf("submissions[%d]: index %d is not a variant index (0 to %d)", i, x, len(s.Variants)-1)
			}
		}
	}
	return nil
}

// List returns the names of the sweeps in the results folder, sorted.
func List(results string) ([]string, error) {
	entries, err := os.ReadDir(Root(results))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && CheckName(e.Name()) == nil {
			if _, err := os.Stat(filepath.Join(Root(results), e.Name(), File)); err == nil {
				out = append(out, e.Name())
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// GridParams returns the swept parameters of variant v, in grid order, as
// NAME=VALUE: what tells the sweep's variants apart.
func (s *Sweep) GridParams(v Variant) []string {
	out := make([]string, 0, len(s.Grid))
	for _, a := range s.Grid {
		out = append(out, a.Param+"="+v.Params[a.Param])
	}
	return out
}
