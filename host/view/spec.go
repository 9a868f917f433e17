// Package view holds the view spec: one description of a picture (title,
// axes with names and units, scales, colour map and range, series,
// markers, layout), produced once in Go from a variant's artifacts and
// drawn by two renderers that must agree: the dashboard draws it with
// Plotly.js, files (PNG, SVG, PDF, standalone HTML, GIF) are drawn from
// the same spec. A spec carries its data: what a file shows is what its
// panel shows.
//
// The JSON form (what /api/.../view answers and the page reads) is
// documented in docs/formats/view-spec.md.
package view

// Kind says how a spec is drawn.
type Kind string

// The kinds of picture.
const (
	// Lines draws each series as a line over x (curves over epochs, a
	// vector over its index).
	Lines Kind = "lines"
	// Bars draws each series as bars at x.
	Bars Kind = "bars"
	// Scatter draws each series as points; a series with C colours its
	// points by value on the spec's colour scale.
	Scatter Kind = "scatter"
	// Scatter3D draws each series as points (or a path) in x, y, z.
	Scatter3D Kind = "scatter3d"
	// Heatmap draws Grid as cells coloured on the spec's colour scale.
	Heatmap Kind = "heatmap"
	// Text shows Text: a scalar, or a message where there is nothing to
	// draw.
	Text Kind = "text"
)

// Spec is one picture.
type Spec struct {
	// Name is the view's name as the export command and URLs take it,
	// e.g. "loss", "neuron_freq_norm/norm_matrix".
	Name string `json:"name"`
	// Title is the picture's title; Subtitle says what it is of (variant,
	// epoch, index).
	Title    string `json:"title"`
	Subtitle string `json:"subtitle,omitempty"`
	Kind     Kind   `json:"kind"`
	// As is the view of the array drawn (registry.ViewKinds: "heatmap",
	// "sorted_heatmap", "grid", "lines", ...); empty for the training
	// curves and summary statistics.
	As string `json:"as,omitempty"`
	// Epoch is the epoch a per-epoch picture shows, or the epoch marked
	// on a picture over epochs; nil when none.
	Epoch *int `json:"epoch,omitempty"`

	X Axis `json:"x"`
	Y Axis `json:"y"`
	// Z is the third axis of a Scatter3D.
	Z *Axis `json:"z,omitempty"`
	// Color is the colour scale of a Heatmap or of a Scatter whose series
	// carry C; nil otherwise.
	Color *ColorScale `json:"color,omitempty"`

	Series  []Series `json:"series,omitempty"`
	Grid    *Grid    `json:"grid,omitempty"`
	Markers []Marker `json:"markers,omitempty"`
	Text    string   `json:"text,omitempty"`

	// Selectors are the leading axes of the array fixed to draw it (e.g.
	// the neuron of a neurons × a × b array), each with its size and the
	// value drawn, so a page can offer prev/next.
	Selectors []Selector `json:"selectors,omitempty"`
	// Square keeps one unit of x as long as one unit of y, so a p × p grid
	// stays square.
	Square bool `json:"square,omitempty"`
}

// Axis is one axis of a picture.
type Axis struct {
	// Title names the axis with its unit and scale, as drawn, e.g.
	// "epoch", "test loss (log scale)", "frequency k".
	Title string `json:"title"`
	// Unit is the unit alone, when there is one.
	Unit string `json:"unit,omitempty"`
	// Log draws the axis in log scale (non-positive values left out).
	Log bool `json:"log,omitempty"`
	// Range fixes the axis's extent [min, max]; nil lets the renderer fit
	// the data.
	Range *[2]float64 `json:"range,omitempty"`
	// Ticks are round tick positions (1, 2 or 5 times a power of ten
	// apart); TickLabels, when not nil, labels them (one per tick, e.g.
	// "W_E" for a category).
	Ticks      Floats   `json:"ticks,omitempty"`
	TickLabels []string `json:"tick_labels,omitempty"`
}

// ColorScale maps values to colours.
type ColorScale struct {
	// Map is "viridis" (sequential) or "RdBu" (diverging, centred at 0:
	// Min = -Max, blue negative, white 0, red positive).
	Map string `json:"map"`
	// Min and Max are the values at the ends of the scale; one scale
	// across an animation when the builder was asked for it.
	Min float64 `json:"min"`
	Max float64 `json:"max"`
	// Title names the values with their unit, shown on the colour bar.
	Title string `json:"title"`
	// Ticks are round values on the colour bar.
	Ticks Floats `json:"ticks,omitempty"`
	// Scale is the map's colour stops, [position, "#rrggbb"] pairs from
	// Min (0) to Max (1), as Plotly's colorscale takes them: page and files
	// draw the same colours.
	Scale []ColorStop `json:"scale,omitempty"`
}

// Colour maps.
const (
	Viridis = "viridis"
	RdBu    = "RdBu"
)

// Series is one set of points.
type Series struct {
	Name string `json:"name"`
	X    Floats `json:"x"`
	Y    Floats `json:"y"`
	// Z is the third coordinate of a Scatter3D series.
	Z Floats `json:"z,omitempty"`
	// C colours each point on the spec's colour scale (a Scatter or
	// Scatter3D path coloured by epoch).
	C Floats `json:"c,omitempty"`
	// Color is a CSS colour ("#1f77b4"); empty for C-coloured points.
	Color string `json:"color,omitempty"`
	// Dash is "solid" (the default), "dash" or "dot".
	Dash string `json:"dash,omitempty"`
	// Mode is "lines" (the default for Lines), "markers" or
	// "lines+markers".
	Mode string `json:"mode,omitempty"`
}

// Grid is a heatmap's cells: Rows × Cols values, row-major, row 0 drawn
// at the bottom (y = Y[0]); NaN is an empty cell.
type Grid struct {
	Rows int    `json:"rows"`
	Cols int    `json:"cols"`
	Z    Floats `json:"z"`
	// X and Y are the columns' and rows' coordinates (e.g. frequency k =
	// 1..n_freq, neuron 0..d_mlp-1).
	X Floats `json:"x"`
	Y Floats `json:"y"`
	// ColIndex and RowIndex, when set, are the array indices of the
	// columns (rows) of a sorted heatmap, in drawn order: column j shows
	// array entry ColIndex[j] (e.g. the neuron a click selects).
	ColIndex []int `json:"col_index,omitempty"`
	RowIndex []int `json:"row_index,omitempty"`
}

// Marker is a vertical annotation on a picture over x.
type Marker struct {
	// Kind is "epoch" (the current epoch: one per picture), "checkpoint",
	// "window" (a shaded band from X to X2, e.g. a grokking window),
	// "line" (a labelled vertical line, e.g. the grokking epoch).
	Kind  string  `json:"kind"`
	X     float64 `json:"x"`
	X2    float64 `json:"x2,omitempty"`
	Label string  `json:"label,omitempty"`
	Color string  `json:"color,omitempty"`
}

// Selector is one leading axis of an array fixed to draw the spec.
type Selector struct {
	// Axis names the axis ("neuron", "head").
	Axis  string `json:"axis"`
	Size  int    `json:"size"`
	Value int    `json:"value"`
}
