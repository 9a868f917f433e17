package view

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
)

// Entry is one view a variant has, as the pages assemble them.
type Entry struct {
	// Name and As are what the view endpoint and export take (name=, as=).
	Name string `json:"name"`
	As   string `json:"as,omitempty"`
	// Analyzer is the analyzer whose artifact it draws; empty for the
	// training curves.
	Analyzer string `json:"analyzer,omitempty"`
	// Source is "training", "epoch" (a per-epoch artifact), "summary" or
	// "cross".
	Source string `json:"source"`
	Kind   Kind   `json:"kind"`
	Title  string `json:"title"`
	// Suggested is true for a view analyzer.json suggests (and the
	// training curves); false for the generic, shape-driven fallback.
	Suggested bool `json:"suggested"`
	// PerEpoch is true when the picture changes with the epoch (a
	// per-epoch array); the others mark it.
	PerEpoch bool `json:"per_epoch"`
	// Shape is the array's shape (a per-epoch array's at its last epoch; a
	// summary statistic's with the epochs first).
	Shape []int `json:"shape,omitempty"`
	// Selectors are the leading axes the view fixes (value 0 by default).
	Selectors   []Selector `json:"selectors,omitempty"`
	Description string     `json:"description,omitempty"`
}

// List returns the views the variant has: the training curves, then for
// each analyzer with artifacts (sorted), its per-epoch arrays, summary
// statistics and cross-epoch arrays, each in every view analyzer.json
// suggests for it that fits its shape (Suggested), or in the one its shape
// suggests. A variant not analyzed lists the training curves alone.
func (b *Builder) List() ([]Entry, error) {
	var out []Entry
	if md, err := b.metadata(); err == nil && len(md.TrainLosses) > 0 {
		out = append(out,
			Entry{Name: "loss", Source: "training", Kind: Lines, Title: "Loss", Suggested: true},
			Entry{Name: "accuracy", Source: "training", Kind: Lines, Title: "Accuracy", Suggested: true})
	}
	rd, err := b.reader()
	if err != nil {
		if errors.Is(err, results.ErrNotFound) {
			return out, nil
		}
		return nil, err
	}
	for _, name := range rd.ListAvailable() {
		rec, err := rd.Record(name)
		if err != nil {
			return nil, err
		}
		if eps := rec.CompletedEpochs(); len(eps) > 0 {
			out = append(out, b.fileEntries(rd, name, "epoch", eps[len(eps)-1])...)
			out = append(out, b.fileEntries(rd, name, "summary", -1)...)
		}
		if rec.Cross != nil {
			out = append(out, b.fileEntries(rd, name, "cross", -1)...)
		}
	}
	return out, nil
}

// fileEntries lists the views of the arrays of one artifact: an epoch's,
// the summary or the cross-epoch one. An artifact that cannot be opened
// lists nothing (its views would fail the same way).
func (b *Builder) fileEntries(rd *results.Reader, analyzer, source string, epoch int) []Entry {
	var f *results.File
	var err error
	switch source {
	case "epoch":
		f, err = rd.OpenEpoch(analyzer, epoch)
	case "summary":
		f, err = rd.OpenSummary(analyzer)
	default:
		f, err = rd.OpenCross(analyzer)
	}
	if err != nil {
		return nil
	}
	defer f.Close()
	names := f.Names()
	var epochs []float64
	if source != "epoch" && slices.Contains(names, "epochs") {
		if _, sh, err := f.Info("epochs"); err == nil && len(sh) == 1 {
			epochs = make([]float64, sh[0])
		}
	}
	var out []Entry
	for _, n := range names {
		if source != "epoch" && n == "epochs" {
			continue
		}
		_, shape, err := f.Info(n)
		if err != nil {
			continue
		}
		decl := b.declared(analyzer, n, source == "summary")
		out = append(out, entries(analyzer, n, source, shape, decl, epochs)...)
	}
	return out
}

// entries returns the views of one array.
func entries(analyzer, array, source string, shape []int, decl *registry.OutputSpec, epochs []float64) []Entry {
	base := Entry{Analyzer: analyzer, Source: source, Title: arrayTitle(analyzer, array, decl), PerEpoch: source == "epoch", Shape: shape}
	if decl != nil {
		base.Description = decl.Description
	}
	switch source {
	case "epoch":
		base.Name = analyzer + "/" + array
	case "summary":
		base.Name = analyzer + "/summary/" + array
		per := len(shape) - 1
		e := base
		e.As = summaryStyle(decl, per, shape[len(shape)-1])
		e.Kind = pictureKind(e.As)
		e.Suggested = decl != nil && len(decl.Views) > 0
		for i := 0; i < per-1; i++ {
			e.Selectors = append(e.Selectors, Selector{Axis: axisName(decl, i), Size: shape[1+i]})
		}
		return []Entry{e}
	default:
		base.Name = analyzer + "/cross/" + array
	}
	axes := axesOf(decl, shape, epochs)
	var styles []string
	suggested := false
	if decl != nil {
		for _, h := range decl.Views {
			if fits(h.Kind, shape) == "" && !slices.Contains(styles, h.Kind) {
				styles = append(styles, h.Kind)
				suggested = true
			}
		}
	}
	if len(styles) == 0 {
		styles = []string{defaultStyle(shape, axes)}
	}
	out := make([]Entry, 0, len(styles))
	for _, st := range styles {
		e := base
		e.As, e.Kind, e.Suggested = st, pictureKind(st), suggested
		lead := len(shape) - drawRank(st, len(shape))
		for i := range lead {
			e.Selectors = append(e.Selectors, Selector{Axis: axes[i].name, Size: shape[i]})
		}
		out = append(out, e)
	}
	return out
}

// axisName names per-epoch axis i of a summary statistic.
func axisName(decl *registry.OutputSpec, i int) string {
	if decl != nil && i < len(decl.AxisMeta) {
		return decl.AxisMeta[i].Name
	}
	return fmt.Sprintf("axis%d", i)
}

// pictureKind is the kind of picture a view style draws.
func pictureKind(style string) Kind {
	switch style {
	case "heatmap", "sorted_heatmap", "grid":
		return Heatmap
	case "lines":
		return Lines
	case "bars":
		return Bars
	case "scatter", "path":
		return Scatter
	case "scatter3d":
		return Scatter3D
	}
	return Text
}
