package render

import (
	"errors"
	"fmt"
	"image/color"
	"testing"

	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/sdk"
)

func TestArraySceneIndex(t *testing.T) {
	// Two 2×2 blocks in opposite orders: the index picks which is drawn.
	ts := sdk.FromFloat32([]float32{0, 1, 2, 3, 3, 2, 1, 0}, 2, 2, 2)
	for _, tc := range []struct {
		index      []int
		topLeft    color4
		wantErr    bool
		bottomLeft color4
	}{
		{index: []int{0}, topLeft: low, bottomLeft: rgba4(Colormap(2.0 / 3))},
		{index: []int{1}, topLeft: high, bottomLeft: rgba4(Colormap(1.0 / 3))},
		{index: nil, wantErr: true},
		{index: []int{2}, wantErr: true},
		{index: []int{0, 0, 0, 0}, wantErr: true},
	} {
		s, err := arrayScene("t", ts, tc.index)
		if tc.wantErr {
			if !errors.Is(err, results.ErrSelection) {
				t.Errorf("index %v: error %v, want a results.ErrSelection", tc.index, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("index %v: %v", tc.index, err)
		}
		img := Raster(s)
		x, y := cellCentre(0, 0, 2, 2)
		if got := rgba4(img.RGBAAt(x, y)); got != tc.topLeft {
			t.Errorf("index %v: cell (0,0) %v, want %v", tc.index, got, tc.topLeft)
		}
		x, y = cellCentre(1, 0, 2, 2)
		if got := rgba4(img.RGBAAt(x, y)); got != tc.bottomLeft {
			t.Errorf("index %v: cell (1,0) %v, want %v", tc.index, got, tc.bottomLeft)
		}
	}
	// A 1-D array and a scalar draw as bars.
	for _, ts := range []*sdk.Tensor{sdk.FromFloat64([]float64{1, 2, 3}, 3), sdk.Scalar(2)} {
		s, err := arrayScene("t", ts, nil)
		if err != nil {
			t.Fatal(err)
		}
		var bars int
		for _, sh := range s.Shapes {
			if r, ok := sh.(*Rect); ok && r.Fill == blue {
				bars++
			}
		}
		if bars != ts.Len() {
			t.Errorf("%v: %d bars, want %d", ts.Shape(), bars, ts.Len())
		}
	}
}

type color4 = [4]uint8

func rgba4(c color.RGBA) color4 { return color4{c.R, c.G, c.B, c.A} }

var (
	low  = color4{viridis[0].R, viridis[0].G, viridis[0].B, 255}
	high = color4{viridis[8].R, viridis[8].G, viridis[8].B, 255}
)

// BenchmarkHeatmap times laying out and rasterizing an n×n heatmap, and
// writing it as PNG, SVG and a 4-frame GIF.
func BenchmarkHeatmap(b *testing.B) {
	for _, n := range []int{16, 113, 512} {
		vals := make([]float64, n*n)
		for i := range vals {
			vals[i] = float64(i % 97)
		}
		s := Heatmap("bench", vals, n, n, "r", "c")
		b.Run(fmt.Sprintf("n=%d/png", n), func(b *testing.B) {
			for b.Loop() {
				if err := WritePNG(discard{}, s); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/svg", n), func(b *testing.B) {
			for b.Loop() {
				if err := WriteSVG(discard{}, s); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/gif4", n), func(b *testing.B) {
			for b.Loop() {
				if err := WriteGIF(discard{}, []*Scene{s, s, s, s}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
