package render

import (
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"io"
)

// FrameDelay is the time each GIF frame shows, in hundredths of a second.
const FrameDelay = 50

// WriteGIF writes the scenes as an animated GIF, one frame each, looping.
// The palette is the frames' own colours when they hold at most 256, and
// otherwise the Plan 9 palette with each pixel mapped to its nearest colour.
// It returns an error if there are no scenes.
func WriteGIF(w io.Writer, scenes []*Scene) error {
	if len(scenes) == 0 {
		return errors.New("gif: no frames")
	}
	imgs := make([]*image.RGBA, len(scenes))
	seen := map[color.RGBA]bool{}
	for i, s := range scenes {
		imgs[i] = Raster(s)
		addColours(imgs[i], seen, 257)
	}
	var pal color.Palette
	if len(seen) <= 256 {
		pal = make(color.Palette, 0, len(seen))
		for c := range seen {
			pal = append(pal, c)
		}
	} else {
		pal = palette.Plan9
	}
	g := &gif.GIF{}
	cache := map[color.RGBA]uint8{}
	for _, img := range imgs {
		g.Image = append(g.Image, quantize(img, pal, cache))
		g.Delay = append(g.Delay, FrameDelay)
	}
	return gif.EncodeAll(w, g)
}

// addColours adds img's distinct colours to seen, stopping once seen holds
// limit of them.
func addColours(img *image.RGBA, seen map[color.RGBA]bool, limit int) {
	for i := 0; i+3 < len(img.Pix) && len(seen) < limit; i += 4 {
		seen[color.RGBA{img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3]}] = true
	}
}

// quantize maps img onto pal, each pixel to its nearest colour. A figure has
// few distinct colours, so the nearest-colour search, a scan of the palette,
// is cached per colour.
func quantize(img *image.RGBA, pal color.Palette, cache map[color.RGBA]uint8) *image.Paletted {
	p := image.NewPaletted(img.Bounds(), pal)
	for i, j := 0, 0; i+3 < len(img.Pix); i, j = i+4, j+1 {
		c := color.RGBA{img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3]}
		k, ok := cache[c]
		if !ok {
			k = uint8(pal.Index(c))
			cache[c] = k
		}
		p.Pix[j] = k
	}
	return p
}
