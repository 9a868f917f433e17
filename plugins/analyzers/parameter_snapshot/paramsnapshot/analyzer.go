// Package paramsnapshot is the parameter_snapshot analyzer: every weight of
// the checkpoint under its TransformerLens state-dict name, so that
// cross-epoch analyses (parameter_trajectory) can read weights over epochs
// from one artifact.
package paramsnapshot

import (
	"context"
	"fmt"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "parameter_snapshot"
	Version = "0.1.0"
)

// Analyzer implements sdk.Analyzer.
type Analyzer struct{}

// New returns a parameter_snapshot analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin does nothing: the snapshot needs no run context.
func (a *Analyzer) Begin(context.Context, *sdk.Run) error { return nil }

// isFloat reports whether d is a floating-point dtype.
func isFloat(d sdk.DType) bool {
	return d == sdk.Float32 || d == sdk.Float64 || d == sdk.Float16 || d == sdk.BFloat16
}

// isBuffer reports whether name is a TransformerLens buffer that a state dict
// saved from Python carries but that is not a parameter.
func isBuffer(name string) bool {
	return strings.HasSuffix(name, ".attn.mask") || strings.HasSuffix(name, ".attn.IGNORE")
}

// Analyze returns every floating-point weight as float32 (shared, not
// copied, when it already is), keyed by its state-dict name: analyzer.json
// declares one dtype and TransformerLens state dicts are float32. Buffers
// (attn.mask, attn.IGNORE) are left out; any other non-float weight is an
// error.
func (a *Analyzer) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	if len(cp.Weights) == 0 {
		return nil, fmt.Errorf("%s: epoch %d: no weights received", Name, cp.Epoch)
	}
	out := make(map[string]*sdk.Tensor, len(cp.Weights))
	for name, t := range cp.Weights {
		switch {
		case isBuffer(name):
			continue
		case !isFloat(t.DType()):
			return nil, fmt.Errorf("%s: epoch %d: weight %s is %s, not floating point", Name, cp.Epoch, name, t)
		}
		if t.DType() != sdk.Float32 {
			t = sdk.FromFloat32(t.AsFloat32(), t.Shape()...)
		}
		out[name] = t
	}
	return &sdk.Result{Arrays: out}, nil
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }
