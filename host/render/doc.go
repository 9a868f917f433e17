// Package render draws view specs (host/view) to files: PNG, SVG and PDF
// with gonum.org/v1/plot, standalone HTML with Plotly.js inline, and
// animated GIFs with one frame per epoch on one colour scale. A file is
// drawn from the same spec the dashboard draws its panel from, so it
// shows the same data, axis titles and colour range.
package render
