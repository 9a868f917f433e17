// Package graduation is the input_trace_graduation analyzer, a cross-epoch
// analysis of input_trace: the checkpoint from which each probe input is
// answered correctly for good (for a window of consecutive checkpoints), so
// that the order in which inputs are learned can be read, train against test.
package graduation

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "input_trace_graduation"
	Version = "0.1.0"
)

// Source is the artifact read, with its arrays "correct" and "split".
const Source = "input_trace"

// Analyzer implements sdk.CrossEpochAnalyzer. From input_trace's correct and
// split stacked over E checkpoints ((E, batch) bool) it returns:
//
//	epochs                 int64 (E,)      the checkpoints, ascending
//	graduation_epoch       int64 (batch,)  first epoch starting window consecutive correct checkpoints; -1 if none
//	split                  bool  (batch,)  the last checkpoint's split (true = training input)
//	train_graduated_count  int64 (E,)      training inputs graduated at or before each epoch
//	test_graduated_count   int64 (E,)      test inputs graduated at or before each epoch
type Analyzer struct{}

// New returns an input_trace_graduation analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.CrossEpoch}
}

// AnalyzeAcross finds every input's graduation epoch.
func (a *Analyzer) AnalyzeAcross(_ context.Context, run *sdk.Run, inputs map[string]*sdk.Stacked) (map[string]*sdk.Tensor, error) {
	window, err := run.Settings.Int("window")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	if window < 1 {
		return nil, fmt.Errorf("%s: parameter %q is %d, want at least 1", Name, "window", window)
	}
	st := inputs[Source]
	if st == nil {
		return nil, fmt.Errorf("%s: input artifact %s missing", Name, Source)
	}
	E := len(st.Epochs)
	var batch int
	arrays := map[string][]uint8{}
	for _, name := range []string{"correct", "split"} {
		t := st.Arrays[name]
		if t == nil || t.DType() != sdk.Bool || t.Rank() != 2 || t.Shape()[0] != E || (batch > 0 && t.Shape()[1] != batch) {
			return nil, fmt.Errorf("%s: %s/%s is %v, want bool (epochs = %d, batch)", Name, Source, name, t, E)
		}
		batch = t.Shape()[1]
		arrays[name] = t.Uint8s()
	}
	epochs := make([]int64, E)
	for i, e := range st.Epochs {
		if i > 0 && e <= st.Epochs[i-1] {
			return nil, fmt.Errorf("%s: %s epochs are not ascending (%d after %d)", Name, Source, e, st.Epochs[i-1])
		}
		epochs[i] = int64(e)
	}
	grad := Graduation(arrays["correct"], E, batch, window)
	out := make([]int64, batch)
	split := make([]bool, batch)
	trainCount, testCount := make([]int64, E), make([]int64, E)
	for n, g := range grad {
		out[n] = -1
		split[n] = E > 0 && arrays["split"][(E-1)*batch+n] != 0
		if g < 0 {
			continue
		}
		out[n] = epochs[g]
		counts := testCount
		if split[n] {
			counts = trainCount
		}
		for e := g; e < E; e++ {
			counts[e]++
		}
	}
	return map[string]*sdk.Tensor{
		"epochs":                sdk.FromInt64(epochs, E),
		"graduation_epoch":      sdk.FromInt64(out, batch),
		"split":                 sdk.FromBool(split, batch),
		"train_graduated_count": sdk.FromInt64(trainCount, E),
		"test_graduated_count":  sdk.FromInt64(testCount, E),
	}, nil
}

// Graduation returns, for each of the batch columns of correct (laid out
// [E, batch], non-zero = correct), the index of the first checkpoint that
// starts window consecutive correct checkpoints, or -1 if none does (fewer
// than window checkpoints included).
func Graduation(correct []uint8, E, batch, window int) []int {
	grad := make([]int, batch)
	run := make([]int, batch) // current run of correct checkpoints
	for n := range grad {
		grad[n] = -1
	}
	for e := 0; e < E; e++ {
		for n, c := range correct[e*batch : (e+1)*batch] {
			if c == 0 {
				run[n] = 0
				continue
			}
			run[n]++
			if run[n] == window && grad[n] < 0 {
				grad[n] = e - window + 1
			}
		}
	}
	return grad
}
