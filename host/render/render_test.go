package render

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// cellCentre returns the pixel at the centre of cell (r, c) of a rows×cols
// heatmap.
func cellCentre(r, c, rows, cols int) (int, int) {
	cw, ch := float64(PlotArea.Dx())/float64(cols), float64(PlotArea.Dy())/float64(rows)
	return PlotArea.Min.X + int((float64(c)+0.5)*cw), PlotArea.Min.Y + int((float64(r)+0.5)*ch)
}

func TestHeatmapPixels(t *testing.T) {
	s := Heatmap("t", []float64{0, 1, 2, 3}, 2, 2, "rows", "cols")
	img := Raster(s)
	for _, tc := range []struct {
		r, c int
		want color.RGBA
	}{
		{0, 0, viridis[0]},
		{1, 1, viridis[len(viridis)-1]},
		{0, 1, Colormap(1.0 / 3)},
		{1, 0, Colormap(2.0 / 3)},
	} {
		x, y := cellCentre(tc.r, tc.c, 2, 2)
		if got := img.RGBAAt(x, y); got != tc.want {
			t.Errorf("cell (%d,%d) at pixel (%d,%d) = %v, want %v", tc.r, tc.c, x, y, got, tc.want)
		}
	}
	// The colour bar: maximum at the top, minimum at the bottom.
	if got := img.RGBAAt(colourBarX+colourBarW/2, PlotArea.Min.Y+1); !near(got, viridis[len(viridis)-1], 8) {
		t.Errorf("colour bar top = %v, want about %v", got, viridis[len(viridis)-1])
	}
	if got := img.RGBAAt(colourBarX+colourBarW/2, PlotArea.Max.Y-1); !near(got, viridis[0], 8) {
		t.Errorf("colour bar bottom = %v, want about %v", got, viridis[0])
	}
	// Outside the plot and the labels the background stays white.
	if got := img.RGBAAt(FigureWidth-2, FigureHeight-2); got != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("corner pixel = %v, want white", got)
	}
}

// near reports whether a and b differ by at most tol in each channel.
func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) bool { return math.Abs(float64(x)-float64(y)) <= float64(tol) }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && a.A == b.A
}

func TestHeatmapCellsTile(t *testing.T) {
	// Cells narrower than a pixel or of fractional size must leave no gap.
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{3, 7}, {56, 512}, {113, 113}} {
		rows, cols := sz[0], sz[1]
		vals := make([]float64, rows*cols)
		for i := range vals {
			vals[i] = rng.Float64()
		}
		img := Raster(Heatmap("t", vals, rows, cols, "r", "c"))
		for y := PlotArea.Min.Y; y < PlotArea.Max.Y; y++ {
			for x := PlotArea.Min.X; x < PlotArea.Max.X; x++ {
				if img.RGBAAt(x, y) == (color.RGBA{255, 255, 255, 255}) {
					t.Fatalf("%d×%d heatmap: white pixel at (%d,%d) inside the plot", rows, cols, x, y)
				}
			}
		}
	}
}

func TestColormap(t *testing.T) {
	for _, tc := range []struct {
		t    float64
		want color.RGBA
	}{
		{-1, viridis[0]}, {0, viridis[0]}, {1, viridis[8]}, {2, viridis[8]}, {0.5, viridis[4]}, {math.NaN(), grey},
	} {
		if got := Colormap(tc.t); got != tc.want {
			t.Errorf("Colormap(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
}

// countElements parses an SVG document and counts its elements by name.
func countElements(t *testing.T, doc []byte) map[string]int {
	t.Helper()
	n := map[string]int{}
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatalf("SVG does not parse as XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			n[se.Name.Local]++
		}
	}
}

func TestSVG(t *testing.T) {
	xs := []float64{0, 1, 2, 3}
	for _, tc := range []struct {
		name   string
		scene  *Scene
		rects  int
		paths  int
		golden string
	}{
		// background + 4 cells + the colour bar
		{"heatmap", Heatmap("a <b> & c", []float64{0, 1, 2, 3}, 2, 2, "rows", "cols"), 1 + 4 + colourBarSteps, 0, "heatmap2x2.svg"},
		// background + 3 bars; two axis paths
		{"bars", Bars("bars", []float64{1, -2, 3}, "i"), 1 + 3, 1 + 5, ""},
		// background + 2 legend keys + 2 markers; axes (2), 5 ticks, mark, 2 curves
		{"series", Series("s", xs, []Curve{{Name: "a", Y: []float64{1, 2, 3, 4}, Colour: blue, Markers: []float64{0, 3}},
			{Name: "b", Y: []float64{4, 3, 2, 1}, Colour: green}}, SeriesOptions{XLabel: "x", Mark: 2}), 1 + 2 + 2, 2 + 5 + 1 + 2, ""},
	} {
		var buf bytes.Buffer
		if err := WriteSVG(&buf, tc.scene); err != nil {
			t.Fatal(err)
		}
		n := countElements(t, buf.Bytes())
		if n["svg"] != 1 || n["rect"] != tc.rects || n["path"] != tc.paths {
			t.Errorf("%s: %d svg, %d rect, %d path elements, want 1, %d, %d", tc.name, n["svg"], n["rect"], n["path"], tc.rects, tc.paths)
		}
		if tc.golden == "" {
			continue
		}
		path := filepath.Join("testdata", tc.golden)
		if *update {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s: SVG differs from %s (go test -update rewrites it)", tc.name, path)
		}
	}
}

func TestSeriesLogDropsNonPositive(t *testing.T) {
	s := Series("s", []float64{0, 1, 2, 3}, []Curve{{Name: "a", Y: []float64{1, 0, 10, 100}, Colour: blue}}, SeriesOptions{LogY: true, Mark: math.NaN()})
	var lines int
	for _, sh := range s.Shapes {
		if p, ok := sh.(*Polyline); ok && p.Stroke == blue {
			lines++
			if len(p.Points) != 4 {
				t.Errorf("curve piece has %d points, want the 2 after the zero", len(p.Points)/2)
			}
		}
	}
	if lines != 1 {
		t.Errorf("%d curve pieces, want 1 (a lone point before the zero draws nothing)", lines)
	}
}

func TestPNG(t *testing.T) {
	var buf bytes.Buffer
	if err := WritePNG(&buf, Heatmap("t", []float64{0, 1, 2, 3}, 2, 2, "r", "c")); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != FigureWidth || b.Dy() != FigureHeight {
		t.Errorf("PNG is %v, want %d×%d", b, FigureWidth, FigureHeight)
	}
	x, y := cellCentre(1, 1, 2, 2)
	if got := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA); got != viridis[8] {
		t.Errorf("decoded cell (1,1) = %v, want %v", got, viridis[8])
	}
}

func TestGIF(t *testing.T) {
	for _, tc := range []struct {
		name   string
		frames int
		cells  int // per side: many cells give more than 256 colours
	}{
		{"exact palette", 3, 2},
		{"plan9 palette", 2, 40},
	} {
		rng := rand.New(rand.NewPCG(3, 4))
		var scenes []*Scene
		for i := 0; i < tc.frames; i++ {
			vals := make([]float64, tc.cells*tc.cells)
			for j := range vals {
				vals[j] = rng.Float64()
			}
			scenes = append(scenes, Heatmap("epoch", vals, tc.cells, tc.cells, "r", "c"))
		}
		var buf bytes.Buffer
		if err := WriteGIF(&buf, scenes); err != nil {
			t.Fatal(err)
		}
		g, err := gif.DecodeAll(&buf)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(g.Image) != tc.frames || len(g.Delay) != tc.frames {
			t.Errorf("%s: %d frames, want %d", tc.name, len(g.Image), tc.frames)
		}
		if tc.cells == 2 {
			// With an exact palette the first cell keeps its colour.
			x, y := cellCentre(0, 0, 2, 2)
			want := Raster(scenes[0]).RGBAAt(x, y)
			if got := color.RGBAModel.Convert(g.Image[0].At(x, y)).(color.RGBA); got != want {
				t.Errorf("%s: frame 0 cell (0,0) = %v, want %v", tc.name, got, want)
			}
		}
	}
	if err := WriteGIF(io.Discard, nil); err == nil {
		t.Error("WriteGIF with no frames: no error")
	}
}

func TestParseView(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want View
		bad  bool
	}{
		{in: "loss", want: View{Kind: Loss}},
		{in: "neuron_freq_norm/norm_matrix", want: View{Kind: EpochArray, Analyzer: "neuron_freq_norm", Array: "norm_matrix"}},
		{in: "progress_measures/summary/test_loss", want: View{Kind: Summary, Analyzer: "progress_measures", Array: "test_loss"}},
		{in: "neuron_dynamics/cross/switch_count", want: View{Kind: CrossArray, Analyzer: "neuron_dynamics", Array: "switch_count"}},
		{in: "accuracy", want: View{Kind: Accuracy}},
		{in: "parameter_trajectory/path/all__projections", want: View{Kind: Path, Analyzer: "parameter_trajectory", Array: "all__projections"}},
		{in: "progress_measures/summary/train_loss,test_loss", want: View{Kind: Summary, Analyzer: "progress_measures", Array: "train_loss,test_loss"}},
		{in: "progress_measures/summary/train_loss,../x", bad: true},
		{in: "progress_measures/summary/train_loss,", bad: true},
		{in: "a/b,c", bad: true},
		{in: "a/cross/b,c", bad: true},
		{in: "", bad: true},
		{in: "neuron_freq_norm", bad: true},
		{in: "a/../b", bad: true},
		{in: "a/other/b", bad: true},
		{in: "a/b/c/d", bad: true},
		{in: "a//b", bad: true},
	} {
		got, err := ParseView(tc.in)
		if tc.bad {
			if !errors.Is(err, ErrBadView) {
				t.Errorf("ParseView(%q) = %v, %v; want an ErrBadView", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseView(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if got.String() != tc.in {
			t.Errorf("View(%q).String() = %q", tc.in, got.String())
		}
	}
}

func TestTextGlyphs(t *testing.T) {
	for r, g := range glyphs {
		if len(g) != glyphW*glyphH {
			t.Errorf("glyph %q has %d pixels, want %d", r, len(g), glyphW*glyphH)
		}
	}
	if glyph('a') != glyphs['A'] || glyph('€') != glyphs['?'] {
		t.Error("lower case or unknown runes not mapped")
	}
}
