package render

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"io"
	"runtime"
	"sync"

	"github.com/tdw-workbench/tdw/host/view"
)

// FrameDelay is the time each GIF frame shows, in hundredths of a second.
const FrameDelay = 50

// WriteGIF writes the specs as an animated GIF, one frame each, looping.
// The frames should share one colour scale (view.Builder.Frames gives them
// one). The palette is the colour scale's colours, greys for text and
// the spec colours, each pixel mapped to its nearest. It returns an error
// if there are no specs or one cannot be drawn.
func WriteGIF(w io.Writer, specs []*view.Spec) error {
	if len(specs) == 0 {
		return errors.New("gif: no frames")
	}
	imgs := make([]image.Image, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, s := range specs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			imgs[i], errs[i] = Image(s)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	pal := gifPalette(specs[0])
	g := &gif.GIF{Image: make([]*image.Paletted, len(imgs)), Delay: make([]int, len(imgs))}
	q := newQuantizer(pal)
	for i, img := range imgs {
		g.Image[i] = q.paletted(img)
		g.Delay[i] = FrameDelay
	}
	return gif.EncodeAll(w, g)
}

// gifPalette is the colours a frame of s needs: 160 along its colour
// scale, 64 greys (text, axes, anti-aliasing) and the palette and marker
// colours with lighter tints of them.
func gifPalette(s *view.Spec) color.Palette {
	var pal color.Palette
	if s.Color != nil {
		stops := s.Color.Scale
		if len(stops) < 2 {
			stops = view.Stops(s.Color.Map)
		}
		for i := range 160 {
			pal = append(pal, view.At(stops, float64(i)/159))
		}
	}
	for i := range 64 {
		v := uint8(i * 255 / 63)
		pal = append(pal, color.RGBA{v, v, v, 255})
	}
	named := append(append([]string(nil), view.Palette...), view.EpochColor, view.CheckpointColor, view.GrokkingColor)
	for _, h := range named {
		c := view.ParseHex(h)
		pal = append(pal, c)
		for _, t := range []float64{0.5, 0.75} {
			pal = append(pal, color.RGBA{tint(c.R, t), tint(c.G, t), tint(c.B, t), 255})
		}
		if len(pal) >= 256 {
			break
		}
	}
	return pal[:min(len(pal), 256)]
}

func tint(v uint8, t float64) uint8 { return uint8(float64(v) + (255-float64(v))*t) }

// quantizer maps colours to a palette's nearest, remembering each answer:
// a figure has few distinct colours.
type quantizer struct {
	pal   color.Palette
	cache map[uint32]uint8
}

func newQuantizer(pal color.Palette) *quantizer {
	return &quantizer{pal: pal, cache: map[uint32]uint8{}}
}

// paletted returns img on the palette.
func (q *quantizer) paletted(img image.Image) *image.Paletted {
	b := img.Bounds()
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(b)
		draw.Draw(rgba, b, img, b.Min, draw.Src)
	}
	out := image.NewPaletted(b, q.pal)
	for y := 0; y < b.Dy(); y++ {
		row := rgba.Pix[y*rgba.Stride : y*rgba.Stride+4*b.Dx()]
		dst := out.Pix[y*out.Stride:]
		for x := 0; x < b.Dx(); x++ {
			r, g, bb := row[4*x], row[4*x+1], row[4*x+2]
			key := uint32(r)<<16 | uint32(g)<<8 | uint32(bb)
			k, ok := q.cache[key]
			if !ok {
				k = uint8(q.pal.Index(color.RGBA{r, g, bb, 255}))
				q.cache[key] = k
			}
			dst[x] = k
		}
	}
	return out
}
