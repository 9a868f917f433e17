package analysis

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/sdk"
)

// Byte ceilings of what an analyzer returns for one call.
const (
	// SummaryMaxBytes caps one call's summary statistics together: they are
	// kept in manifest.json, rewritten at every flush, so they must stay
	// small (scalars and short vectors).
	SummaryMaxBytes = 64 << 10
	// MinMaxBytes is the least default ceiling of one call's arrays; the
	// default is 4x the declared outputs' bytes where that is larger.
	MinMaxBytes = 64 << 20
)

// contract is what one analyzer may return in one run: its analyzer.json
// outputs and summary statistics with every dimension the run fixes
// resolved, and byte ceilings. It is the one place a result is held to its
// declaration (check), before anything is written.
type contract struct {
	m *registry.AnalyzerManifest
	// sym sizes the names shapes use: model config, shape_symbols, batch,
	// the run's integer parameters and the analyzer's integer settings.
	sym map[string]int
	// maxBytes caps the arrays of one call: analyzer.json "max_bytes", or
	// 4x the declared outputs (free axes counted as 1), at least MinMaxBytes.
	maxBytes int64
}

// newContract resolves m's declaration over sym.
func newContract(m *registry.AnalyzerManifest, sym map[string]int) *contract {
	c := &contract{m: m, sym: sym, maxBytes: m.MaxBytes}
	if c.maxBytes == 0 {
		var declared int64
		for _, o := range m.Outputs {
			n := int64(maxDTypeSize(o))
			for _, d := range o.Dims() {
				if v, ok := d.Eval(c.lookup(nil)); ok && v > 0 {
					n *= int64(v)
				}
			}
			declared += n
		}
		c.maxBytes = max(MinMaxBytes, 4*declared)
	}
	return c
}

// replyLimit is what the plugin transport may receive for one call: the
// arrays' ceiling and the summaries'.
func (c *contract) replyLimit() int64 { return c.maxBytes + SummaryMaxBytes }

func (c *contract) lookup(extra map[string]int) func(string) (int, bool) {
	return func(name string) (int, bool) {
		if v, ok := extra[name]; ok {
			return v, true
		}
		v, ok := c.sym[name]
		return v, ok
	}
}

func maxDTypeSize(o registry.OutputSpec) int {
	n := 1
	for _, d := range o.DTypes {
		n = max(n, d.Size())
	}
	return n
}

// check holds one call's result to the contract: every array and statistic
// declared, with a declared dtype, rank and every resolved dimension, all
// plainly named outputs present, and the byte ceilings kept. extra sizes
// names of this call only (n_epochs of a cross-epoch call). prior, when not
// nil, gives a statistic's shape at the analyzer's other epochs: a
// statistic must keep its shape, or its summary.npz cannot be stacked.
func (c *contract) check(arrays, summary map[string]*sdk.Tensor, extra map[string]int, prior func(name string) ([]int, int, bool)) error {
	if err := c.checkGroup("array", c.m.Outputs, arrays, extra, c.maxBytes); err != nil {
		return err
	}
	if err := c.checkGroup("summary statistic", c.m.Summary, summary, extra, SummaryMaxBytes); err != nil {
		return err
	}
	if prior == nil {
		return nil
	}
	for _, name := range sortedKeys(summary) {
		if shape, epoch, ok := prior(name); ok && !slices.Equal(shape, summary[name].Shape()) {
			return fmt.Errorf("summary statistic %q has shape %s, but %s at epoch %d: a statistic keeps its shape across epochs",
				name, sdk.ShapeString(summary[name].Shape()), sdk.ShapeString(shape), epoch)
		}
	}
	return nil
}

func (c *contract) checkGroup(what string, specs []registry.OutputSpec, got map[string]*sdk.Tensor, extra map[string]int, ceiling int64) error {
	if err := checkArrays(what, specs, got); err != nil {
		return err
	}
	var total int64
	for _, name := range sortedKeys(got) {
		t := got[name]
		total += int64(len(t.Bytes()))
		spec, _ := findSpec(specs, name)
		if err := c.checkShape(what, name, spec, t, extra); err != nil {
			return err
		}
	}
	if total > ceiling {
		return fmt.Errorf("%ss of %d bytes in all, past the analyzer's ceiling of %d bytes (%s)", what, total, ceiling, c.ceilingSource(what))
	}
	return nil
}

// checkShape holds t to spec's rank and to every dimension the run
// resolves.
func (c *contract) checkShape(what, name string, spec registry.OutputSpec, t *sdk.Tensor, extra map[string]int) error {
	dims := spec.Dims()
	if dims == nil {
		return nil
	}
	got := t.Shape()
	want := make([]string, len(dims))
	ok := len(dims) == len(got)
	for i, d := range dims {
		want[i] = d.String()
		if v, resolved := d.Eval(c.lookup(extra)); resolved {
			want[i] = fmt.Sprint(v)
			if ok && got[i] != v {
				ok = false
			}
		}
	}
	if ok {
		return nil
	}
	return fmt.Errorf("%s %q as %s (%d bytes), analyzer.json declares %s %s = (%s)", what, name, t, len(t.Bytes()),
		spec.DTypeString(), strings.TrimSpace(shapeWords(spec.Shape)), strings.Join(want, ", "))
}

// ceilingSource says where a ceiling comes from, for messages.
func (c *contract) ceilingSource(what string) string {
	switch {
	case what != "array":
		return "summaries are small: scalars and short vectors"
	case c.m.MaxBytes > 0:
		return "analyzer.json max_bytes"
	}
	return "the default: 4x the declared outputs, at least 64 MiB; analyzer.json max_bytes sets another"
}

// shapeWords is the shape part of a declared shape, without a trailing
// comment.
func shapeWords(s string) string {
	depth := 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return s[:i+1]
			}
		}
	}
	return s
}

// ShapeSymbols sizes the names declared shapes may use in a run of a
// variant: the model config's (d_embed too), n_neurons (n_layers*d_mlp), batch (the
// probe's rows), the variant's integer domain parameters, and the family's
// shape_symbols evaluated over those. The contract holds results to them;
// host/job's resource estimate sizes artifacts with them.
func ShapeSymbols(cfg sdk.ModelConfig, params sdk.Params, batch int, family map[string]registry.Dim) map[string]int {
	sym := map[string]int{
		"n_layers": cfg.NLayers, "d_model": cfg.DModel, "n_heads": cfg.NHeads, "d_head": cfg.DHead,
		"d_mlp": cfg.DMLP, "d_vocab": cfg.DVocab, "d_vocab_out": cfg.DVocabOut, "n_ctx": cfg.NCtx,
		"n_neurons": cfg.NLayers * cfg.DMLP, "batch": batch, "d_embed": cfg.DEmbed,
	}
	addInts(sym, params)
	for name, d := range family {
		if v, ok := d.Eval(func(n string) (int, bool) { v, ok := sym[n]; return v, ok }); ok {
			sym[name] = v
		}
	}
	return sym
}

// withInts returns sym plus the integer values of p (an analyzer's
// settings), which take precedence.
func withInts(sym map[string]int, p sdk.Params) map[string]int {
	out := make(map[string]int, len(sym)+len(p))
	for k, v := range sym {
		out[k] = v
	}
	addInts(out, p)
	return out
}

func addInts(sym map[string]int, p sdk.Params) {
	for k, v := range p {
		switch x := v.(type) {
		case int:
			sym[k] = x
		case int64:
			sym[k] = int(x)
		}
	}
}

// summaryShapes returns, for rec's statistics, the shape each had at the
// latest completed epoch other than epoch, and that epoch.
func summaryShapes(rec *results.AnalyzerRecord, epoch int) func(name string) ([]int, int, bool) {
	eps := rec.CompletedEpochs()
	return func(name string) ([]int, int, bool) {
		for i := len(eps) - 1; i >= 0; i-- {
			if eps[i] == epoch {
				continue
			}
			if v, ok := rec.Epochs[eps[i]].Summary[name]; ok {
				return v.Shape, eps[i], true
			}
		}
		return nil, 0, false
	}
}
