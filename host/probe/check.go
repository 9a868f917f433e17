package probe

import (
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
)

// checkTokens holds probe tokens to a model: an integer array [rows, n_ctx]
// with at least one row and every token in [0, d_vocab). It returns them as
// int64; what names the array in errors (a file, or a family's probe).
func checkTokens(what string, t *sdk.Tensor, cfg sdk.ModelConfig) (*sdk.Tensor, error) {
	t, err := asInt64(what, t)
	if err != nil {
		return nil, err
	}
	s := t.Shape()
	if len(s) != 2 || s[1] != cfg.NCtx {
		return nil, fmt.Errorf("%s: shape %s, want (rows, %d): one row of n_ctx = %d tokens per input", what, t.ShapeString(), cfg.NCtx, cfg.NCtx)
	}
	if s[0] == 0 {
		return nil, fmt.Errorf("%s: shape %s has no rows", what, t.ShapeString())
	}
	for i, tok := range t.Int64s() {
		if tok < 0 || tok >= int64(cfg.DVocab) {
			return nil, fmt.Errorf("%s: row %d, position %d: token %d is outside the model's vocabulary [0, %d) (d_vocab)", what, i/s[1], i%s[1], tok, cfg.DVocab)
		}
	}
	return t, nil
}

// checkLabels holds probe labels to a model and to rows tokens: an integer
// array [rows], every label in [0, d_vocab_out). It returns them as int64.
func checkLabels(what, tokensWhat string, l *sdk.Tensor, rows int, cfg sdk.ModelConfig) (*sdk.Tensor, error) {
	l, err := asInt64(what, l)
	if err != nil {
		return nil, err
	}
	if l.Rank() != 1 {
		return nil, fmt.Errorf("%s: shape %s, want (%d,): one label per row of %s", what, l.ShapeString(), rows, tokensWhat)
	}
	if n := l.Shape()[0]; n != rows {
		return nil, fmt.Errorf("%s: %d labels, but %s has %d rows", what, n, tokensWhat, rows)
	}
	for i, lab := range l.Int64s() {
		if lab < 0 || lab >= int64(cfg.DVocabOut) {
			return nil, fmt.Errorf("%s: row %d: label %d is outside the model's output vocabulary [0, %d) (d_vocab_out)", what, i, lab, cfg.DVocabOut)
		}
	}
	return l, nil
}

// asInt64 converts an integer array to int64; any other dtype is an error
// naming it.
func asInt64(what string, t *sdk.Tensor) (*sdk.Tensor, error) {
	if t == nil {
		return nil, fmt.Errorf("%s: missing", what)
	}
	switch t.DType() {
	case sdk.Int64:
		return t, nil
	case sdk.Int32, sdk.Uint8:
		v := t.AsFloat64()
		out := make([]int64, len(v))
		for i, x := range v {
			out[i] = int64(x)
		}
		return sdk.FromInt64(out, t.Shape()...), nil
	}
	return nil, fmt.Errorf("%s: dtype %s, want integers (int64, int32, int16, int8 or uint8)", what, t.DType())
}
