package render

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/tdw-workbench/tdw/host/view"
)

// setAxis gives a plot axis the spec axis's title, scale and round ticks,
// and its range when the spec fixes one.
func setAxis(a *plot.Axis, s view.Axis) {
	a.Label.Text = s.Title
	// Only the fonts change: gonum's styles align the labels.
	a.Label.TextStyle.Font = face(labelSize)
	a.Label.Padding = vg.Points(4)
	a.Tick.Label.Font = face(tickSize)
	a.Tick.Length = vg.Points(4)
	a.Padding = vg.Points(2)
	if s.Log {
		a.Scale = plot.LogScale{}
	}
	if s.Range != nil {
		a.Min, a.Max = s.Range[0], s.Range[1]
	}
	a.Tick.Marker = specTicks(s)
}

// specTicks returns the spec's ticks, labelled by its tick labels or by
// their round value, for gonum's ticker; an axis without ticks gets
// gonum's.
func specTicks(s view.Axis) plot.Ticker {
	if len(s.Ticks) == 0 {
		if s.Log {
			return plot.LogTicks{}
		}
		return plot.DefaultTicks{}
	}
	ts := make(plot.ConstantTicks, 0, len(s.Ticks))
	for i, v := range s.Ticks {
		if math.IsNaN(v) || (s.Log && v <= 0) {
			continue
		}
		label := view.FormatTick(v)
		if i < len(s.TickLabels) {
			label = s.TickLabels[i]
		}
		ts = append(ts, plot.Tick{Value: v, Label: label})
	}
	return ts
}

// fitLog keeps a log axis's range positive and finite: gonum's log scale
// cannot draw 0 or less (an axis with no positive data gets 0.1 to 10).
func fitLog(a *plot.Axis) {
	if _, ok := a.Scale.(plot.LogScale); !ok {
		return
	}
	if math.IsInf(a.Max, 0) || math.IsNaN(a.Max) || !(a.Max > 0) {
		a.Min, a.Max = 0.1, 10
	}
	if math.IsInf(a.Min, 0) || math.IsNaN(a.Min) || !(a.Min > 0) {
		a.Min = a.Max / 1e6
	}
	if !(a.Max > a.Min) {
		a.Min, a.Max = a.Max/10, a.Max*10
	}
}
