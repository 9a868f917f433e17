// Package inputtrace is the input_trace analyzer: for every probe input, the
// model's prediction, whether it is correct and how confident the model is,
// with per-label accuracy on the train and test splits in the summary. For
// modular addition a label is a residue class (a + b) mod p.
package inputtrace

import (
	"context"
	"fmt"
	"math"

	"github.com/tdw-workbench/tdw/sdk"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "input_trace"
	Version = "0.1.0"
)

// Analyzer implements sdk.Analyzer. It reads last-position logits [B, V] and
// the context's labels (int64 [B]) and train_mask (bool [B]).
type Analyzer struct {
	labels []int64
	train  []bool
}

// New returns an input_trace analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin reads labels and the train split from the run's context.
func (a *Analyzer) Begin(_ context.Context, run *sdk.Run) error {
	lt, ok := run.Context["labels"]
	if !ok {
		return fmt.Errorf("%s: context has no labels", Name)
	}
	if lt.DType() != sdk.Int64 || lt.Rank() != 1 {
		return fmt.Errorf("%s: context labels is %s, want int64 [batch]", Name, lt)
	}
	mt, ok := run.Context["train_mask"]
	if !ok {
		return fmt.Errorf("%s: context has no train_mask", Name)
	}
	if mt.DType() != sdk.Bool || mt.Rank() != 1 || mt.Len() != lt.Len() {
		return fmt.Errorf("%s: context train_mask is %s, want bool %s like labels", Name, mt, lt.ShapeString())
	}
	a.labels = append(a.labels[:0], lt.Int64s()...)
	for i, l := range a.labels {
		if l < 0 {
			return fmt.Errorf("%s: context labels[%d] = %d is negative", Name, i, l)
		}
	}
	a.train = a.train[:0]
	for _, b := range mt.Uint8s() {
		a.train = append(a.train, b != 0)
	}
	return nil
}

// Analyze writes predictions (int32 [B], argmax of the logits, lowest index on
// ties), correct (bool [B]), confidence (float16 [B], softmax probability of
// the prediction) and split (bool [B], true for train inputs); the summary
// holds train_/test_residue_class_accuracy (float64 [V], NaN for a label with
// no inputs in that split) and train_/test_overall_accuracy (scalars).
func (a *Analyzer) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	if a.labels == nil {
		return nil, fmt.Errorf("%s: Analyze before Begin", Name)
	}
	lg := cp.Logits
	if lg == nil {
		return nil, fmt.Errorf("%s: epoch %d: no logits received", Name, cp.Epoch)
	}
	if lg.Rank() != 2 || lg.Shape()[0] != len(a.labels) {
		return nil, fmt.Errorf("%s: epoch %d: logits are %s, want last-position [%d, d_vocab_out]", Name, cp.Epoch, lg.ShapeString(), len(a.labels))
	}
	batch, vocab := lg.Shape()[0], lg.Shape()[1]
	if vocab == 0 {
		return nil, fmt.Errorf("%s: epoch %d: logits have no classes", Name, cp.Epoch)
	}
	logits := lg.AsFloat32()
	pred := make([]int32, batch)
	correct := make([]bool, batch)
	conf := make([]uint16, batch)
	// Per label: [train correct, train total, test correct, test total].
	counts := make([][4]int, vocab)
	var trainOK, trainN, testOK, testN int
	for i := 0; i < batch; i++ {
		row := logits[i*vocab : (i+1)*vocab]
		best := 0
		for j, v := range row {
			if math.IsNaN(float64(v)) {
				return nil, fmt.Errorf("%s: epoch %d: logits[%d, %d] is NaN", Name, cp.Epoch, i, j)
			}
			if v > row[best] {
				best = j
			}
		}
		// Softmax probability of the argmax: 1 / Σ exp(l_j - l_max),
		// in float64 so that a confident model does not round to 1 early.
		var z float64
		top := float64(row[best])
		for _, v := range row {
			z += math.Exp(float64(v) - top)
		}
		pred[i] = int32(best)
		conf[i] = sdk.Float32ToFloat16(float32(1 / z))
		label := a.labels[i]
		if label >= int64(vocab) {
			return nil, fmt.Errorf("%s: epoch %d: label %d of input %d is outside the %d logit classes", Name, cp.Epoch, label, i, vocab)
		}
		ok := int64(best) == label
		correct[i] = ok
		c := &counts[label]
		hit := 0
		if ok {
			hit = 1
		}
		if a.train[i] {
			c[0] += hit
			c[1]++
			trainOK += hit
			trainN++
		} else {
			c[2] += hit
			c[3]++
			testOK += hit
			testN++
		}
	}
	trainAcc, testAcc := make([]float64, vocab), make([]float64, vocab)
	for l, c := range counts {
		trainAcc[l] = ratio(c[0], c[1])
		testAcc[l] = ratio(c[2], c[3])
	}
	confT := sdk.NewTensor(sdk.Float16, batch)
	copy(confT.Float16Bits(), conf)
	return &sdk.Result{
		Arrays: map[string]*sdk.Tensor{
			"predictions": sdk.FromInt32(pred, batch),
			"correct":     sdk.FromBool(correct, batch),
			"confidence":  confT,
			"split":       sdk.FromBool(a.train, batch),
		},
		Summary: map[string]*sdk.Tensor{
			"train_residue_class_accuracy": sdk.FromFloat64(trainAcc, vocab),
			"test_residue_class_accuracy":  sdk.FromFloat64(testAcc, vocab),
			"train_overall_accuracy":       sdk.Scalar(ratio(trainOK, trainN)),
			"test_overall_accuracy":        sdk.Scalar(ratio(testOK, testN)),
		},
	}, nil
}

// ratio is k/n, NaN when there is nothing to count.
func ratio(k, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	return float64(k) / float64(n)
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }
