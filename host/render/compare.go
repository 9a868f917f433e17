package render

import (
	"errors"
	"fmt"
	"image/color"
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
// dashboard uses the same colours.
// Red is left out: it marks the current epoch.
var ComparePalette = [MaxCompare]color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {148, 103, 189, 255},
	{23, 190, 207, 255}, {227, 119, 194, 255}, {140, 86, 75, 255}, {188, 189, 34, 255},
	{0, 0, 128, 255}, {0, 128, 128, 255}, {128, 0, 0, 255}, {90, 90, 90, 255},
}

// Comparison overlays the same view of several variants, one colour per
// variant, with a legend naming each variant by the parameters that differ
// between them and its grokking epoch. Create it with NewComparison.
type Comparison struct {
	variants []*variant.Variant
	meta     []*variant.Metadata
	labels   []string
}

// NewComparison reads the variants' metadata. It returns an error if there
// are none, more than MaxCompare, the same variant twice, or a variant's
// metadata cannot be read (naming the variant).
func NewComparison(vs []*variant.Variant) (*Comparison, error) {
	return NewComparisonOf(vs, nil)
}

// NewComparisonOf is NewComparison with the variants' metadata already
// read (mds[i] of vs[i]; nil reads it), for a caller that keeps it.
func NewComparisonOf(vs []*variant.Variant, mds []*variant.Metadata) (*Comparison, error) {
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
	for _, v := range vs {
		key := v.Family + "/" + v.Name
		if seen[key] {
			return nil, fmt.Errorf("variant %s is named twice", key)
		}
		seen[key] = true
		if mds != nil && mds[len(c.meta)] != nil {
			c.meta = append(c.meta, mds[len(c.meta)])
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

// GrokkingEpochs returns each variant's grokking epoch (the first epoch
// whose test accuracy exceeds variant.GrokkingAccuracy), -1 for none.
func (c *Comparison) GrokkingEpochs() []int {
	out := make([]int, len(c.meta))
	for i, md := range c.meta {
		out[i] = md.GrokkingEpoch()
	}
	return out
}

// legend returns variant i's legend line: its label, grokking epoch and
// name (cut to the figure's width by Overlay).
func (c *Comparison) legend(i int) string {
	g := "no grokking"
	if e := c.meta[i].GrokkingEpoch(); e >= 0 {
		g = fmt.Sprintf("grokking epoch %d", e)
	}
	s := c.labels[i] + "  " + g
	if c.labels[i] != c.variants[i].Name {
		s += "  " + c.variants[i].Name
	}
	return s
}

// title is a comparison's figure title: what is drawn, and the parameters
// the legend tells apart.
func (c *Comparison) title(what string) string {
	t := fmt.Sprintf("%d variants: %s", len(c.variants), what)
	if d := Differing(c.variants); len(d) > 0 {
		t += "\ndiffering: " + strings.Join(d, ", ")
	}
	return t
}

// Render lays out the request's view of every variant in one plot:
//   - loss: test loss (thick) and train loss (thin) over epochs, log y;
//   - accuracy: test accuracy over epochs (line) and train accuracy at
//     checkpoints (markers);
//   - ANALYZER/summary/NAME: the statistic over epochs, req.Index picking
//     one value per epoch of a vector statistic, req.LogY for a log axis;
//     a variant without it is listed in the legend as not analyzed, and it
//     is a results.ErrNotFound when no variant has it.
//
// req.Epoch, when ≥ 0, is marked. Other views are an ErrBadView.
func (c *Comparison) Render(req Request) (*Scene, error) {
	var curves []XYCurve
	var legend []LegendEntry
	mark := math.NaN()
	if req.Epoch >= 0 {
		mark = float64(req.Epoch)
	}
	opts := OverlayOptions{XLabel: "epoch", Mark: mark}
	var what string
	switch req.View.Kind {
	case Loss:
		what, opts.LogY = "loss (thick: test, thin: train)", true
		for i, md := range c.meta {
			col := ComparePalette[i]
			if len(md.TrainLosses) == 0 {
				legend = append(legend, LegendEntry{Colour: grey, Text: c.labels[i] + "  not trained  " + c.variants[i].Name})
				continue
			}
			curves = append(curves, XYCurve{X: epochAxis(len(md.TrainLosses)), Y: md.TrainLosses, Colour: col, Width: 1},
				XYCurve{X: epochAxis(len(md.TestLosses)), Y: md.TestLosses, Colour: col, Width: 2})
			legend = append(legend, LegendEntry{Colour: col, Text: c.legend(i)})
		}
	case Accuracy:
		what = "accuracy (line: test, squares: train at checkpoints)"
		for i, md := range c.meta {
			col := ComparePalette[i]
			if len(md.TestAccuracies) == 0 && len(md.Checkpoints) == 0 {
				legend = append(legend, LegendEntry{Colour: grey, Text: c.labels[i] + "  not trained  " + c.variants[i].Name})
				continue
			}
			train := XYCurve{Colour: col, Marker: 5}
			for _, ck := range md.Checkpoints {
				train.X, train.Y = append(train.X, float64(ck.Epoch)), append(train.Y, ck.TrainAccuracy)
			}
			curves = append(curves, XYCurve{X: epochAxis(len(md.TestAccuracies)), Y: md.TestAccuracies, Colour: col, Width: 2}, train)
			legend = append(legend, LegendEntry{Colour: col, Text: c.legend(i)})
		}
	case Summary:
		if len(req.View.Names()) != 1 {
			return nil, fmt.Errorf("%w %s: a comparison draws one summary series", ErrBadView, req.View)
		}
		what, opts.LogY = req.View.String(), req.LogY
		if len(req.Index) > 0 {
			what += fmt.Sprintf(" index %s", strings.Trim(strings.ReplaceAll(fmt.Sprint(req.Index), " ", ","), "[]"))
		}
		found := 0
		for i, v := range c.variants {
			col := ComparePalette[i]
			xs, ys, err := VariantSeries(v, req.View.Analyzer, req.View.Array, req.Index)
			switch {
			case errors.Is(err, results.ErrNotFound):
				legend = append(legend, LegendEntry{Colour: grey, Text: c.labels[i] + "  not analyzed  " + v.Name})
				continue
			case err != nil:
				return nil, fmt.Errorf("variant %s: %w", v.Name, err)
			}
			found++
			curves = append(curves, XYCurve{X: xs, Y: ys, Colour: col, Width: 2, Marker: 4})
			legend = append(legend, LegendEntry{Colour: col, Text: c.legend(i)})
		}
		if found == 0 {
			return nil, fmt.Errorf("no variant of the comparison has summary series %s/%s: %w", req.View.Analyzer, req.View.Array, results.ErrNotFound)
		}
	default:
		return nil, fmt.Errorf("%w %s: a comparison draws loss, accuracy or ANALYZER/summary/NAME", ErrBadView, req.View)
	}
	return Overlay(c.title(what), curves, OverlayOptions{XLabel: opts.XLabel, LogY: opts.LogY, Mark: opts.Mark, Legend: legend}), nil
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

// epochAxis returns 0, 1, ..., n-1: the epochs of metadata.json's
// per-epoch records.
func epochAxis(n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(i)
	}
	return xs
}

// CompareFileName is the default file name of a comparison's picture:
// "compare_", the variant names (the first and a count past three), the
// view with slashes as dashes, the marked epoch when one was given, and
// the format.
func CompareFileName(vs []*variant.Variant, view View, epoch int, format string) string {
	names := make([]string, 0, 4)
	for i, v := range vs {
		if len(vs) > 3 && i == 1 {
			names = append(names, fmt.Sprintf("and_%d_more", len(vs)-1))
			break
		}
		names = append(names, v.Name)
	}
	return FileName("compare_"+strings.Join(names, "_"), view, epoch, format)
}
