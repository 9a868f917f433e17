package checkpoint

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// Metadata and name conventions of an optimizer-state file.
const (
	MetaKind       = "tdw_kind"    // "adamw_state" in an optimizer-state file
	MetaStep       = "step"        // AdamW step count, decimal
	optimizerKind  = "adamw_state" // value of MetaKind
	expAvgPrefix   = "exp_avg."    // first moment of parameter NAME: exp_avg.NAME
	expAvgSqPrefix = "exp_avg_sq." // second moment: exp_avg_sq.NAME
)

// OptimizerState is AdamW's state for resuming training exactly: PyTorch's
// exp_avg and exp_avg_sq per trained parameter, float32, and the step count.
// Frozen parameters have no entry.
type OptimizerState struct {
	// Step is the number of optimizer steps taken (PyTorch's state["step"]).
	Step int64
	// Epoch is the epoch of the checkpoint the state belongs to.
	Epoch int
	// ExpAvg and ExpAvgSq map a parameter's TransformerLens name to its
	// first and second moment, float32, shaped like the parameter. They hold
	// the same names.
	ExpAvg, ExpAvgSq map[string]*sdk.Tensor
}

// WriteOptimizerState writes s to path atomically as a safetensors file with
// tensors exp_avg.NAME and exp_avg_sq.NAME and metadata tdw_kind
// "adamw_state", step, epoch and tdw_format_version. It returns an error if a
// moment is not float32, if a name has one moment but not the other, or if
// the two moments of a name differ in shape.
func WriteOptimizerState(path string, s *OptimizerState) error {
	if s.Step < 0 || s.Epoch < 0 {
		return fmt.Errorf("optimizer state %s: negative step %d or epoch %d", path, s.Step, s.Epoch)
	}
	if err := checkMoments(path, s.ExpAvg, s.ExpAvgSq); err != nil {
		return err
	}
	tensors := make(map[string]*sdk.Tensor, 2*len(s.ExpAvg))
	for name, t := range s.ExpAvg {
		tensors[expAvgPrefix+name] = t
		tensors[expAvgSqPrefix+name] = s.ExpAvgSq[name]
	}
	md := map[string]string{
		MetaFormat:        "pt",
		MetaFormatVersion: strconv.Itoa(FormatVersion),
		MetaKind:          optimizerKind,
		MetaStep:          strconv.FormatInt(s.Step, 10),
		MetaEpoch:         strconv.Itoa(s.Epoch),
	}
	return WriteFile(path, tensors, md)
}

// ReadOptimizerState reads a file written by WriteOptimizerState, validating
// it as WriteOptimizerState does; every problem is a *FormatError naming the
// file and, where one is at fault, the tensor.
func ReadOptimizerState(path string) (*OptimizerState, error) {
	f, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	if k := f.Metadata[MetaKind]; k != optimizerKind {
		return nil, formatErr(path, "", "metadata %q is %q, not %q: not an optimizer-state file", MetaKind, k, optimizerKind)
	}
	m, err := parseMeta(path, f.Metadata)
	if err != nil {
		return nil, err
	}
	if m.Epoch < 0 {
		return nil, formatErr(path, "", "metadata %q is missing", MetaEpoch)
	}
	step, err := strconv.ParseInt(f.Metadata[MetaStep], 10, 64)
	if err != nil || step < 0 {
		return nil, formatErr(path, "", "metadata %q = %q is not a step count", MetaStep, f.Metadata[MetaStep])
	}
	s := &OptimizerState{Step: step, Epoch: m.Epoch, ExpAvg: map[string]*sdk.Tensor{}, ExpAvgSq: map[string]*sdk.Tensor{}}
	for name, t := range f.Tensors {
		// exp_avg_sq. also starts with "exp_avg", so test the longer prefix first.
		switch {
		case strings.HasPrefix(name, expAvgSqPrefix):
			s.ExpAvgSq[strings.TrimPrefix(name, expAvgSqPrefix)] = t
		case strings.HasPrefix(name, expAvgPrefix):
			s.ExpAvg[strings.TrimPrefix(name, expAvgPrefix)] = t
		default:
			return nil, formatErr(path, name, "name is neither exp_avg.NAME nor exp_avg_sq.NAME")
		}
	}
	if err := checkMoments(path, s.ExpAvg, s.ExpAvgSq); err != nil {
		return nil, err
	}
	return s, nil
}

// checkMoments requires matching names, float32, and equal shapes.
func checkMoments(path string, avg, sq map[string]*sdk.Tensor) error {
	names := make([]string, 0, len(avg))
	for n := range avg {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a, b := avg[n], sq[n]
		switch {
		case n == "":
			return formatErr(path, expAvgPrefix, "empty parameter name")
		case b == nil:
			return formatErr(path, expAvgSqPrefix+n, "missing, but %s%s exists", expAvgPrefix, n)
		case a == nil || a.DType() != sdk.Float32:
			return formatErr(path, expAvgPrefix+n, "is %v, not float32", a)
		case b.DType() != sdk.Float32:
			return formatErr(path, expAvgSqPrefix+n, "is %v, not float32", b)
		case !slices.Equal(a.Shape(), b.Shape()):
			return formatErr(path, expAvgSqPrefix+n, "shape %v differs from %s%s's %v", b.ShapeString(), expAvgPrefix, n, a.ShapeString())
		}
	}
	for n := range sq {
		if _, ok := avg[n]; !ok {
			return formatErr(path, expAvgPrefix+n, "missing, but %s%s exists", expAvgSqPrefix, n)
		}
	}
	return nil
}
