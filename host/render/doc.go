// Package render draws a view of a variant's artifacts (training losses, a
// per-epoch array, a summary series, a cross-epoch array) as PNG, SVG or an
// animated GIF with one frame per analyzed epoch.
//
// A view is first laid out as a Scene of rectangles, polylines and text in
// pixel coordinates; the same Scene is then rasterized (PNG, GIF) or written
// as SVG, so the formats cannot disagree. Only the standard library is used:
// text is drawn with a built-in 3×5 bitmap font. View names are documented in
// docs/dashboard.md, section "Export".
package render
