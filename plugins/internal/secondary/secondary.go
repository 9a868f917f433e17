// Package secondary serves secondary-tier analyzers (artifact → artifact per
// epoch, no model; analyzer.json kind "secondary") over the protocol that
// exists today, until the sdk has an interface of their own: a secondary
// analyzer is an sdk.CrossEpochAnalyzer whose AnalyzeAcross receives its
// source artifacts stacked over the epochs to compute (one or many) and
// returns every per-epoch array and summary statistic stacked along a leading
// epoch axis in the same order. The host splits the result along that axis
// into epoch files, the summary names (those analyzer.json lists under
// "summary") into summary.npz.
package secondary

import (
	"fmt"
	"slices"
	"sort"

	"github.com/tdw-workbench/tdw/sdk"
)

// Func computes one epoch from the source artifacts' arrays of that epoch
// (source name → array name → tensor, leading epoch axis removed).
type Func func(epoch int, arrays map[string]map[string]*sdk.Tensor) (*sdk.Result, error)

// PerEpoch calls fn for every epoch of the stacked sources (all must list
// the same epochs) and stacks its results: each array and summary statistic
// gains a leading epoch axis. Every epoch must return the same names, dtypes
// and shapes. Errors name the epoch.
func PerEpoch(inputs map[string]*sdk.Stacked, fn Func) (map[string]*sdk.Tensor, error) {
	var epochs []int
	names := sortedKeys(inputs)
	if len(names) == 0 {
		return nil, fmt.Errorf("no input artifacts")
	}
	for i, src := range names {
		st := inputs[src]
		if i == 0 {
			epochs = st.Epochs
		} else if !slices.Equal(st.Epochs, epochs) {
			return nil, fmt.Errorf("input %s has epochs %v, input %s %v", src, st.Epochs, names[0], epochs)
		}
		for name, t := range st.Arrays {
			if t.Rank() < 1 || t.Shape()[0] != len(epochs) {
				return nil, fmt.Errorf("input %s/%s is %v, want a leading axis of %d epochs", src, name, t, len(epochs))
			}
		}
	}
	var out map[string][]*sdk.Tensor
	for i, e := range epochs {
		arrays := map[string]map[string]*sdk.Tensor{}
		for _, src := range names {
			arrays[src] = map[string]*sdk.Tensor{}
			for name, t := range inputs[src].Arrays {
				arrays[src][name] = slice(t, i)
			}
		}
		res, err := fn(e, arrays)
		if err != nil {
			return nil, fmt.Errorf("epoch %d: %w", e, err)
		}
		all := map[string]*sdk.Tensor{}
		for _, m := range []map[string]*sdk.Tensor{res.Arrays, res.Summary} {
			for name, t := range m {
				if all[name] != nil {
					return nil, fmt.Errorf("epoch %d: %s is both an array and a summary statistic", e, name)
				}
				all[name] = t
			}
		}
		if out == nil {
			out = map[string][]*sdk.Tensor{}
		}
		if i > 0 && len(all) != len(out) {
			return nil, fmt.Errorf("epoch %d: %d results, epoch %d had %d", e, len(all), epochs[0], len(out))
		}
		for name, t := range all {
			out[name] = append(out[name], t)
		}
	}
	stacked := map[string]*sdk.Tensor{}
	for name, ts := range out {
		t, err := stack(ts)
		if err != nil {
			return nil, fmt.Errorf("result %s: %w", name, err)
		}
		stacked[name] = t
	}
	return stacked, nil
}

// slice returns row i of t's leading axis as a tensor of its own.
func slice(t *sdk.Tensor, i int) *sdk.Tensor {
	n := len(t.Bytes()) / t.Shape()[0]
	s, err := sdk.TensorFromBytes(t.DType(), t.Shape()[1:], t.Bytes()[i*n:(i+1)*n])
	if err != nil {
		panic(err) // cannot happen: the bytes are exactly one row of a valid tensor
	}
	return s
}

// stack joins same-dtype, same-shape tensors along a new leading axis.
func stack(ts []*sdk.Tensor) (*sdk.Tensor, error) {
	first := ts[0]
	out := sdk.NewTensor(first.DType(), append([]int{len(ts)}, first.Shape()...)...)
	n := len(first.Bytes())
	for i, t := range ts {
		if t == nil || t.DType() != first.DType() || !slices.Equal(t.Shape(), first.Shape()) {
			return nil, fmt.Errorf("is %v at one epoch and %v at the first", t, first)
		}
		copy(out.Bytes()[i*n:], t.Bytes())
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
