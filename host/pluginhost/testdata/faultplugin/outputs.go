package main

import (
	"math"

	"github.com/tdw-workbench/tdw/sdk"
)

// misbehave returns what the output-fault modes return instead of res, a
// well-formed row_sum result at epoch: arrays or summaries that break
// their analyzer.json (which declares row_sum (batch,) and, for the
// summary modes, a statistic "s" of free shape (k)).
func misbehave(epoch int, res *sdk.Result) *sdk.Result {
	rows := res.Arrays["row_sum"].Len()
	switch mode {
	case "wrong_rank":
		res.Arrays["row_sum"] = sdk.NewTensor(sdk.Float32, rows, 1)
	case "wrong_size":
		res.Arrays["row_sum"] = sdk.NewTensor(sdk.Float32, rows+1)
	case "wrong_dtype":
		res.Arrays["row_sum"] = sdk.NewTensor(sdk.Float64, rows)
	case "huge_array":
		// 4 MB against the test's max_bytes: refused as it arrives.
		res.Arrays["row_sum"] = sdk.NewTensor(sdk.Float32, 1<<20)
	case "huge_summary":
		res.Summary = map[string]*sdk.Tensor{"s": sdk.NewTensor(sdk.Float64, 100_000)}
	case "nan_summary":
		res.Summary = map[string]*sdk.Tensor{"s": sdk.FromFloat64([]float64{math.NaN(), math.Inf(1), 1}, 3)}
	case "shape_summary":
		// One element more every 10 epochs: summary.npz could not stack it.
		res.Summary = map[string]*sdk.Tensor{"s": sdk.NewTensor(sdk.Float64, epoch/10+1)}
	}
	return res
}

// withH names a checkpoint's only hook "h", as rowsum reads it, when the
// host sent it under its TransformerLens name (host/analysis tests).
func withH(cp *sdk.Checkpoint) *sdk.Checkpoint {
	if _, ok := cp.Hooks["h"]; ok || len(cp.Hooks) != 1 {
		return cp
	}
	c := *cp
	for _, t := range cp.Hooks {
		c.Hooks = map[string]*sdk.Tensor{"h": t}
	}
	return &c
}
