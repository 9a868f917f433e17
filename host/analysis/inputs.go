package analysis

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/sdk"
)

// hookNeed is one concrete hook an analyzer wants, at its positions.
type hookNeed struct {
	name string
	pos  model.Positions
}

// needs is what one analyzer declares, resolved against a model.
type needs struct {
	hooks   []hookNeed
	logits  *model.Positions
	weights []string // state-dict names
	context []string
}

// resolveNeeds expands an analyzer's declared inputs for a model: layer
// wildcards become one hook per layer, weight globs become the names they
// match. A declared hook or weight the model does not have is an error naming
// the analyzer, so a mismatch shows up before any checkpoint is touched.
func resolveNeeds(m *registry.AnalyzerManifest, cfg sdk.ModelConfig, weightNames []string, ctxKeys map[string]bool) (*needs, error) {
	have := map[string]bool{}
	for _, h := range model.Hooks(cfg) {
		have[h.Name] = true
	}
	for _, site := range m.Requires {
		if why := registry.MissingSite(site, cfg); why != "" {
			return nil, &notApplicable{fmt.Sprintf("requires %s: %s", site, why)}
		}
	}
	n := &needs{logits: m.Inputs.Logits, context: m.Inputs.Context}
	for _, h := range m.Inputs.Hooks {
		for _, name := range registry.ExpandHook(h.Name, cfg.NLayers) {
			// A model without the hook (an analyzer.json that does not
			// declare the site in "requires") skips the analyzer, not the run.
			if !have[name] {
				return nil, &notApplicable{fmt.Sprintf("declares hook %s, which this model (architecture %s, n_layers %d, attn_only %v, normalization %q) does not have",
					name, archName(cfg), cfg.NLayers, cfg.AttnOnly, cfg.NormalizationType)}
			}
			if model.IsMLP(cfg) && h.Positions.Select != model.LastPosition {
				return nil, &notApplicable{fmt.Sprintf("reads hook %s at positions %s, and the model (architecture mlp) has no sequence positions", name, h.Positions)}
			}
			if h.Positions.Select == model.ListPositions {
				for _, i := range h.Positions.Indices {
					if i >= cfg.NCtx {
						return nil, fmt.Errorf("analyzer %s: hook %s position %d is beyond n_ctx %d", m.Name, name, i, cfg.NCtx)
					}
				}
			}
			n.hooks = append(n.hooks, hookNeed{name: name, pos: h.Positions})
		}
	}
	if len(m.Inputs.Weights) > 0 {
		for _, w := range weightNames {
			ok, err := registry.MatchAny(m.Inputs.Weights, w)
			if err != nil {
				return nil, fmt.Errorf("analyzer %s: %w", m.Name, err)
			}
			if ok {
				n.weights = append(n.weights, w)
			}
		}
		for _, pat := range m.Inputs.Weights {
			if registry.IsGlob(pat) {
				continue
			}
			if !slices.Contains(weightNames, pat) {
				return nil, &notApplicable{fmt.Sprintf("declares weight %s, which this model (architecture %s) does not have", pat, archName(cfg))}
			}
		}
	}
	if l := m.Inputs.Logits; l != nil && model.IsMLP(cfg) && l.Select != model.LastPosition {
		return nil, &notApplicable{fmt.Sprintf("reads logits at positions %s, and the model (architecture mlp) has no sequence positions", l)}
	}
	for _, k := range m.Inputs.Context {
		if !ctxKeys[k] {
			return nil, &notApplicable{fmt.Sprintf("analyzer %s declares context %q, which the family's analysis context over this probe does not hold (it has %s)",
				m.Name, k, strings.Join(sortedKeys(ctxKeys), ", "))}
		}
	}
	return n, nil
}

// notApplicable is an analyzer's declared input that the run cannot give
// (a context entry the run's probe has not, a site, hook or weight the
// model has not): the analyzer is skipped, with this reason, which the
// manifest records, and the others run.
type notApplicable struct{ reason string }

func (e *notApplicable) Error() string { return e.reason }

// archName names a model's architecture for messages.
func archName(c sdk.ModelConfig) string {
	if model.IsMLP(c) {
		return "mlp"
	}
	return "transformer"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// forwardOptions is the union of what every analyzer needs from one forward
// pass: each hook once, at all positions if anyone wants more than the last.
func forwardOptions(all []*needs) (model.ForwardOptions, bool) {
	pos := map[string]model.Positions{}
	wantLogits := false
	logitPos := model.PosLast
	for _, n := range all {
		for _, h := range n.hooks {
			p := model.PosLast
			if h.pos.Select != model.LastPosition {
				p = model.PosAll
			}
			if _, seen := pos[h.name]; !seen || p.Select == model.AllPositions {
				pos[h.name] = p
			}
		}
		if n.logits != nil {
			wantLogits = true
			if n.logits.Select != model.LastPosition {
				logitPos = model.PosAll
			}
		}
	}
	opts := model.ForwardOptions{Logits: logitPos}
	for _, name := range sortedKeys(pos) {
		opts.Hooks = append(opts.Hooks, model.HookRequest{Pattern: name, Positions: pos[name]})
	}
	return opts, wantLogits || len(opts.Hooks) > 0
}

// positionAxis returns the axis of a full-position activation that indexes
// sequence positions: the query axis for attention scores and patterns.
func positionAxis(hook string) int {
	if strings.HasSuffix(hook, "attn.hook_attn_scores") || strings.HasSuffix(hook, "attn.hook_pattern") {
		return 2
	}
	return 1
}

// selectPositions cuts a cached activation to what an analyzer asked for.
// have says how the cache holds it: model.PosLast (axis already removed) or
// model.PosAll. "last" removes the position axis; a list keeps it.
func selectPositions(t *sdk.Tensor, axis int, have, want model.Positions) (*sdk.Tensor, error) {
	if want.Select == model.LastPosition {
		if have.Select == model.LastPosition {
			return t, nil
		}
		n := t.Shape()[axis]
		return takeAxis(t, axis, []int{n - 1}, true), nil
	}
	if have.Select == model.LastPosition {
		return nil, fmt.Errorf("cache holds only the last position") // forwardOptions prevents this
	}
	if want.Select == model.AllPositions {
		return t, nil
	}
	return takeAxis(t, axis, want.Indices, false), nil
}

// takeAxis copies the given indices along axis; drop removes the axis (one
// index only).
func takeAxis(t *sdk.Tensor, axis int, idx []int, drop bool) *sdk.Tensor {
	shape := t.Shape()
	outer := sdk.NumElements(shape[:axis])
	n := shape[axis]
	inner := sdk.NumElements(shape[axis+1:]) * t.DType().Size()
	newShape := append([]int{}, shape[:axis]...)
	if !drop {
		newShape = append(newShape, len(idx))
	}
	newShape = append(newShape, shape[axis+1:]...)
	out := sdk.NewTensor(t.DType(), newShape...)
	src, dst := t.Bytes(), out.Bytes()
	o := 0
	for i := 0; i < outer; i++ {
		for _, j := range idx {
			s := (i*n + j) * inner
			copy(dst[o:o+inner], src[s:s+inner])
			o += inner
		}
	}
	return out
}

// checkpointFor builds what one analyzer receives for one epoch: exactly its
// declared inputs, cut from the shared forward pass.
func checkpointFor(epoch int, n *needs, cache *model.Cache, have map[string]model.Positions, logitPos model.Positions, weights map[string]*sdk.Tensor) (*sdk.Checkpoint, error) {
	cp := &sdk.Checkpoint{Epoch: epoch, Hooks: map[string]*sdk.Tensor{}, Weights: map[string]*sdk.Tensor{}}
	for _, h := range n.hooks {
		t, ok := cache.Hooks[h.name]
		if !ok {
			return nil, fmt.Errorf("forward pass did not keep %s", h.name)
		}
		cut, err := selectPositions(t, positionAxis(h.name), have[h.name], h.pos)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", h.name, err)
		}
		cp.Hooks[h.name] = cut
	}
	if n.logits != nil {
		cut, err := selectPositions(cache.Logits, 1, logitPos, *n.logits)
		if err != nil {
			return nil, fmt.Errorf("logits: %w", err)
		}
		cp.Logits = cut
	}
	for _, w := range n.weights {
		cp.Weights[w] = weights[w]
	}
	return cp, nil
}
