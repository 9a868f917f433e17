package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"image/gif"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/tdw-workbench/tdw/host/view"
)

// gridSpec is a p × p heatmap as the builder makes of an (a, b) array:
// seeded values, viridis over their range, square.
func gridSpec(p int, seed uint64) *view.Spec {
	rng := rand.New(rand.NewPCG(seed, 7))
	z := make(view.Floats, p*p)
	for i := range z {
		z[i] = rng.Float64() * 5
	}
	coords := make(view.Floats, p)
	for i := range coords {
		coords[i] = float64(i)
	}
	ticks := view.IntTicks(0, float64(p-1), view.TickTarget)
	return &view.Spec{Name: "acts/activations", Title: "Activation (acts/activations)", Subtitle: "v · epoch 10 · neuron 3",
		Kind: view.Heatmap, X: view.Axis{Title: "b", Ticks: ticks}, Y: view.Axis{Title: "a", Ticks: ticks},
		Color: view.NewColorScale(z, "activation", nil), Grid: &view.Grid{Rows: p, Cols: p, Z: z, X: coords, Y: coords}, Square: true}
}

// linesSpec is a loss-like picture with markers and a legend of long names.
func linesSpec() *view.Spec {
	xs, a, b := make(view.Floats, 100), make(view.Floats, 100), make(view.Floats, 100)
	for i := range xs {
		xs[i], a[i], b[i] = float64(i), 4*math.Exp(-float64(i)/10), 4*math.Exp(-float64(i)/40)
	}
	return &view.Spec{Name: "loss", Title: "Loss", Kind: view.Lines,
		X: view.Axis{Title: "epoch", Range: &[2]float64{0, 99}, Ticks: view.IntTicks(0, 99, 6)},
		Y: view.Axis{Title: "cross-entropy loss (log scale)", Log: true, Ticks: view.LogTicks(a[99], 4)},
		Series: []view.Series{{Name: "restricted_loss of a long statistic name", X: xs, Y: a, Color: view.TrainColor},
			{Name: "excluded_loss of another long statistic name", X: xs, Y: b, Color: view.TestColor}},
		Markers: []view.Marker{{Kind: "window", X: 10, X2: 30, Label: "plateau", Color: "#fdd0a2"},
			{Kind: "line", X: 50, Label: "grokking (epoch 50)", Color: view.GrokkingColor}, {Kind: "epoch", X: 20, Label: "epoch 20", Color: view.EpochColor}}}
}

// svgText returns the text an SVG document shows.
func svgText(t *testing.T, doc []byte) string {
	t.Helper()
	var b strings.Builder
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return b.String()
		}
		if err != nil {
			t.Fatalf("SVG does not parse: %v", err)
		}
		if cd, ok := tok.(xml.CharData); ok {
			b.Write(cd)
			b.WriteByte('\n')
		}
	}
}

// TestSVGShowsTheSpec: the titles, axis titles, every tick label, the
// colour bar's title and ticks and every legend entry are in the SVG,
// whole.
func TestSVGShowsTheSpec(t *testing.T) {
	for _, s := range []*view.Spec{gridSpec(113, 1), linesSpec()} {
		var buf bytes.Buffer
		if err := Write(&buf, s, "svg"); err != nil {
			t.Fatal(err)
		}
		text := svgText(t, buf.Bytes())
		lines := map[string]bool{}
		for _, l := range strings.Split(text, "\n") {
			lines[l] = true
		}
		want := []string{s.Title, s.Subtitle, s.X.Title, s.Y.Title}
		for _, v := range append(append(view.Floats{}, s.X.Ticks...), s.Y.Ticks...) {
			want = append(want, view.FormatTick(v))
		}
		if s.Color != nil {
			want = append(want, s.Color.Title)
			for _, v := range s.Color.Ticks {
				want = append(want, view.FormatTick(v))
			}
		}
		for _, e := range legendEntries(s) {
			want = append(want, e.text)
		}
		for _, w := range want {
			if w != "" && !lines[w] {
				t.Errorf("%s: the SVG has no text %q", s.Name, w)
			}
		}
	}
}

// TestSquareGridStaysSquare: a square spec's data area is square, in every
// format's geometry.
func TestSquareGridStaysSquare(t *testing.T) {
	s := gridSpec(113, 2)
	w, h := Size(s)
	c := draw.New(vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI)))
	c = drawTitle(c, s)
	main := draw.Crop(c, 0, -colorBarWidth, 0, 0)
	p, err := newPlot(s, s.X, s.Y, DPI)
	if err != nil {
		t.Fatal(err)
	}
	inner := drawPlot(p, main, true)
	da := p.DataCanvas(inner)
	dw, dh := float64(da.Max.X-da.Min.X), float64(da.Max.Y-da.Min.Y)
	if !scalar.EqualWithinAbsOrRel(dw, dh, 0.5, 1e-3) || dw < 200 {
		t.Errorf("data area %.1f x %.1f pt: want square and large", dw, dh)
	}
	img, err := Image(s)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != int(w.Dots(DPI)+0.5) || b.Dy() != int(h.Dots(DPI)+0.5) {
		t.Errorf("PNG is %v, want %v x %v at %d dpi", b, w, h, DPI)
	}
}

// TestCellsAreTheirColours: each cell of a heatmap is drawn in its value's
// colour on the spec's scale, unevenly spaced columns included.
func TestCellsAreTheirColours(t *testing.T) {
	z := view.Floats{0, 1, 2, 3, 4, 5}
	s := &view.Spec{Kind: view.Heatmap, X: view.Axis{Title: "epoch"}, Y: view.Axis{Title: "k"},
		Grid: &view.Grid{Rows: 2, Cols: 3, Z: z, X: view.Floats{0, 10, 100}, Y: view.Floats{1, 2}}, Color: view.NewColorScale(z, "v", nil)}
	p, err := newPlot(s, s.X, s.Y, 72)
	if err != nil {
		t.Fatal(err)
	}
	img := vgimg.NewWith(vgimg.UseWH(4*vg.Inch, 3*vg.Inch), vgimg.UseDPI(72))
	c := draw.New(img)
	p.Draw(c)
	da := p.DataCanvas(c)
	trX, trY := p.Transforms(&da)
	for r, y := range s.Grid.Y {
		for col, x := range s.Grid.X {
			px, py := int(trX(x).Dots(72)), int(float64(img.Image().Bounds().Dy())-trY(y).Dots(72))
			got := img.Image().At(px, py)
			want := s.Color.RGBA(z[r*3+col])
			gr, gg, gb, _ := got.RGBA()
			if d := math.Abs(float64(gr>>8)-float64(want.R)) + math.Abs(float64(gg>>8)-float64(want.G)) + math.Abs(float64(gb>>8)-float64(want.B)); d > 12 {
				t.Errorf("cell (%d, %d) at (%d, %d) is %v, want %v", r, col, px, py, got, want)
			}
		}
	}
}

// TestGIFFramesShareThePalette: a GIF has one frame per spec, on one
// palette that holds the colour scale's ends.
func TestGIFFramesShareThePalette(t *testing.T) {
	frames := []*view.Spec{gridSpec(17, 1), gridSpec(17, 2), gridSpec(17, 3)}
	view.ShareRange(frames)
	var buf bytes.Buffer
	if err := WriteGIF(&buf, frames); err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 3 {
		t.Fatalf("%d frames, want 3", len(g.Image))
	}
	lo, hi := frames[0].Color.RGBA(frames[0].Color.Min), frames[0].Color.RGBA(frames[0].Color.Max)
	for _, want := range []any{lo, hi} {
		found := false
		for _, c := range g.Image[0].Palette {
			if c == want {
				found = true
			}
		}
		if !found {
			t.Errorf("palette lacks the scale's end %v", want)
		}
	}
	if err := WriteGIF(&buf, nil); err == nil {
		t.Error("a GIF of no frames was written")
	}
}

// TestHTMLEmbedsTheSpec: the HTML file inlines the scripts it is handed and
// the very spec, and refuses to be written without them.
func TestHTMLEmbedsTheSpec(t *testing.T) {
	s := linesSpec()
	sc := HTMLScripts{Plotly: []byte("/* fake plotly </b> */"), ViewPlot: []byte("var tdwView = {draw: function () {}};"), License: []byte("MIT, see */ here")}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, s, sc); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{string(sc.Plotly), string(sc.ViewPlot), "tdwView.draw(", "<title>Loss</title>", "MIT, see * / here"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	const open = `<script type="application/json" id="tdw-spec">`
	i := strings.Index(page, open)
	j := strings.Index(page[i:], "</script>")
	var back view.Spec
	if err := json.Unmarshal([]byte(page[i+len(open):i+j]), &back); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(s)
	b, _ := json.Marshal(back)
	if !bytes.Equal(a, b) {
		t.Error("the page's spec differs from the one written")
	}
	if err := WriteHTML(&buf, s, HTMLScripts{Plotly: sc.Plotly}); err != ErrNoPlotly {
		t.Errorf("without the view script: %v, want ErrNoPlotly", err)
	}
}

// TestEveryKindDraws: each kind of spec draws in each format; an unknown
// kind or format is an error.
func TestEveryKindDraws(t *testing.T) {
	pts := view.Floats{0, 1, 2}
	specs := []*view.Spec{
		gridSpec(8, 3), linesSpec(),
		{Name: "b", Kind: view.Bars, Series: []view.Series{{Name: "b", X: pts, Y: view.Floats{1, -2, 3}}}},
		{Name: "s", Kind: view.Scatter, Color: view.NewColorScale(pts, "epoch", nil), Series: []view.Series{{Name: "s", X: pts, Y: pts, C: pts, Mode: "lines+markers"}}},
		{Name: "3", Kind: view.Scatter3D, Z: &view.Axis{Title: "z"}, Color: view.NewColorScale(pts, "epoch", nil), Series: []view.Series{{Name: "3", X: pts, Y: pts, Z: pts, C: pts}}},
		{Name: "t", Kind: view.Text, Text: "x = 1"},
		{Name: "empty log", Kind: view.Lines, Y: view.Axis{Log: true}, Series: []view.Series{{Name: "zeros", X: pts, Y: view.Floats{0, 0, 0}}}},
	}
	for _, s := range specs {
		for _, f := range PictureFormats {
			var buf bytes.Buffer
			if err := Write(&buf, s, f); err != nil {
				t.Errorf("%s as %s: %v", s.Name, f, err)
			}
			if f == "png" {
				if _, err := png.Decode(&buf); err != nil {
					t.Errorf("%s: %v", s.Name, err)
				}
			}
		}
	}
	if err := Write(io.Discard, specs[0], "jpeg"); err == nil {
		t.Error("jpeg was written")
	}
	if err := Write(io.Discard, &view.Spec{Name: "x", Kind: "pie"}, "png"); err == nil {
		t.Error("a spec of kind pie was drawn")
	}
}
