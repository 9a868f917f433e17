package view

import (
	"fmt"
	"strings"

	"github.com/tdw-workbench/tdw/host/registry"
)

// axisInfo is one axis of an array as drawn: its name, title, unit, and
// the coordinate of each index.
type axisInfo struct {
	name, title, unit string
	start             float64
	labels            []string
	// coords, when set, are the coordinates of the indices (the epochs of
	// a cross-epoch artifact's epoch axis); otherwise start + index.
	coords []float64
	// declared says the axis comes from analyzer.json.
	declared bool
}

// coord returns the coordinate of index i.
func (a axisInfo) coord(i int) float64 {
	if i < len(a.coords) {
		return a.coords[i]
	}
	return a.start + float64(i)
}

// values returns the coordinates of indices 0..n-1.
func (a axisInfo) values(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = a.coord(i)
	}
	return out
}

// axis returns the picture axis over n indices: its title with unit,
// round ticks over its coordinates (integer steps for indices), and the
// tick labels of a categorical axis.
func (a axisInfo) axis(n int) Axis {
	ax := Axis{Title: a.title, Unit: a.unit}
	if a.unit != "" && !strings.Contains(a.title, "("+a.unit+")") {
		ax.Title += " (" + a.unit + ")"
	}
	if len(a.labels) == n && n > 0 {
		ax.Ticks = a.values(n)
		ax.TickLabels = append([]string(nil), a.labels...)
		return ax
	}
	if n == 0 {
		return ax
	}
	ax.Ticks = IntTicks(a.coord(0), a.coord(n-1), TickTarget)
	return ax
}

// axesOf returns the axes of an array of the given shape: from its
// declaration when it names as many axes as the array has, else "axis 0",
// "axis 1", ... An axis named "epoch" whose length matches epochs (a
// cross-epoch artifact's epochs, nil for none) takes them as coordinates.
func axesOf(decl *registry.OutputSpec, shape []int, epochs []float64) []axisInfo {
	out := make([]axisInfo, len(shape))
	declared := decl != nil && len(decl.AxisMeta) == len(shape)
	for i := range shape {
		if declared {
			m := decl.AxisMeta[i]
			out[i] = axisInfo{name: m.Name, title: m.DisplayTitle(), unit: m.Unit, start: m.Start, labels: m.Labels, declared: true}
		} else {
			out[i] = axisInfo{name: fmt.Sprintf("axis%d", i), title: fmt.Sprintf("axis %d", i)}
		}
		if epochs != nil && shape[i] == len(epochs) && (out[i].name == "epoch" || (!declared && i == 0)) {
			out[i].name, out[i].title, out[i].start, out[i].coords = "epoch", "epoch", 0, epochs
		}
	}
	return out
}

// valueTitle returns the title of an array's values: its declared value
// title (with unit), else its name.
func valueTitle(decl *registry.OutputSpec, name string) string {
	if decl == nil || decl.Value == nil || decl.Value.Title == "" {
		return name
	}
	t := decl.Value.Title
	if u := decl.Value.Unit; u != "" && !strings.Contains(t, "("+u+")") {
		t += " (" + u + ")"
	}
	return t
}

// valueMeta returns the declared value metadata, nil when none.
func valueMeta(decl *registry.OutputSpec) *registry.ValueMeta {
	if decl == nil {
		return nil
	}
	return decl.Value
}

// arrayTitle is a picture's title: the declared value title, capitalized,
// and the analyzer and array it is of; without a declared title, the
// analyzer and array alone.
func arrayTitle(analyzer, array string, decl *registry.OutputSpec) string {
	what := analyzer + "/" + array
	if decl == nil || decl.Value == nil || decl.Value.Title == "" {
		return what
	}
	t := decl.Value.Title
	return strings.ToUpper(t[:1]) + t[1:] + " (" + what + ")"
}
