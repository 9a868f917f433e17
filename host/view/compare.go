package view

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
)

// MaxCompare is the most variants a comparison overlays: beyond a dozen,
// colours and legend lines stop telling them apart.
const MaxCompare = 12

// ComparePalette gives each compared variant its colour, in order; the
// dashboard uses the same colours. Red is left out: it marks the current
// epoch.
var ComparePalette = [MaxCompare]string{
	"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#17becf", "#e377c2",
	"#8c564b", "#bcbd22", "#000080", "#008080", "#800000", "#5a5a5a",
}

// Comparison overlays the same view of several variants, one colour per
// variant, each named by the parameters that differ between them and its
// grokking epoch. Create it with NewComparison.
type Comparison struct {
	variants []*variant.Variant
	meta     []*variant.Metadata
	labels   []string
}

// NewComparison returns the comparison of vs; mds[i], when mds is not nil
// and mds[i] is not, is vs[i]'s metadata read earlier (else it is read).
// It returns an error if there are no variants, more than MaxCompare, the
// same variant twice, or a variant's metadata cannot be read (naming the
// variant).
func NewComparison(vs []*variant.Variant, mds []*variant.Metadata) (*Comparison, error) {
	if mds != nil && len(mds) != len(vs) {
		return nil, fmt.Errorf("%d metadata for %d variants", len(mds), len(vs))
	}
	if len(vs) == 0 {
		return nil, errors.New("a comparison needs at least one variant")
	}
	if len(vs) > MaxCompare {
		return nil, fmt.Errorf("%d variants: a comparison overlays at most %d", len(vs), MaxCompare)
	}
	c := &Comparison{variants: vs}
	seen := map[string]bool{}
	for i, v := range vs {
		key := v.Family + "/" + v.Name
		if seen[key] {
			return nil, fmt.Errorf("variant %s is named twice", key)
		}
		seen[key] = true
		if mds != nil && mds[i] != nil {
			c.meta = append(c.meta, mds[i])
			continue
		}
		md, err := v.Metadata()
		if err != nil {
			return nil, fmt.Errorf("variant %s: %w", key, err)
		}
		c.meta = append(c.meta, md)
	}
	c.labels = DifferenceLabels(vs)
	return c, nil
}

// Differing returns the sorted names of the parameters whose values are
// not the same across the variants (a parameter missing from some counts as
// differing), with "family" first when the families differ.
func Differing(vs []*variant.Variant) []string {
	var out []string
	fams := map[string]bool{}
	keys := map[string]bool{}
	for _, v := range vs {
		fams[v.Family] = true
		for k := range v.Params {
			keys[k] = true
		}
	}
	for k := range keys {
		first, firstOK := "", false
		for i, v := range vs {
			val, ok := v.Params[k]
			s := fmt.Sprint(val)
			if i == 0 {
				first, firstOK = s, ok
				continue
			}
			if ok != firstOK || s != first {
				out = append(out, k)
				break
			}
		}
	}
	sort.Strings(out)
	if len(fams) > 1 {
		out = append([]string{"family"}, out...)
	}
	return out
}

// DifferenceLabels names each variant by the parameters that differ
// between them ("seed=1 train_fraction=0.3"); a variant with nothing
// differing (a comparison of one) is named by its variant name.
func DifferenceLabels(vs []*variant.Variant) []string {
	diff := Differing(vs)
	out := make([]string, len(vs))
	for i, v := range vs {
		parts := make([]string, 0, len(diff))
		for _, k := range diff {
			if k == "family" {
				parts = append(parts, "family="+v.Family)
				continue
			}
			if val, ok := v.Params[k]; ok {
				parts = append(parts, fmt.Sprintf("%s=%v", k, val))
			} else {
				parts = append(parts, k+" unset")
			}
		}
		out[i] = strings.Join(parts, " ")
		if out[i] == "" {
			out[i] = v.Name
		}
	}
	return out
}

// Labels returns each variant's label (DifferenceLabels), in order.
func (c *Comparison) Labels() []string { return c.labels }

// legend returns variant i's series name: its label, grokking epoch and
// variant name.
func (c *Comparison) legend(i int) string {
	g := "no grokking"
	if e := c.meta[i].GrokkingEpoch(); e >= 0 {
		g = fmt.Sprintf("grokking epoch %d", e)
	}
	s := c.labels[i] + " · " + g
	if c.labels[i] != c.variants[i].Name {
		s += " · " + c.variants[i].Name
	}
	return s
}

// Build builds the spec of the request's view of every variant in one
// picture:
//   - loss: test loss (solid) and train loss (dashed) over epochs, log y;
//   - accuracy: test accuracy over epochs (line) and train accuracy at
//     checkpoints (points);
//   - ANALYZER/summary/NAME: the statistic over epochs, req.Index picking
//     one value per epoch of a vector statistic, req.LogY for a log axis;
//     a variant without it is named in the subtitle as not analyzed, and
//     it is a results.ErrNotFound when no variant has it.
//
// req.Epoch, when ≥ 0, is marked. Other views are an ErrBadView.
func (c *Comparison) Build(req Request) (*Spec, error) {
	s := &Spec{Name: req.Ref.String(), Kind: Lines, Epoch: intPtr(req.Epoch), X: Axis{Title: "epoch"}}
	var missing []string
	var all []float64
	last := 0.0
	for i, md := range c.meta {
		col := ComparePalette[i]
		name := c.legend(i)
		switch req.Ref.Kind {
		case Loss:
			if len(md.TrainLosses) == 0 {
				missing = append(missing, c.labels[i]+" (not trained)")
				continue
			}
			tx, ty := perEpochThenFinal(md, md.TestLosses, func(r variant.CheckpointRecord) float64 { return r.TestLoss })
			rx, ry := perEpochThenFinal(md, md.TrainLosses, func(r variant.CheckpointRecord) float64 { return r.TrainLoss })
			s.Series = append(s.Series, Series{Name: name + " · test", X: tx, Y: ty, Color: col},
				Series{Name: name + " · train", X: rx, Y: ry, Color: col, Dash: "dash"})
			all = append(append(all, ty...), ry...)
		case Accuracy:
			if len(md.TestAccuracies) == 0 && len(md.Checkpoints) == 0 {
				missing = append(missing, c.labels[i]+" (not trained)")
				continue
			}
			tx, ty := perEpochThenFinal(md, md.TestAccuracies, func(r variant.CheckpointRecord) float64 { return r.TestAccuracy })
			var rx, ry []float64
			for _, ck := range md.Checkpoints {
				rx, ry = append(rx, float64(ck.Epoch)), append(ry, ck.TrainAccuracy)
			}
			s.Series = append(s.Series, Series{Name: name + " · test", X: tx, Y: ty, Color: col},
				Series{Name: name + " · train (checkpoints)", X: rx, Y: ry, Color: col, Mode: "markers"})
		case Summary:
			if len(req.Ref.Names()) != 1 {
				return nil, fmt.Errorf("%w %s: a comparison draws one summary statistic", ErrBadView, req.Ref)
			}
			xs, ys, err := VariantSeries(c.variants[i], req.Ref.Analyzer, req.Ref.Array, req.Index)
			switch {
			case errors.Is(err, results.ErrNotFound):
				missing = append(missing, c.labels[i]+" (not analyzed)")
				continue
			case err != nil:
				return nil, fmt.Errorf("variant %s: %w", c.variants[i].Name, err)
			}
			s.Series = append(s.Series, Series{Name: name, X: xs, Y: ys, Color: col, Mode: "lines+markers"})
			all = append(all, ys...)
		default:
			return nil, fmt.Errorf("%w %s: a comparison draws loss, accuracy or ANALYZER/summary/NAME", ErrBadView, req.Ref)
		}
		last = math.Max(last, float64(lastEpoch(md.EpochsCompleted, md.CheckpointEpochs)))
	}
	if req.Ref.Kind == Summary && len(s.Series) == 0 {
		return nil, fmt.Errorf("no variant of the comparison has summary statistic %s/%s: %w", req.Ref.Analyzer, req.Ref.Array, results.ErrNotFound)
	}
	c.axes(s, req, all, last)
	s.Subtitle = c.subtitle(missing)
	if req.Epoch >= 0 {
		s.Markers = []Marker{{Kind: "epoch", X: float64(req.Epoch), Label: fmt.Sprintf("epoch %d", req.Epoch), Color: EpochColor}}
	}
	return s, nil
}

// axes titles a comparison's picture and sets its axes.
func (c *Comparison) axes(s *Spec, req Request, all []float64, last float64) {
	s.X.Range, s.X.Ticks = &[2]float64{0, last}, IntTicks(0, last, TickTarget)
	switch req.Ref.Kind {
	case Loss:
		s.Title = fmt.Sprintf("Loss of %d variants (solid: test, dashed: train)", len(c.variants))
		lo, hi := positiveRange(all)
		s.Y = Axis{Title: "cross-entropy loss (log scale)", Log: true, Ticks: LogTicks(lo, hi)}
	case Accuracy:
		s.Title = fmt.Sprintf("Accuracy of %d variants (line: test, points: train at checkpoints)", len(c.variants))
		s.Y = Axis{Title: "accuracy", Range: &[2]float64{0, 1}, Ticks: Ticks(0, 1, 5)}
	default:
		what := req.Ref.String()
		if len(req.Index) > 0 {
			what += " index " + indexString(req.Index)
		}
		s.Title = fmt.Sprintf("%s of %d variants", what, len(c.variants))
		s.Y = valueAxis(req.Ref.Array, all, nil, req.LogY)
	}
}

// subtitle names the parameters the legend tells apart and the variants
// left out.
func (c *Comparison) subtitle(missing []string) string {
	var parts []string
	if d := Differing(c.variants); len(d) > 0 {
		parts = append(parts, "differing: "+strings.Join(d, ", "))
	}
	if len(missing) > 0 {
		parts = append(parts, "not drawn: "+strings.Join(missing, ", "))
	}
	return strings.Join(parts, " · ")
}

// VariantSeries reads one summary statistic of a variant as a scalar per
// epoch (results.Reader.Series). It is a results.ErrNotFound when the
// variant has no analysis, no artifacts of the analyzer, or no such
// statistic.
func VariantSeries(v *variant.Variant, analyzer, name string, index []int) (epochs, vals []float64, err error) {
	rd, err := results.For(v).Reader()
	if err != nil {
		return nil, nil, err
	}
	return rd.Series(analyzer, name, index)
}
