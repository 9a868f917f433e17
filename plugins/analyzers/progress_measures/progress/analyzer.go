package progress

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
	"github.com/tdw-workbench/tdw/sdk/stats"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "progress_measures"
	Version = "0.1.0"
)

// Weight names the analyzer reads besides the sum of squares over all.
const (
	EmbedWeight   = "embed.W_E"
	UnembedWeight = "unembed.W_U"
)

// An architecture "mlp" model (host/model) has no embed.W_E or unembed.W_U:
// its token embedding of a is embed_a.W_E (embedding_sum) or the first p
// rows of blocks.0.mlp.W_in (one_hot_concat: the rows a's one-hot picks),
// and W_out writes the logits, so W_L = W_out.
const (
	EmbedAWeight = "embed_a.W_E"
	InWeight0    = "blocks.0.mlp.W_in"
)

// OutWeight returns the MLP output weight name of layer l.
func OutWeight(l int) string { return fmt.Sprintf("blocks.%d.mlp.W_out", l) }

// Analyzer implements sdk.Analyzer; see the package documentation for what
// it measures.
type Analyzer struct {
	tr       *fourier.Transformer
	layers   int
	labels   []int64
	train    []bool
	nTrain   int
	fixed    []int // key frequencies from the parameter, or nil to discover
	minRatio float64
}

// New returns a progress_measures analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin reads the basis, labels and training mask from the context and the
// key-frequency settings.
func (a *Analyzer) Begin(_ context.Context, run *sdk.Run) error {
	if run.Model.NLayers < 1 {
		return fmt.Errorf("%s: model config n_layers = %d", Name, run.Model.NLayers)
	}
	if run.Model.AttnOnly {
		return fmt.Errorf("%s: the model is attention-only: key frequencies are discovered from MLP neurons", Name)
	}
	tr, err := fourier.FromContext(run.Context)
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	p := tr.P()
	lab, ok := run.Context["labels"]
	if !ok || lab.DType() != sdk.Int64 || lab.Rank() != 1 || lab.Len() != p*p {
		return fmt.Errorf("%s: context %q is %v, want int64 [p² = %d]", Name, "labels", lab, p*p)
	}
	for i, v := range lab.Int64s() {
		if v < 0 || v >= int64(p) {
			return fmt.Errorf("%s: context %q: row %d is %d, outside 0..%d", Name, "labels", i, v, p-1)
		}
	}
	tm, ok := run.Context["train_mask"]
	if !ok || tm.DType() != sdk.Bool || tm.Rank() != 1 || tm.Len() != p*p {
		return fmt.Errorf("%s: context %q is %v, want bool [p² = %d]", Name, "train_mask", tm, p*p)
	}
	a.train = make([]bool, p*p)
	a.nTrain = 0
	for i, v := range tm.Uint8s() {
		a.train[i] = v != 0
		if v != 0 {
			a.nTrain++
		}
	}
	if a.nTrain == 0 || a.nTrain == p*p {
		return fmt.Errorf("%s: context %q selects %d of %d rows: both a train and a test split are needed", Name, "train_mask", a.nTrain, p*p)
	}
	ks, err := run.Settings.String("key_frequencies")
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	if a.fixed, err = ParseFrequencies(ks, fourier.NumFreq(p)); err != nil {
		return fmt.Errorf("%s: parameter %q: %w", Name, "key_frequencies", err)
	}
	if a.minRatio, err = run.Settings.Float("min_share_ratio"); err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	if !(a.minRatio >= 1) {
		return fmt.Errorf("%s: parameter %q is %g, want at least 1 (the uniform share)", Name, "min_share_ratio", a.minRatio)
	}
	a.tr = tr
	a.layers = run.Model.NLayers
	a.labels = lab.Int64s()
	return nil
}

// ParseFrequencies parses a comma-separated list of frequencies in 1..nf
// ("" is none). It rejects anything else, and repeats.
func ParseFrequencies(s string, nf int) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []int
	seen := map[int]bool{}
	for _, f := range strings.Split(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 || k > nf {
			return nil, fmt.Errorf("%q is not a frequency in 1..%d", strings.TrimSpace(f), nf)
		}
		if seen[k] {
			return nil, fmt.Errorf("frequency %d is listed twice", k)
		}
		seen[k] = true
		out = append(out, k)
	}
	return out, nil
}

// Analyze computes the measures for one checkpoint.
func (a *Analyzer) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	if a.tr == nil {
		return nil, fmt.Errorf("%s: Analyze before Begin", Name)
	}
	p := a.tr.P()
	nf := fourier.NumFreq(p)
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: epoch %d: %s", Name, cp.Epoch, fmt.Sprintf(format, args...))
	}

	// Key frequencies from the neurons' frequency-block energies.
	frac, total, _, err := fourier.NeuronFractions(a.tr, cp.Hooks, a.layers)
	if err != nil {
		return nil, fail("%v", err)
	}
	share := EnergyShares(frac, total, nf)
	keys := a.fixed
	if keys == nil {
		keys = DiscoverKeys(share, a.minRatio)
	}
	mask := make([]int64, nf)
	for _, k := range keys {
		mask[k-1] = 1
	}

	// Losses from the logits.
	lg := cp.Logits
	if lg == nil {
		return nil, fail("logits missing")
	}
	if lg.Rank() != 2 || lg.Shape()[0] != p*p || lg.Shape()[1] < p {
		return nil, fail("logits have shape %s, want (p² = %d, d_vocab_out ≥ %d) at the last position", lg.ShapeString(), p*p, p)
	}
	v := lg.Shape()[1]
	logits := lg.AsFloat64()
	m := measures{}
	m.trainLoss, m.trainAcc = CrossEntropy(logits, v, a.labels, a.train, true)
	m.testLoss, m.testAcc = CrossEntropy(logits, v, a.labels, a.train, false)
	restricted, excluded := Decompose(logits, p, v, keys)
	m.restrictedLoss, m.restrictedAcc = CrossEntropy(restricted, v, a.labels, nil, true)
	m.excludedLoss, m.excludedAcc = CrossEntropy(excluded, v, a.labels, a.train, true)

	// Weight measures.
	embedName := embedSource(cp)
	we, err := a.weight(cp, embedName, 2)
	if err != nil {
		return nil, fail("%v", err)
	}
	if we.Shape()[0] < p {
		return nil, fail("weight %s has shape %s, want (d_vocab ≥ %d, d_model)", embedName, we.ShapeString(), p)
	}
	wout, err := a.weight(cp, OutWeight(a.layers-1), 2)
	if err != nil {
		return nil, fail("%v", err)
	}
	var wu *sdk.Tensor
	if _, ok := cp.Weights[UnembedWeight]; ok || cp.Weights[EmbedWeight] != nil {
		if wu, err = a.weight(cp, UnembedWeight, 2); err != nil {
			return nil, fail("%v", err)
		}
	} else { // an MLP: W_out writes the logits, W_L = W_out·I
		id := make([]float64, v*v)
		for i := 0; i < v; i++ {
			id[i*v+i] = 1
		}
		wu = sdk.FromFloat64(id, v, v)
	}
	if wout.Shape()[1] != wu.Shape()[0] || wu.Shape()[1] < p {
		return nil, fail("weights %s %s and %s %s do not compose to (d_mlp, d_vocab_out ≥ %d)", OutWeight(a.layers-1), wout.ShapeString(), UnembedWeight, wu.ShapeString(), p)
	}
	// A diverged checkpoint must give an error naming the weight, not a
	// panic inside the Gini coefficient.
	for _, w := range []struct {
		name string
		t    *sdk.Tensor
	}{{embedName, we}, {OutWeight(a.layers - 1), wout}, {UnembedWeight, wu}} {
		for i, x := range w.t.AsFloat64() {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fail("weight %s holds %v at flat index %d", w.name, x, i)
			}
		}
	}
	normsE := EmbedFourierNorms(a.tr, we.AsFloat64(), we.Shape()[1])
	normsL := UnembedFourierNorms(a.tr, wout.AsFloat64(), wu.AsFloat64(), wout.Shape()[0], wout.Shape()[1], wu.Shape()[1])
	// Sorted names: the same checkpoint always sums in the same order, so the
	// result is reproducible to the last bit.
	var ssq float64
	for _, name := range slices.Sorted(maps.Keys(cp.Weights)) {
		w := cp.Weights[name]
		switch w.DType() {
		case sdk.Float32, sdk.Float64, sdk.Float16, sdk.BFloat16:
		default:
			continue // integer buffers are not weights
		}
		for _, x := range w.AsFloat64() {
			ssq += x * x
		}
	}

	s := func(x float64) *sdk.Tensor { return sdk.Scalar(x) }
	return &sdk.Result{Summary: map[string]*sdk.Tensor{
		"key_frequencies":        sdk.FromInt64(mask, nf),
		"n_key_frequencies":      sdk.FromInt64([]int64{int64(len(keys))}),
		"frequency_energy_share": sdk.FromFloat64(share, nf),
		"restricted_loss":        s(m.restrictedLoss),
		"restricted_accuracy":    s(m.restrictedAcc),
		"excluded_loss":          s(m.excludedLoss),
		"excluded_accuracy":      s(m.excludedAcc),
		"train_loss":             s(m.trainLoss),
		"train_accuracy":         s(m.trainAcc),
		"test_loss":              s(m.testLoss),
		"test_accuracy":          s(m.testAcc),
		"gini_W_E":               s(stats.Gini(normsE)),
		"gini_W_L":               s(stats.Gini(normsL)),
		"fourier_norms_W_E":      sdk.FromFloat64(normsE, p),
		"fourier_norms_W_L":      sdk.FromFloat64(normsL, p),
		"sum_squared_weights":    s(ssq),
	}}, nil
}

type measures struct {
	trainLoss, trainAcc, testLoss, testAcc                   float64
	restrictedLoss, restrictedAcc, excludedLoss, excludedAcc float64
}

// embedSource names the weight whose first p rows embed the token a:
// embed.W_E in a transformer, else an MLP's embed_a.W_E or W_in.
func embedSource(cp *sdk.Checkpoint) string {
	for _, n := range []string{EmbedWeight, EmbedAWeight} {
		if _, ok := cp.Weights[n]; ok {
			return n
		}
	}
	if _, ok := cp.Weights[InWeight0]; ok {
		return InWeight0
	}
	return EmbedWeight
}

// weight returns the named weight, checking its rank.
func (a *Analyzer) weight(cp *sdk.Checkpoint, name string, rank int) (*sdk.Tensor, error) {
	w, ok := cp.Weights[name]
	if !ok {
		return nil, fmt.Errorf("weight %s missing", name)
	}
	if w.Rank() != rank {
		return nil, fmt.Errorf("weight %s has shape %s, want rank %d", name, w.ShapeString(), rank)
	}
	return w, nil
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }
