package peers

import (
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// Divergence is how far a peer's weights are from the anchor's at the
// checkpoint epochs both have: 100·‖W_peer − W_anchor‖ / ‖W_anchor‖
// (Frobenius norms) per weight matrix, and over all matrices together
// (the norms of the concatenated weights). NaN where the anchor's matrix
// is all zero.
type Divergence struct {
	Peer   string
	Epochs []int
	Total  []float64
	// Matrices holds the per-matrix series, by checkpoint tensor name
	// (every tensor whose last name part starts with W_).
	Matrices map[string][]float64
}

// MatrixNames returns the names of d.Matrices, sorted.
func (d *Divergence) MatrixNames() []string {
	out := make([]string, 0, len(d.Matrices))
	for k := range d.Matrices {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// weights reads the weight matrices of a variant's checkpoints, checking
// each file against the sha256 metadata.json records.
type weights struct {
	v    *variant.Variant
	sums map[int]string
}

func newWeights(v *variant.Variant) (*weights, []int, error) {
	md, err := v.Metadata()
	if err != nil {
		return nil, nil, err
	}
	w := &weights{v: v, sums: map[int]string{}}
	var eps []int
	for _, c := range md.Checkpoints {
		w.sums[c.Epoch] = c.SHA256
		eps = append(eps, c.Epoch)
	}
	return w, eps, nil
}

func (w *weights) at(epoch int) (map[string]*sdk.Tensor, error) {
	p := w.v.CheckpointPath(epoch)
	if want := w.sums[epoch]; want != "" {
		got, err := checkpoint.FileSHA256(p)
		if err != nil {
			return nil, err
		}
		if got != want {
			return nil, fmt.Errorf("checkpoint %s: sha256 %s differs from %s recorded in %s: the file changed after training", p, got, want, w.v.MetadataPath())
		}
	}
	ck, err := checkpoint.Load(p)
	if err != nil {
		return nil, err
	}
	out := map[string]*sdk.Tensor{}
	for name, t := range ck.Tensors {
		if strings.HasPrefix(path.Ext(name), ".W_") || strings.HasPrefix(name, "W_") {
			out[name] = t
		}
	}
	return out, nil
}

// ErrNoCommonEpoch is wrapped by Diverge's error for two variants without a
// checkpoint epoch in common (one not trained yet, or other schedules).
var ErrNoCommonEpoch = errors.New("no checkpoint epoch in common")

// Diverge measures the divergence of peer from anchor at every checkpoint
// epoch both have. It returns an error when they share none (wrapping
// ErrNoCommonEpoch) or their matrices differ in name or shape.
func Diverge(anchor, peer *variant.Variant) (*Divergence, error) {
	aw, aeps, err := newWeights(anchor)
	if err != nil {
		return nil, err
	}
	pw, peps, err := newWeights(peer)
	if err != nil {
		return nil, err
	}
	var eps []int
	for _, e := range aeps {
		if slices.Contains(peps, e) {
			eps = append(eps, e)
		}
	}
	if len(eps) == 0 {
		return nil, fmt.Errorf("variants %s and %s: %w", anchor.Name, peer.Name, ErrNoCommonEpoch)
	}
	d := &Divergence{Peer: peer.Name, Epochs: eps, Matrices: map[string][]float64{}}
	for _, e := range eps {
		a, err := aw.at(e)
		if err != nil {
			return nil, err
		}
		p, err := pw.at(e)
		if err != nil {
			return nil, err
		}
		if err := d.add(a, p, e); err != nil {
			return nil, fmt.Errorf("variants %s and %s: %w", anchor.Name, peer.Name, err)
		}
	}
	return d, nil
}

// add appends one epoch's divergences.
func (d *Divergence) add(a, p map[string]*sdk.Tensor, epoch int) error {
	var diffAll, normAll float64
	for name, at := range a {
		pt, ok := p[name]
		if !ok || !slices.Equal(at.Shape(), pt.Shape()) {
			return fmt.Errorf("epoch %d: weight %s is %v in the anchor but %v in the peer", epoch, name, at.Shape(), shapeOf(pt))
		}
		diff, norm := squaredDistance(at.AsFloat64(), pt.AsFloat64())
		diffAll += diff
		normAll += norm
		d.Matrices[name] = append(d.Matrices[name], percent(diff, norm))
	}
	if len(p) != len(a) {
		return fmt.Errorf("epoch %d: the peer has %d weight matrices, the anchor %d", epoch, len(p), len(a))
	}
	d.Total = append(d.Total, percent(diffAll, normAll))
	return nil
}

func shapeOf(t *sdk.Tensor) any {
	if t == nil {
		return "missing"
	}
	return t.Shape()
}

// squaredDistance returns Σ(p−a)² and Σa².
func squaredDistance(a, p []float64) (diff, norm float64) {
	for i, x := range a {
		dx := p[i] - x
		diff += dx * dx
		norm += x * x
	}
	return diff, norm
}

func percent(diff, norm float64) float64 {
	if norm == 0 {
		return math.NaN()
	}
	return 100 * math.Sqrt(diff/norm)
}
