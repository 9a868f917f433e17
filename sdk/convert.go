package sdk

// Conversion between sdk types and the generated protocol types. It lives in
// the sdk package rather than sdk/internal because it needs sdk's types, and
// sdk imports sdk/internal; the byte-level chunking is in sdk/internal/wire.

import (
	"fmt"
	"sort"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
	"github.com/tdw-workbench/tdw/internal/rpc/wire"
)

func paramsToProto(p Params) (*tdwv1.Params, error) {
	out := &tdwv1.Params{Values: make(map[string]*tdwv1.Value, len(p))}
	for k, v := range p {
		var pv *tdwv1.Value
		switch x := v.(type) {
		case int:
			pv = &tdwv1.Value{Kind: &tdwv1.Value_Int{Int: int64(x)}}
		case int32:
			pv = &tdwv1.Value{Kind: &tdwv1.Value_Int{Int: int64(x)}}
		case int64:
			pv = &tdwv1.Value{Kind: &tdwv1.Value_Int{Int: x}}
		case float32:
			pv = &tdwv1.Value{Kind: &tdwv1.Value_Float{Float: float64(x)}}
		case float64:
			pv = &tdwv1.Value{Kind: &tdwv1.Value_Float{Float: x}}
		case string:
			pv = &tdwv1.Value{Kind: &tdwv1.Value_Str{Str: x}}
		case bool:
			pv = &tdwv1.Value{Kind: &tdwv1.Value_Bool{Bool: x}}
		default:
			return nil, fmt.Errorf("parameter %q is %v (%T): only integers, numbers, strings and booleans travel", k, v, v)
		}
		out.Values[k] = pv
	}
	return out, nil
}

func paramsFromProto(p *tdwv1.Params) (Params, error) {
	out := Params{}
	for k, v := range p.GetValues() {
		switch x := v.GetKind().(type) {
		case *tdwv1.Value_Int:
			out[k] = x.Int
		case *tdwv1.Value_Float:
			out[k] = x.Float
		case *tdwv1.Value_Str:
			out[k] = x.Str
		case *tdwv1.Value_Bool:
			out[k] = x.Bool
		default:
			return nil, fmt.Errorf("parameter %q has no value", k)
		}
	}
	return out, nil
}

func modelConfigToProto(c ModelConfig) *tdwv1.ModelConfig {
	return &tdwv1.ModelConfig{
		NLayers: int64(c.NLayers), DModel: int64(c.DModel), NHeads: int64(c.NHeads), DHead: int64(c.DHead),
		DMlp: int64(c.DMLP), DVocab: int64(c.DVocab), DVocabOut: int64(c.DVocabOut), NCtx: int64(c.NCtx),
		ActFn: c.ActFn, NormalizationType: c.NormalizationType, AttnOnly: c.AttnOnly,
		InitializerRange: c.InitRange, Seed: c.Seed,
	}
}

func modelConfigFromProto(c *tdwv1.ModelConfig) ModelConfig {
	return ModelConfig{
		NLayers: int(c.GetNLayers()), DModel: int(c.GetDModel()), NHeads: int(c.GetNHeads()), DHead: int(c.GetDHead()),
		DMLP: int(c.GetDMlp()), DVocab: int(c.GetDVocab()), DVocabOut: int(c.GetDVocabOut()), NCtx: int(c.GetNCtx()),
		ActFn: c.GetActFn(), NormalizationType: c.GetNormalizationType(), AttnOnly: c.GetAttnOnly(),
		InitRange: c.GetInitializerRange(), Seed: c.GetSeed(),
	}
}

func trainingConfigToProto(c TrainingConfig) *tdwv1.TrainingConfig {
	return &tdwv1.TrainingConfig{
		Optimizer: c.Optimizer, Lr: c.LR, WeightDecay: c.WeightDecay, Betas: c.Betas, Eps: c.Eps,
		Epochs: int64(c.Epochs), BatchSize: int64(c.BatchSize), Frozen: c.Frozen,
		Checkpoints: intsToProto(c.Checkpoints), LossPositions: c.LossPositions,
	}
}

func trainingConfigFromProto(c *tdwv1.TrainingConfig) TrainingConfig {
	return TrainingConfig{
		Optimizer: c.GetOptimizer(), LR: c.GetLr(), WeightDecay: c.GetWeightDecay(), Betas: c.GetBetas(), Eps: c.GetEps(),
		Epochs: int(c.GetEpochs()), BatchSize: int(c.GetBatchSize()), Frozen: c.GetFrozen(),
		Checkpoints: intsFromProto(c.GetCheckpoints()), LossPositions: c.GetLossPositions(),
	}
}

func intsToProto(v []int) []int64 {
	if v == nil {
		return nil
	}
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func intsFromProto(v []int64) []int {
	if v == nil {
		return nil
	}
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// toWire views t as a wire tensor without copying.
func toWire(group, name string, t *Tensor) (*wire.Tensor, error) {
	if t == nil {
		return nil, fmt.Errorf("tensor %s/%s is nil", group, name)
	}
	return &wire.Tensor{Group: group, Name: name, DType: string(t.dtype), Shape: t.shape, Data: t.data}, nil
}

// fromWire wraps a received tensor. A shared-memory view is copied when keep
// is set, because the host reuses shared memory once the call returns.
func fromWire(w *wire.Tensor, keep bool) (*Tensor, error) {
	data := w.Data
	if keep && w.Shared {
		data = wire.AlignedBytes(len(w.Data))
		copy(data, w.Data)
	}
	t, err := TensorFromBytes(DType(w.DType), w.Shape, data)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %v", w.Key(), err)
	}
	return t, nil
}

// named is one tensor of a call, in the order it is sent.
type named struct {
	group, name string
	t           *Tensor
}

// sortedTensors lists m's tensors under group in name order, so streams are
// deterministic.
func sortedTensors(group string, m map[string]*Tensor) []named {
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

// groupTensors sorts received tensors into maps by group, rejecting groups
// not in allowed and duplicate names.
func groupTensors(ts []*wire.Tensor, keep bool, allowed ...string) (map[string]map[string]*Tensor, error) {
	out := make(map[string]map[string]*Tensor, len(allowed))
	for _, g := range allowed {
		out[g] = map[string]*Tensor{}
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

func sortStrings(s []string) { sort.Strings(s) }
