// Command views measures picture exports, in one invocation: one PNG of a
// p = 113 heatmap (goal < 0.3 s) and a 27-frame GIF of a 113 × 113 grid
// (goal < 3 s), each from the view spec through the file renderer, against
// a baseline in the same process: encoding figure-sized images with the
// standard library alone (png.Encode of one, gif.EncodeAll of 27), which
// no export can beat. It prints the median of -n runs of each and the
// ratios.
//
// With an analyzed variant under -results (bench/catalog leaves one), the
// pictures are of its neuron_activations/activations (113 × 113 per
// neuron) read through the builder, as tdw-host export draws them;
// without one, of seeded synthetic 113 × 113 grids (the builder's part is
// then left out, and the output says so).
//
// Usage: go run ./bench/views [-results DIR] [-variant NAME] [-n 5]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color/palette"
	"image/gif"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/render"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/host/view"
)

const family = "modulo_addition_1layer"

func main() {
	results := flag.String("results", "bench/.results", "results folder holding an analyzed variant")
	name := flag.String("variant", family+"_p113_seed999_dseed598_frac0.5", "an analyzed variant of "+family)
	analyzers := flag.String("analyzers", "analyzers", "analyzers folder (axis names and views)")
	n := flag.Int("n", 5, "runs of each measurement (the median is printed)")
	flag.Parse()

	png1, frames, source := pictures(*results, *name, *analyzers)
	fmt.Printf("pictures: %s\n", source)
	w, h := figurePixels(png1)

	basePNG := median(*n, func() error { return png.Encode(io.Discard, blank(w, h)) })
	exportPNG := median(*n, func() error { return png1.write(io.Discard) })
	baseGIF := median(*n, func() error { return blankGIF(io.Discard, w, h, 27) })
	exportGIF := median(*n, func() error { return frames.write(io.Discard) })

	fmt.Printf("%-44s %9s %9s %7s %s\n", "measurement", "seconds", "baseline", "ratio", "goal")
	row("PNG of a 113 x 113 heatmap", exportPNG, basePNG, 0.3)
	row(fmt.Sprintf("GIF of %d frames of a 113 x 113 grid", frames.count), exportGIF, baseGIF, 3)
	fmt.Printf("baseline: png.Encode of one blank %d x %d image; gif.EncodeAll of 27 such frames\n", w, h)
}

// picture is one export to time.
type picture struct {
	spec  *view.Spec
	build func() (*view.Spec, error) // nil: spec is fixed
}

func (p picture) write(w io.Writer) error {
	s := p.spec
	if p.build != nil {
		var err error
		if s, err = p.build(); err != nil {
			return err
		}
	}
	return render.Write(w, s, "png")
}

// animation is a GIF export to time.
type animation struct {
	count int
	specs []*view.Spec
	build func() ([]*view.Spec, error)
}

func (a animation) write(w io.Writer) error {
	specs := a.specs
	if a.build != nil {
		var err error
		if specs, err = a.build(); err != nil {
			return err
		}
	}
	return render.WriteGIF(w, specs)
}

// pictures are the exports to time: of the analyzed variant when there is
// one, else synthetic.
func pictures(results, name, analyzersDir string) (picture, animation, string) {
	v, err := variant.Open(results, family, name)
	if err == nil {
		reg := registry.NewAnalyzerRegistry()
		var ms view.Manifests
		if _, err := reg.Discover(analyzersDir); err == nil {
			ms = reg
		}
		req := view.Request{Ref: view.Ref{Kind: view.EpochArray, Analyzer: "neuron_activations", Array: "activations"}, Index: []int{0}, Epoch: -1}
		if s, err := view.NewBuilder(v, ms).Build(req); err == nil && s.Grid != nil && s.Grid.Rows == 113 {
			eps, _ := view.NewBuilder(v, ms).Epochs(req.Ref)
			return picture{build: func() (*view.Spec, error) { return view.NewBuilder(v, ms).Build(req) }},
				animation{count: len(eps), build: func() ([]*view.Spec, error) { return view.NewBuilder(v, ms).Frames(req) }},
				fmt.Sprintf("%s neuron_activations/activations, neuron 0, read and built each time", filepath.Join(results, family, name))
		}
	}
	frames := make([]*view.Spec, 27)
	for i := range frames {
		frames[i] = synthetic(uint64(i))
	}
	view.ShareRange(frames)
	return picture{spec: synthetic(99)}, animation{count: 27, specs: frames},
		"synthetic seeded 113 x 113 grids (no analyzed variant under " + results + ": the builder's reading is not timed)"
}

// synthetic is a 113 × 113 heatmap spec of seeded values.
func synthetic(seed uint64) *view.Spec {
	rng := rand.New(rand.NewPCG(seed, 113))
	z := make(view.Floats, 113*113)
	for i := range z {
		z[i] = rng.Float64() * float64(seed+1)
	}
	coords := make(view.Floats, 113)
	for i := range coords {
		coords[i] = float64(i)
	}
	ticks := view.IntTicks(0, 112, view.TickTarget)
	return &view.Spec{Name: "synthetic", Title: "Synthetic 113 x 113 grid", Kind: view.Heatmap, Square: true,
		X: view.Axis{Title: "b", Ticks: ticks}, Y: view.Axis{Title: "a", Ticks: ticks},
		Grid: &view.Grid{Rows: 113, Cols: 113, Z: z, X: coords, Y: coords}, Color: view.NewColorScale(z, "activation", nil)}
}

// figurePixels is the size of the picture's PNG.
func figurePixels(p picture) (int, int) {
	var buf bytes.Buffer
	if err := p.write(&buf); err != nil {
		fail(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		fail(err)
	}
	return img.Bounds().Dx(), img.Bounds().Dy()
}

func blank(w, h int) image.Image { return image.NewRGBA(image.Rect(0, 0, w, h)) }

func blankGIF(out io.Writer, w, h, n int) error {
	g := &gif.GIF{}
	for range n {
		g.Image = append(g.Image, image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9))
		g.Delay = append(g.Delay, render.FrameDelay)
	}
	return gif.EncodeAll(out, g)
}

// median runs f n times and returns the median wall time in seconds.
func median(n int, f func() error) float64 {
	ts := make([]float64, 0, n)
	for range max(1, n) {
		t0 := time.Now()
		if err := f(); err != nil {
			fail(err)
		}
		ts = append(ts, time.Since(t0).Seconds())
	}
	slices.Sort(ts)
	return ts[len(ts)/2]
}

func row(what string, s, base, goal float64) {
	verdict := "met"
	if s >= goal {
		verdict = "MISSED"
	}
	fmt.Printf("%-44s %9.3f %9.3f %6.1fx < %g s %s\n", what, s, base, s/base, goal, verdict)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "views:", err)
	os.Exit(1)
}
