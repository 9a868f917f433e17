package view

// Request is what to draw of one variant.
type Request struct {
	Ref Ref
	// As picks one of the views suggested for the array (a registry
	// ViewKinds entry: "heatmap", "sorted_heatmap", "lines", ...); empty
	// takes the first the analyzer suggests, or the one the array's shape
	// suggests.
	As string
	// Epoch selects the epoch of a per-epoch view, or the epoch marked on
	// a picture over epochs; -1 means the last analyzed epoch for a
	// per-epoch array and no mark otherwise.
	Epoch int
	// Index fixes leading axes of an array of more than two dimensions (or
	// the per-epoch axes of a summary statistic).
	Index []int
	// LogY draws a picture over epochs with a log y axis (values ≤ 0 left
	// out), as losses are drawn.
	LogY bool
	// FixedRange gives a per-epoch picture one colour (or y) range across
	// all its epochs, as a GIF's frames have: pictures of different epochs
	// then compare.
	FixedRange bool
	// ColorRange, when set, puts the colour scale of a picture with one on
	// [lo, hi] (kept symmetric about 0 for a diverging map), its ticks
	// recomputed: pictures of different variants side by side then share
	// one scale, on the page and in their exports.
	ColorRange *[2]float64
}
