package rpc

import (
	"fmt"
	"sort"

	"github.com/tdw-workbench/tdw/internal/rpc/wire"
	"github.com/tdw-workbench/tdw/sdk"
)

// named is one tensor of a call, in the order it is sent.
type named struct {
	group, name string
	t           *sdk.Tensor
}

// sortedTensors lists m's tensors under group in name order, so streams are
// deterministic.
func sortedTensors(group string, m map[string]*sdk.Tensor) []named {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]named, len(names))
	for i, k := range names {
		out[i] = named{group, k, m[k]}
	}
	return out
}

// toWire views t as a wire tensor without copying.
func toWire(group, name string, t *sdk.Tensor) (*wire.Tensor, error) {
	if t == nil {
		return nil, fmt.Errorf("tensor %s/%s is nil", group, name)
	}
	return &wire.Tensor{Group: group, Name: name, DType: string(t.DType()), Shape: t.Shape(), Data: t.Bytes()}, nil
}

// fromWire wraps a received tensor. A shared-memory view is copied when keep
// is set, because the host reuses shared memory once the call returns.
func fromWire(w *wire.Tensor, keep bool) (*sdk.Tensor, error) {
	data := w.Data
	if keep && w.Shared {
		data = wire.AlignedBytes(len(w.Data))
		copy(data, w.Data)
	}
	t, err := sdk.TensorFromBytes(sdk.DType(w.DType), w.Shape, data)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %v", w.Key(), err)
	}
	return t, nil
}

// groupTensors sorts received tensors into maps by group, rejecting groups
// not in allowed and duplicate names.
func groupTensors(ts []*wire.Tensor, keep bool, allowed ...string) (map[string]map[string]*sdk.Tensor, error) {
	out := make(map[string]map[string]*sdk.Tensor, len(allowed))
	for _, g := range allowed {
		out[g] = map[string]*sdk.Tensor{}
	}
	for _, w := range ts {
		m, ok := out[w.Group]
		if !ok {
			return nil, fmt.Errorf("tensor %s: unexpected group %q (want one of %v)", w.Key(), w.Group, allowed)
		}
		if _, dup := m[w.Name]; dup {
			return nil, fmt.Errorf("tensor %s sent twice", w.Key())
		}
		t, err := fromWire(w, keep)
		if err != nil {
			return nil, err
		}
		m[w.Name] = t
	}
	return out, nil
}
