package view

import (
	"fmt"
	"math"
	"sort"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
)

// MaxLines is the most lines one picture draws (a line per column).
const MaxLines = 12

// drawing is a selection of an array being laid out in one style.
type drawing struct {
	b     *Builder
	req   Request
	in    arrayInput
	vals  []float64
	shape []int
	axes  []axisInfo
}

// draw lays out the selection in style (which fits its shape).
func (d drawing) draw(style string) (*Spec, error) {
	s := &Spec{Title: arrayTitle(d.in.analyzer, d.in.name, d.in.decl)}
	switch style {
	case "text":
		s.Kind = Text
		s.Text = fmt.Sprintf("%s = %s", d.in.name, FormatValue(d.vals[0]))
	case "grid":
		d.grid(s)
	case "heatmap", "sorted_heatmap":
		d.heatmap(s, style == "sorted_heatmap")
	case "lines", "bars":
		if err := d.lines(s, style == "bars"); err != nil {
			return nil, err
		}
	case "scatter", "path":
		d.scatter(s, style == "path")
	case "scatter3d":
		d.scatter3d(s)
	}
	return s, nil
}

// FormatValue writes a value for a text picture: up to 6 significant
// digits.
func FormatValue(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%.6g", v)
}

// colour returns the colour scale of the selection's values.
func (d drawing) colour() *ColorScale {
	return NewColorScale(d.vals, valueTitle(d.in.decl, d.in.name), valueMeta(d.in.decl))
}

// grid lays out the last axis, n*n long, as an n × n grid over (a, b):
// row a*n+b of the probe is cell (a, b), a up, b across, square.
func (d drawing) grid(s *Spec) {
	n := len(d.vals)
	k := isqrt(n)
	a := axisInfo{name: "a", title: "a"}
	bb := axisInfo{name: "b", title: "b"}
	s.Kind, s.Square = Heatmap, true
	s.X, s.Y = bb.axis(k), a.axis(k)
	s.Grid = &Grid{Rows: k, Cols: k, Z: d.vals, X: bb.values(k), Y: a.values(k)}
	s.Color = d.colour()
}

// heatmap lays out a 2-D selection: rows up the y axis, columns across;
// sorted reorders one axis by where each of its entries peaks along the
// other (the declared sort axis, else the columns).
func (d drawing) heatmap(s *Spec, sorted bool) {
	rows, cols := d.shape[0], d.shape[1]
	ya, xa := d.axes[0], d.axes[1]
	g := &Grid{Rows: rows, Cols: cols, Z: d.vals, X: xa.values(cols), Y: ya.values(rows)}
	s.Kind = Heatmap
	s.X, s.Y = xa.axis(cols), ya.axis(rows)
	if sorted {
		sortAxis := 1
		if d.in.decl != nil {
			for _, h := range d.in.decl.Views {
				if h.Kind == "sorted_heatmap" && h.Sort != "" && h.Sort == ya.name {
					sortAxis = 0
				}
			}
		}
		d.sortGrid(s, g, sortAxis)
	}
	s.Grid = g
	s.Square = rows == cols && rows > 1
	s.Color = d.colour()
}

// sortGrid reorders the columns (axis 1) or rows (axis 0) of g by the
// index of their largest value along the other axis, then by that value,
// largest first: neurons by dominant frequency.
func (d drawing) sortGrid(s *Spec, g *Grid, axis int) {
	rows, cols := g.Rows, g.Cols
	at := func(r, c int) float64 { return g.Z[r*cols+c] }
	n, m := cols, rows
	get := func(i, j int) float64 { return at(j, i) } // entry i of the sorted axis, j along the other
	if axis == 0 {
		n, m = rows, cols
		get = at
	}
	type key struct {
		i, arg int
		max    float64
	}
	keys := make([]key, n)
	for i := range keys {
		k := key{i: i, arg: -1, max: math.Inf(-1)}
		for j := range m {
			if v := get(i, j); v > k.max {
				k.arg, k.max = j, v
			}
		}
		keys[i] = k
	}
	sort.SliceStable(keys, func(x, y int) bool {
		if keys[x].arg != keys[y].arg {
			return keys[x].arg < keys[y].arg
		}
		return keys[x].max > keys[y].max
	})
	order := make([]int, n)
	for i, k := range keys {
		order[i] = k.i
	}
	z := make(Floats, len(g.Z))
	for r := range rows {
		for c := range cols {
			if axis == 1 {
				z[r*cols+c] = at(r, order[c])
			} else {
				z[r*cols+c] = at(order[r], c)
			}
		}
	}
	g.Z = z
	pos := axisInfo{}.values(n)
	sortedBy := d.axes[1-axis].title
	if axis == 1 {
		g.X, g.ColIndex = pos, order
		s.X = Axis{Title: fmt.Sprintf("%s (sorted by dominant %s)", d.axes[1].title, sortedBy), Ticks: IntTicks(0, float64(n-1), TickTarget)}
	} else {
		g.Y, g.RowIndex = pos, order
		s.Y = Axis{Title: fmt.Sprintf("%s (sorted by dominant %s)", d.axes[0].title, sortedBy), Ticks: IntTicks(0, float64(n-1), TickTarget)}
	}
}

// lines lays out a vector as a line (or bars) over its axis, or a 2-D
// selection as a line per column over its rows (at most MaxLines).
func (d drawing) lines(s *Spec, bars bool) error {
	xa := d.axes[0]
	n := d.shape[0]
	s.Kind = Lines
	if bars {
		s.Kind = Bars
	}
	s.X = xa.axis(n)
	xs := xa.values(n)
	meta := valueMeta(d.in.decl)
	s.Y = valueAxis(valueTitle(d.in.decl, d.in.name), d.vals, meta, d.req.LogY)
	if len(d.shape) == 1 {
		s.Series = []Series{{Name: d.in.name, X: xs, Y: d.vals, Color: Palette[0], Mode: lineMode(xa, n)}}
	} else {
		cols := d.shape[1]
		if cols > MaxLines {
			return fmt.Errorf("%w: %d columns (shape %v) are too many lines (at most %d): draw it as a heatmap, or fix an axis with an index", results.ErrSelection, cols, d.shape, MaxLines)
		}
		ca := d.axes[1]
		for c := range cols {
			ys := make([]float64, n)
			for r := range n {
				ys[r] = d.vals[r*cols+c]
			}
			name := fmt.Sprintf("%s %s", ca.title, FormatTick(ca.coord(c)))
			if len(ca.labels) == cols {
				name = ca.labels[c]
			}
			s.Series = append(s.Series, Series{Name: name, X: xs, Y: ys, Color: Palette[c%len(Palette)], Mode: lineMode(xa, n)})
		}
	}
	if xa.name == "epoch" {
		s.Markers = d.b.epochMarkers(d.req.Epoch, false)
	}
	return nil
}

// lineMode draws the points of a short line over epochs as well.
func lineMode(xa axisInfo, n int) string {
	if xa.name == "epoch" && n <= 100 {
		return "lines+markers"
	}
	return "lines"
}

// valueAxis returns the y axis of values: titled, log when asked (or
// declared), its range the declared one when there is one.
func valueAxis(title string, vals []float64, meta *registry.ValueMeta, logY bool) Axis {
	ax := Axis{Title: title}
	if meta != nil && meta.Log {
		logY = true
	}
	if meta != nil && meta.Range != nil {
		r := *meta.Range
		ax.Range = &r
	}
	if logY {
		ax.Log = true
		ax.Title += " (log scale)"
		lo, hi := positiveRange(vals)
		if ax.Range != nil && ax.Range[0] > 0 {
			lo, hi = ax.Range[0], ax.Range[1]
		}
		ax.Ticks = LogTicks(lo, hi)
		return ax
	}
	lo, hi, ok := finiteRange(vals)
	if ax.Range != nil {
		lo, hi, ok = ax.Range[0], ax.Range[1], true
	}
	if ok {
		if lo == hi {
			// One value: an axis around it (and 0), not a degenerate one.
			lo, hi = math.Min(0, lo), math.Max(0, hi)
			if lo == hi {
				hi = 1
			}
			ax.Range = &[2]float64{lo, hi}
		}
		ax.Ticks = Ticks(lo, hi, TickTarget)
	}
	return ax
}

// scatter lays out the first two columns of an (n, k) selection as points
// coloured by their row (path: joined in order, a trajectory over epochs
// with the request's epoch marked).
func (d drawing) scatter(s *Spec, path bool) {
	n, k := d.shape[0], d.shape[1]
	ra, ca := d.axes[0], d.axes[1]
	x, y := column(d.vals, n, k, 0), column(d.vals, n, k, 1)
	c := ra.values(n)
	s.Kind = Scatter
	s.X = pointAxis(ca, 0, x)
	s.Y = pointAxis(ca, 1, y)
	s.Color = NewColorScale(c, ra.title, nil)
	if s.Color.Map == RdBu {
		s.Color = sequential(s.Color)
	}
	mode := "markers"
	if path {
		mode = "lines+markers"
	}
	s.Series = []Series{{Name: d.in.name, X: x, Y: y, C: c, Mode: mode}}
	if path && ra.name == "epoch" {
		d.markPoint(s, x, y, nil, c)
	}
}

// scatter3d lays out the first three columns of an (n, k) selection as
// points in 3-D, joined in order when the rows are epochs.
func (d drawing) scatter3d(s *Spec) {
	n, k := d.shape[0], d.shape[1]
	ra, ca := d.axes[0], d.axes[1]
	x, y, z := column(d.vals, n, k, 0), column(d.vals, n, k, 1), column(d.vals, n, k, 2)
	c := ra.values(n)
	s.Kind = Scatter3D
	s.X, s.Y = pointAxis(ca, 0, x), pointAxis(ca, 1, y)
	za := pointAxis(ca, 2, z)
	s.Z = &za
	s.Color = sequential(NewColorScale(c, ra.title, nil))
	mode := "markers"
	if ra.name == "epoch" {
		mode = "lines+markers"
	}
	s.Series = []Series{{Name: d.in.name, X: x, Y: y, Z: z, C: c, Mode: mode}}
	if ra.name == "epoch" {
		d.markPoint(s, x, y, z, c)
	}
}

// markPoint adds the point of the request's epoch, in the epoch colour,
// to a trajectory whose points are at epochs c.
func (d drawing) markPoint(s *Spec, x, y, z, c []float64) {
	if d.req.Epoch < 0 {
		return
	}
	for i, e := range c {
		if int(e) == d.req.Epoch {
			p := Series{Name: fmt.Sprintf("epoch %d", d.req.Epoch), X: Floats{x[i]}, Y: Floats{y[i]}, Color: EpochColor, Mode: "markers"}
			if z != nil {
				p.Z = Floats{z[i]}
			}
			s.Series = append(s.Series, p)
			return
		}
	}
}

// sequential turns a colour scale sequential over the same values (the
// colours of an index or an epoch, never diverging).
func sequential(c *ColorScale) *ColorScale {
	if c.Map == RdBu {
		lo, hi := c.Min, c.Max
		c = &ColorScale{Map: Viridis, Min: lo, Max: hi, Title: c.Title, Ticks: c.Ticks}
	}
	c.Scale = Stops(c.Map)
	return c
}

// column returns column j of an n × k row-major matrix.
func column(vals []float64, n, k, j int) Floats {
	out := make(Floats, n)
	for i := range n {
		out[i] = vals[i*k+j]
	}
	return out
}

// pointAxis is the axis of column j of a scatter: the column axis's title
// and coordinate ("PC 1"), round ticks over the values.
func pointAxis(ca axisInfo, j int, vals []float64) Axis {
	title := fmt.Sprintf("%s %s", ca.title, FormatTick(ca.coord(j)))
	switch {
	case j < len(ca.labels):
		title = ca.labels[j]
	case !ca.declared:
		title = fmt.Sprintf("column %d", j+1)
	}
	ax := Axis{Title: title}
	if lo, hi, ok := finiteRange(vals); ok {
		ax.Ticks = Ticks(lo, hi, TickTarget)
	}
	return ax
}
