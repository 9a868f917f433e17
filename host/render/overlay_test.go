package render

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

func TestOverlay(t *testing.T) {
	// Curves over different x ranges share the axis: the longer one ends at
	// the plot's right edge, the shorter one halfway.
	long := XYCurve{X: []float64{0, 1, 2, 3, 4}, Y: []float64{1, 2, 3, 4, 5}, Colour: blue, Width: 2}
	short := XYCurve{X: []float64{0, 1, 2}, Y: []float64{5, math.NaN(), 3}, Colour: green, Width: 1, Marker: 4}
	for _, n := range []int{0, 1, 3} {
		var legend []LegendEntry
		for i := range n {
			legend = append(legend, LegendEntry{Colour: palette10[i], Text: "entry"})
		}
		s := Overlay("t", []XYCurve{long, short}, OverlayOptions{XLabel: "epoch", Mark: math.NaN(), Legend: legend})
		wantH := FigureHeight
		if n > 0 {
			wantH = legendTop + n*legendLine + 6
		}
		if s.Height != wantH || s.Width != FigureWidth {
			t.Errorf("%d legend lines: figure %d×%d, want %d×%d", n, s.Width, s.Height, FigureWidth, wantH)
		}
		var lines, markers int
		for _, sh := range s.Shapes {
			p, ok := sh.(*Polyline)
			switch {
			case !ok:
			case p.Stroke == blue && p.Width == 2:
				lines++
				if got := p.Points[len(p.Points)-2]; got != float64(PlotArea.Max.X) {
					t.Errorf("long curve ends at x=%v, want %d", got, PlotArea.Max.X)
				}
			case p.Stroke == green && p.Marker > 0:
				markers += len(p.Points) / 2
			case p.Stroke == green:
				lines++ // a lone point each side of the NaN draws no line
				t.Errorf("short curve drew a line through %v", p.Points)
			}
		}
		if lines != 1 || markers != 2 {
			t.Errorf("%d lines, %d markers; want 1 line and 2 markers (the NaN left out)", lines, markers)
		}
	}
	// A long legend line is cut to the figure.
	s := Overlay("t", nil, OverlayOptions{Mark: math.NaN(), Legend: []LegendEntry{{Colour: blue, Text: string(bytes.Repeat([]byte("x"), 200))}}})
	for _, sh := range s.Shapes {
		if tx, ok := sh.(*Text); ok && len(tx.S) > legendChars {
			t.Errorf("legend text of %d characters, want at most %d", len(tx.S), legendChars)
		}
	}
}

func TestPathPlot(t *testing.T) {
	x, y := []float64{0, 1, 2, 3}, []float64{0, 1, 0, 1}
	for _, cur := range []int{-1, 0, 3, 4} {
		s := PathPlot("p", x, y, cur, "PC1", "PC2")
		var segs []float64
		redMarks := 0
		for _, sh := range s.Shapes {
			p, ok := sh.(*Polyline)
			if !ok {
				continue
			}
			if p.Width == 2 && len(p.Points) == 4 && p.Stroke != red {
				// Segment i is coloured by its time, early to late.
				for i := 1; i < len(x); i++ {
					if p.Stroke == Colormap(float64(i)/3) {
						segs = append(segs, float64(i))
					}
				}
			}
			if p.Stroke == red && p.Marker > 0 {
				redMarks++
			}
		}
		if !slices.Equal(segs, []float64{1, 2, 3}) {
			t.Errorf("current %d: segments by colour %v, want 1, 2, 3", cur, segs)
		}
		if want := map[bool]int{true: 1, false: 0}[cur >= 0 && cur < len(x)]; redMarks != want {
			t.Errorf("current %d: %d red markers, want %d", cur, redMarks, want)
		}
	}
}

func TestDiffering(t *testing.T) {
	v := func(fam string, p sdk.Params) *variant.Variant {
		return &variant.Variant{Family: fam, Name: fam + "_v", Params: p}
	}
	a := v("f", sdk.Params{"seed": 1, "frac": 0.3, "p": 113})
	b := v("f", sdk.Params{"seed": 2, "frac": 0.3, "p": 113})
	c := v("f", sdk.Params{"seed": 1, "frac": 0.5, "p": 113})
	d := v("g", sdk.Params{"seed": 1, "p": 113})
	for _, tc := range []struct {
		name   string
		vs     []*variant.Variant
		diff   []string
		labels []string
	}{
		{"seeds", []*variant.Variant{a, b}, []string{"seed"}, []string{"seed=1", "seed=2"}},
		{"two params", []*variant.Variant{a, b, c}, []string{"frac", "seed"}, []string{"frac=0.3 seed=1", "frac=0.3 seed=2", "frac=0.5 seed=1"}},
		{"families and a missing param", []*variant.Variant{a, d}, []string{"family", "frac"}, []string{"family=f frac=0.3", "family=g frac unset"}},
		{"one", []*variant.Variant{a}, nil, []string{"f_v"}},
	} {
		if got := Differing(tc.vs); !slices.Equal(got, tc.diff) {
			t.Errorf("%s: Differing = %v, want %v", tc.name, got, tc.diff)
		}
		if got := DifferenceLabels(tc.vs); !slices.Equal(got, tc.labels) {
			t.Errorf("%s: DifferenceLabels = %q, want %q", tc.name, got, tc.labels)
		}
	}
}

// BenchmarkOverlay times a comparison picture: laying out variants × 2
// curves of n epochs each (a loss comparison) and writing it as PNG and
// SVG, over a grid of variant counts and run lengths.
func BenchmarkOverlay(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, nv := range []int{2, MaxCompare} {
		for _, n := range []int{1000, 25000} {
			var curves []XYCurve
			var legend []LegendEntry
			for v := range nv {
				for _, w := range []float64{1, 2} {
					c := XYCurve{X: epochAxis(n), Y: make([]float64, n), Colour: ComparePalette[v], Width: w}
					for i := range c.Y {
						c.Y[i] = math.Exp(-float64(i)/float64(n)*10) * (1 + 0.1*rng.Float64())
					}
					curves = append(curves, c)
				}
				legend = append(legend, LegendEntry{Colour: ComparePalette[v], Text: "seed=1 grokking epoch 8250"})
			}
			name := fmt.Sprintf("variants=%d/epochs=%d", nv, n)
			b.Run(name+"/layout", func(b *testing.B) {
				var s *Scene
				for b.Loop() {
					s = Overlay("bench", curves, OverlayOptions{LogY: true, Mark: math.NaN(), Legend: legend})
				}
				// The share of the points that thinColumns keeps.
				kept := 0
				for _, sh := range s.Shapes {
					if p, ok := sh.(*Polyline); ok && p.Width > 0 && len(p.Points) > 8 {
						kept += len(p.Points) / 2
					}
				}
				b.ReportMetric(float64(kept)/float64(2*nv*n), "kept/points")
			})
			s := Overlay("bench", curves, OverlayOptions{LogY: true, Mark: math.NaN(), Legend: legend})
			b.Run(name+"/png", func(b *testing.B) {
				for b.Loop() {
					if err := WritePNG(discard{}, s); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(name+"/svg", func(b *testing.B) {
				for b.Loop() {
					if err := WriteSVG(discard{}, s); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func TestThinColumns(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 20 * PlotArea.Dx()
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range xs {
		xs[i] = float64(i)
		ys[i] = 1 + 0.01*rng.Float64()
	}
	ys[n/3], ys[2*n/3] = 100, 0.001 // a spike each way
	s := Overlay("t", []XYCurve{{X: xs, Y: ys, Colour: blue, Width: 1}}, OverlayOptions{LogY: true, Mark: math.NaN()})
	var line *Polyline
	for _, sh := range s.Shapes {
		if p, ok := sh.(*Polyline); ok && p.Stroke == blue {
			line = p
		}
	}
	if line == nil {
		t.Fatal("no line drawn")
	}
	cols := map[float64]int{}
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for i := 0; i < len(line.Points); i += 2 {
		if i >= 2 && line.Points[i] < line.Points[i-2] {
			t.Fatalf("thinned line goes back at point %d", i/2)
		}
		cols[math.Floor(line.Points[i])]++
		ymin, ymax = math.Min(ymin, line.Points[i+1]), math.Max(ymax, line.Points[i+1])
	}
	for c, k := range cols {
		if k > 4 {
			t.Errorf("column %v keeps %d points, want at most 4", c, k)
		}
	}
	if len(line.Points)/2 >= n/2 {
		t.Errorf("%d of %d points kept", len(line.Points)/2, n)
	}
	// Both spikes survive: they span the whole plot height.
	if ymin != float64(PlotArea.Min.Y) || ymax != float64(PlotArea.Max.Y) {
		t.Errorf("thinned line spans y %v..%v, want the spikes at %d and %d", ymin, ymax, PlotArea.Min.Y, PlotArea.Max.Y)
	}
	// A path that goes back in x is drawn whole.
	px := make([]float64, n)
	for i := range px {
		px[i] = float64(i % 100)
	}
	s = Overlay("t", []XYCurve{{X: px, Y: ys, Colour: green, Width: 1}}, OverlayOptions{Mark: math.NaN()})
	for _, sh := range s.Shapes {
		if p, ok := sh.(*Polyline); ok && p.Stroke == green && len(p.Points) != 2*n {
			t.Errorf("a path going back in x kept %d of %d points", len(p.Points)/2, n)
		}
	}
}
