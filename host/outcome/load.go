package outcome

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"

	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// The analyzers a summary reads, and how.
const (
	neuronDynamics  = "neuron_dynamics"          // cross-epoch
	effectiveDim    = "effective_dimensionality" // summary
	reprGeometry    = "repr_geometry"            // summary
	transientFreq   = "transient_frequency"      // cross-epoch, optional
	kindCross       = "cross_epoch"
	kindSummary     = "summary"
	prWIn, prWOut   = "pr_blocks.0.mlp.W_in", "pr_blocks.0.mlp.W_out"
	prWE            = "pr_embed.W_E"
	circularityName = "resid_post_circularity"
	fisherMeanName  = "resid_post_fisher_mean"
)

// sourceOf is what a summary reads of one analyzer.
type sourceOf struct {
	analyzer, kind, section string
}

var sourcesRead = []sourceOf{
	{neuronDynamics, kindCross, SectionNeurons},
	{effectiveDim, kindSummary, SectionDimensionality},
	{reprGeometry, kindSummary, SectionGeometry},
	{transientFreq, kindCross, SectionTransient},
}

// plan is what a summary of a variant would read: the training record,
// the manifest (nil when never analyzed) and the key of both.
type plan struct {
	md  *variant.Metadata
	rd  *results.Reader
	key string
	// missing holds, per section, why its source cannot be read, as the
	// manifest says.
	missing map[string]string
}

// newPlan reads the variant's metadata.json and manifest and computes the
// key of everything a summary under s reads: the metadata file's hash, the
// settings, and each source's version, settings and epochs (for a
// cross-epoch artifact, its own inputs key).
func newPlan(v *variant.Variant, s Settings) (*plan, error) {
	md, err := v.Metadata()
	if err != nil {
		return nil, err
	}
	sum, err := checkpoint.FileSHA256(v.MetadataPath())
	if err != nil {
		return nil, err
	}
	p := &plan{md: md, missing: map[string]string{}}
	h := sha256.New()
	sb, _ := json.Marshal(s)
	fmt.Fprintf(h, "variant_summary %d method %d\nmetadata %s\nsettings %s\n", Format, Method, sum, sb)
	rd, err := results.For(v).Reader()
	switch {
	case errors.Is(err, results.ErrNotFound):
		for _, src := range sourcesRead {
			p.missing[src.section] = "the variant has no analysis yet (" + err.Error() + ")"
		}
	case err != nil:
		return nil, err
	default:
		p.rd = rd
		for _, src := range sourcesRead {
			p.keySource(h, src)
		}
	}
	p.key = hex.EncodeToString(h.Sum(nil)[:12])
	return p, nil
}

// keySource adds one source's record to the key, or records why it is
// missing.
func (p *plan) keySource(h hash.Hash, src sourceOf) {
	rec, err := p.rd.Record(src.analyzer)
	if err != nil {
		p.missing[src.section] = fmt.Sprintf("analyzer %s has not run on this variant", src.analyzer)
		fmt.Fprintf(h, "%s absent\n", src.analyzer)
		return
	}
	fmt.Fprintf(h, "%s %s %s %s", src.analyzer, src.kind, rec.Version, rec.SettingsKey)
	defer h.Write([]byte("\n"))
	if src.kind == kindCross {
		if rec.Cross == nil {
			why := fmt.Sprintf("analyzer %s has no cross-epoch artifact", src.analyzer)
			if e, ok := rec.Errors[-1]; ok {
				why += ": " + e
			}
			p.missing[src.section] = why
			fmt.Fprint(h, " none")
			return
		}
		fmt.Fprintf(h, " %s", rec.Cross.InputsKey)
		return
	}
	eps := rec.CompletedEpochs()
	if len(eps) == 0 {
		p.missing[src.section] = fmt.Sprintf("analyzer %s has no completed epoch", src.analyzer)
	}
	for _, e := range eps {
		er := rec.Epochs[e]
		fmt.Fprintf(h, " %d:%s:%s", e, er.CheckpointSHA256, er.SHA256)
	}
}

// Key returns the key of a summary of v under s, as Load would compute it,
// reading only metadata.json and the manifest.
func Key(v *variant.Variant, s Settings) (string, error) {
	p, err := newPlan(v, s)
	if err != nil {
		return "", err
	}
	return p.key, nil
}

// Load gathers the inputs of a summary of v under s through host/results,
// and their key. An artifact that is missing or cannot be read leaves its
// section nil, with the reason in Inputs.Missing; only an unreadable
// metadata.json or manifest is an error.
func Load(v *variant.Variant, s Settings) (*Inputs, string, error) {
	p, err := newPlan(v, s)
	if err != nil {
		return nil, "", err
	}
	in := p.training(v)
	in.Missing, in.Sources = p.missing, map[string]Source{}
	if p.rd == nil {
		return in, p.key, nil
	}
	for _, src := range sourcesRead {
		if _, gone := in.Missing[src.section]; gone {
			continue
		}
		if err := p.read(in, src); err != nil {
			in.Missing[src.section] = err.Error()
			continue
		}
		rec, _ := p.rd.Record(src.analyzer)
		in.Sources[src.analyzer] = Source{Kind: src.kind, Version: rec.Version, Settings: rec.Settings, Epochs: sourceEpochs(in, src.section)}
	}
	return in, p.key, nil
}

// training fills the training record: per-epoch losses and accuracies,
// with the final checkpoint's appended when it is the model after the
// last recorded epoch.
func (p *plan) training(v *variant.Variant) *Inputs {
	md := p.md
	in := &Inputs{Family: v.Family, Variant: v.Name, Params: md.Params, NumEpochs: md.NumEpochs,
		TrainLoss: append([]float64(nil), md.TrainLosses...), TestLoss: append([]float64(nil), md.TestLosses...),
		TestAccuracy: append([]float64(nil), md.TestAccuracies...), Checkpoints: append([]int(nil), md.CheckpointEpochs...)}
	if n := len(md.Checkpoints); n > 0 && md.Checkpoints[n-1].Epoch == len(in.TrainLoss) && len(in.TrainLoss) == len(in.TestLoss) {
		last := md.Checkpoints[n-1]
		in.TrainLoss, in.TestLoss = append(in.TrainLoss, last.TrainLoss), append(in.TestLoss, last.TestLoss)
		if len(in.TestAccuracy) > 0 {
			in.TestAccuracy = append(in.TestAccuracy, last.TestAccuracy)
		}
	}
	return in
}

func sourceEpochs(in *Inputs, section string) int {
	switch section {
	case SectionNeurons:
		return len(in.Neurons.Epochs)
	case SectionDimensionality:
		return len(in.Dimensionality.Epochs)
	case SectionGeometry:
		return len(in.Geometry.Epochs)
	}
	return 0
}

// read loads one source into its section.
func (p *plan) read(in *Inputs, src sourceOf) error {
	switch src.section {
	case SectionNeurons:
		n, err := p.neurons()
		in.Neurons = n
		return err
	case SectionDimensionality:
		d := &DimensionalitySeries{}
		var err error
		if d.Epochs, d.WIn, err = p.series(effectiveDim, prWIn); err != nil {
			return err
		}
		if _, d.WOut, err = p.series(effectiveDim, prWOut); err != nil {
			return err
		}
		if _, we, err := p.series(effectiveDim, prWE); err == nil {
			d.WE = we
		}
		in.Dimensionality = d
	case SectionGeometry:
		g := &GeometrySeries{}
		var err error
		if g.Epochs, g.Circularity, err = p.series(reprGeometry, circularityName); err != nil {
			return err
		}
		if _, g.FisherMean, err = p.series(reprGeometry, fisherMeanName); err != nil {
			return err
		}
		in.Geometry = g
	case SectionTransient:
		t, err := p.transient()
		in.Transient = t
		return err
	}
	return nil
}

// series reads one scalar summary statistic over epochs.
func (p *plan) series(analyzer, name string) ([]int, []float64, error) {
	eps, vals, err := p.rd.Series(analyzer, name, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("analyzer %s: %w", analyzer, err)
	}
	if len(eps) == 0 {
		return nil, nil, fmt.Errorf("analyzer %s: summary %s has no epochs", analyzer, name)
	}
	out := make([]int, len(eps))
	for i, e := range eps {
		out[i] = int(e)
	}
	return out, vals, nil
}

// neurons reads neuron_dynamics' epochs, dominant_frequency and
// dominant_fraction.
func (p *plan) neurons() (*NeuronSeries, error) {
	arr, err := p.rd.CrossEpoch(neuronDynamics)
	if err != nil {
		return nil, err
	}
	ep, dom, frac := arr["epochs"], arr["dominant_frequency"], arr["dominant_fraction"]
	if ep == nil || dom == nil || frac == nil {
		return nil, fmt.Errorf("analyzer %s: cross_epoch.npz lacks epochs, dominant_frequency or dominant_fraction", neuronDynamics)
	}
	e := ep.Len()
	if e == 0 || dom.Rank() != 2 || dom.Shape()[0] != e || frac.Rank() != 2 || frac.Shape()[0] != e || frac.Shape()[1] != dom.Shape()[1] {
		return nil, fmt.Errorf("analyzer %s: dominant_frequency %v and dominant_fraction %v do not fit %d epochs", neuronDynamics, dom.Shape(), frac.Shape(), e)
	}
	n := &NeuronSeries{Neurons: dom.Shape()[1], Epochs: ints(ep), Dominant: ints(dom), Fraction: frac.AsFloat64()}
	return n, nil
}

// transient reads transient_frequency's per-frequency record.
func (p *plan) transient() (*TransientData, error) {
	arr, err := p.rd.CrossEpoch(transientFreq)
	if err != nil {
		return nil, err
	}
	fr, fin, home := arr["ever_qualified_freqs"], arr["is_final"], arr["homeless_count"]
	if fr == nil || fin == nil || home == nil {
		return nil, fmt.Errorf("analyzer %s: cross_epoch.npz lacks ever_qualified_freqs, is_final or homeless_count", transientFreq)
	}
	if fin.Len() != fr.Len() || home.Len() != fr.Len() {
		return nil, fmt.Errorf("analyzer %s: ever_qualified_freqs %v, is_final %v and homeless_count %v differ in length", transientFreq, fr.Shape(), fin.Shape(), home.Shape())
	}
	t := &TransientData{Frequencies: ints(fr), Homeless: ints(home)}
	for _, x := range fin.AsFloat64() {
		t.IsFinal = append(t.IsFinal, x != 0)
	}
	return t, nil
}

func ints(t *sdk.Tensor) []int {
	vals := t.AsFloat64()
	out := make([]int, len(vals))
	for i, x := range vals {
		out[i] = int(x)
	}
	return out
}
