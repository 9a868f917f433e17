package render

import (
	"image/color"
	"math"
)

// viridis holds nine evenly spaced stops of matplotlib's viridis map, the
// dashboard's heatmap colours; Colormap interpolates between them.
var viridis = [...]color.RGBA{
	{68, 1, 84, 255}, {71, 44, 122, 255}, {59, 81, 139, 255}, {44, 113, 142, 255}, {33, 144, 141, 255},
	{39, 173, 129, 255}, {92, 200, 99, 255}, {170, 220, 50, 255}, {253, 231, 37, 255},
}

// Colormap returns the viridis colour of t in [0, 1]; t is clamped, and NaN
// gives grey.
func Colormap(t float64) color.RGBA {
	if math.IsNaN(t) {
		return grey
	}
	t = math.Max(0, math.Min(1, t))
	f := t * float64(len(viridis)-1)
	i := int(f)
	if i >= len(viridis)-1 {
		return viridis[len(viridis)-1]
	}
	a, b, u := viridis[i], viridis[i+1], f-float64(i)
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + u*(float64(y)-float64(x)))) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}
}
