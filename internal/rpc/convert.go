package rpc

// Conversion between the generated protocol messages and sdk's plain types,
// so that no protobuf type reaches a plugin author or the host's callers.

import (
	"fmt"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
	"github.com/tdw-workbench/tdw/sdk"
)

func paramsToProto(p sdk.Params) (*tdwv1.Params, error) {
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

func paramsFromProto(p *tdwv1.Params) (sdk.Params, error) {
	out := sdk.Params{}
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

func modelConfigToProto(c sdk.ModelConfig) *tdwv1.ModelConfig {
	return &tdwv1.ModelConfig{
		NLayers: int64(c.NLayers), DModel: int64(c.DModel), NHeads: int64(c.NHeads), DHead: int64(c.DHead),
		DMlp: int64(c.DMLP), DVocab: int64(c.DVocab), DVocabOut: int64(c.DVocabOut), NCtx: int64(c.NCtx),
		ActFn: c.ActFn, NormalizationType: c.NormalizationType, AttnOnly: c.AttnOnly,
		InitializerRange: c.InitRange, Seed: c.Seed,
		Architecture: c.Architecture, InputEncoding: c.InputEncoding, DEmbed: int64(c.DEmbed),
	}
}

func modelConfigFromProto(c *tdwv1.ModelConfig) sdk.ModelConfig {
	return sdk.ModelConfig{
		NLayers: int(c.GetNLayers()), DModel: int(c.GetDModel()), NHeads: int(c.GetNHeads()), DHead: int(c.GetDHead()),
		DMLP: int(c.GetDMlp()), DVocab: int(c.GetDVocab()), DVocabOut: int(c.GetDVocabOut()), NCtx: int(c.GetNCtx()),
		ActFn: c.GetActFn(), NormalizationType: c.GetNormalizationType(), AttnOnly: c.GetAttnOnly(),
		InitRange: c.GetInitializerRange(), Seed: c.GetSeed(),
		Architecture: c.GetArchitecture(), InputEncoding: c.GetInputEncoding(), DEmbed: int(c.GetDEmbed()),
	}
}

func trainingConfigToProto(c sdk.TrainingConfig) *tdwv1.TrainingConfig {
	return &tdwv1.TrainingConfig{
		Optimizer: c.Optimizer, Lr: c.LR, WeightDecay: c.WeightDecay, Betas: c.Betas, Eps: c.Eps,
		Epochs: int64(c.Epochs), BatchSize: int64(c.BatchSize), Frozen: c.Frozen,
		Checkpoints: intsToProto(c.Checkpoints), LossPositions: c.LossPositions,
	}
}

func trainingConfigFromProto(c *tdwv1.TrainingConfig) sdk.TrainingConfig {
	return sdk.TrainingConfig{
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
