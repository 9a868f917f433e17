package job

import (
	"context"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/probe"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/sdk"
)

// EstimateAnalyze estimates the analysis r asks for of a variant that
// exists, launching the family plugin for the probe and the analysis
// context: the plan a dry run prints. A bad request returns a
// *RequestError.
func EstimateAnalyze(ctx context.Context, env Env, r AnalyzeRequest) (*Estimate, error) {
	p, err := r.plan(env)
	if err != nil {
		return nil, err
	}
	plugin, err := env.launchFamily(ctx, p.fam)
	if err != nil {
		return nil, err
	}
	defer plugin.Close()
	return p.estimate(ctx, env, plugin)
}

// estimate estimates the analysis p describes of its variant's checkpoints.
// An artifact already on disk counts for no disk unless Force recomputes
// it.
func (p *analyzePlan) estimate(ctx context.Context, env Env, fp sdk.Family) (*Estimate, error) {
	c, err := model.LoadConfig(p.v.ConfigPath())
	if err != nil {
		return nil, err
	}
	epochs := p.cfg.Checkpoints
	if epochs == nil {
		if epochs, err = p.v.Checkpoints(); err != nil {
			return nil, err
		}
	}
	// A probe the variant holds already is sized as it is; one it does
	// not hold yet (recorded by the run) as the default probe, and none of
	// its artifacts exists.
	var rows *sdk.Dataset
	art := results.For(p.v)
	if p.cfg.Probe != "" {
		if pr, _, err := probe.Load(p.v, p.cfg.Probe); err == nil {
			rows = &pr.Dataset
		}
		if art, err = results.ForProbe(p.v, p.fam, p.cfg.Probe); err != nil {
			art = nil
		}
	}
	done := func(analyzer string, epoch int) bool {
		if p.cfg.Force || art == nil {
			return false
		}
		_, err := os.Stat(art.EpochPath(analyzer, epoch))
		return err == nil
	}
	return analysisEstimate(ctx, fp, c, p.fam, p.v.Name, p.v.Params, rows, p.analyzers, epochs, done, env.machine())
}

// EstimateTrainAndAnalyze estimates a training r asks for and the analysis
// of the checkpoints it writes with the given analyzers (nil: the family's
// default set), as `tdw-host run` does on a variant not trained yet.
func EstimateTrainAndAnalyze(ctx context.Context, env Env, r TrainRequest, analyzers []string) (train, analysis *Estimate, err error) {
	p, err := r.plan(env)
	if err != nil {
		return nil, nil, err
	}
	ans, err := selectAnalyzers(env, p.fam, analyzers)
	if err != nil {
		return nil, nil, err
	}
	plugin, err := env.launchFamily(ctx, p.fam)
	if err != nil {
		return nil, nil, err
	}
	defer plugin.Close()
	if train, err = p.estimate(ctx, env, r, plugin); err != nil {
		return nil, nil, err
	}
	cfg, err := plugin.ModelConfig(ctx, p.params)
	if err != nil {
		return nil, nil, err
	}
	c, err := model.NormalizeConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	settings, _, err := p.run(env, r)
	if err != nil {
		return nil, nil, err
	}
	epochs := settings.Checkpoints
	analysis, err = analysisEstimate(ctx, plugin, c, p.fam, p.name, p.params, nil, ans, epochs, func(string, int) bool { return false }, env.machine())
	return train, analysis, err
}

// analyzerLoad is one analyzer's share of an analysis.
type analyzerLoad struct {
	m       *registry.AnalyzerManifest
	inputs  int64 // bytes sent to it per call
	outputs int64 // bytes of one epoch's artifact (a cross-epoch analyzer's one file)
	todo    int   // epochs to compute
}

// analysisEstimate adds up the memory and disk of analyzing epochs of the
// variant name of family with params over probe (nil: the family's
// default probe), with analyzers. tdw-host holds the
// forward caches of up to three checkpoints (the one in hand and two
// prefetched), the inputs it sends one analyzer only, the evaluation runners
// of analyzers that call it back (two batches' worth: the Gorgonia backend
// keeps a graph per batch size) and twice all that for the garbage
// collector, which lets the heap grow to twice what is live; inputs that
// several analyzers receive go once into shared memory. Each plugin holds
// about two and a half times its inputs. The artifacts' sizes are read
// from analyzer.json's output shapes. docs/engine.md ("Memory") compares
// the result with measured peaks.
func analysisEstimate(ctx context.Context, fp sdk.Family, c sdk.ModelConfig, fam *registry.FamilyManifest, name string, params sdk.Params,
	probe *sdk.Dataset, analyzers []*registry.AnalyzerManifest, epochs []int, done func(analyzer string, epoch int) bool, m Machine) (*Estimate, error) {
	if probe == nil {
		var err error
		if probe, err = fp.Probe(ctx, params); err != nil {
			return nil, fmt.Errorf("family plugin %s: Probe: %w", fam.Name, err)
		}
	}
	actx, err := fp.AnalysisContext(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("family plugin %s: AnalysisContext: %w", fam.Name, err)
	}
	B, n := rows(*probe), seqLen(*probe)
	dims := shapeDims(c, params, B, len(epochs), fam.ShapeSymbols, actx)
	loads, union, err := analyzerLoads(c, B, n, analyzers, actx, dims, len(epochs))
	if err != nil {
		return nil, err
	}
	cache, err := model.ForwardBytes(c, B, n, union.opts)
	if err != nil {
		return nil, err
	}
	var plugins, disk int64
	for _, l := range loads {
		for _, ep := range epochs {
			if !done(l.m.Name, ep) {
				l.todo++
			}
		}
		plugins += pluginBaseBytes + 5*l.inputs/2
		if l.m.Kind == sdk.CrossEpoch {
			disk += l.outputs
		} else {
			disk += int64(l.todo) * (l.outputs + 4096) // + its manifest record
		}
	}
	e := &Estimate{Job: "analysis of " + name, Machine: m}
	held := int64(min(3, max(len(epochs), 1)))
	live := held*cache + union.unshared + 2*model.EvalBytes(c, n, B, model.PosLast)
	e.add(fmt.Sprintf("tdw-host: forward caches of %d probe sequences (%d checkpoints at once), evaluation runners, twice for the garbage collector", B, held),
		hostBaseBytes+2*live, 0)
	e.add("shared memory for inputs several analyzers receive", union.shared+union.shared/4, 0)
	e.add(fmt.Sprintf("%d analyzer plugins and the family plugin (about 2.5 times their inputs each)", len(loads)), plugins+pluginBaseBytes, 0)
	e.add(fmt.Sprintf("artifacts of %d analyzers over %d checkpoints (from analyzer.json's output shapes)", len(loads), len(epochs)), 0, disk)
	return e, nil
}

// forwardUnion is the forward pass that serves every analyzer of a run and
// the bytes of their inputs: those more than one receives (counted once)
// and the others.
type forwardUnion struct {
	opts             model.ForwardOptions
	shared, unshared int64
}

// analyzerLoads resolves each analyzer's inputs and outputs and the forward
// pass that serves them all.
func analyzerLoads(c sdk.ModelConfig, B, n int, analyzers []*registry.AnalyzerManifest, actx map[string]*sdk.Tensor, dims map[string]int, nEpochs int) (
	[]*analyzerLoad, *forwardUnion, error) {
	u := &forwardUnion{opts: model.ForwardOptions{Logits: model.PosLast}}
	hookPos := map[string]model.Positions{}
	users := map[string]int{}
	sizes := map[string]int64{}
	use := func(key string, bytes int64) int64 { users[key]++; sizes[key] = bytes; return bytes }
	byName := map[string]*analyzerLoad{}
	var loads []*analyzerLoad
	weights := model.ParamSpecs(c)
	for _, m := range analyzers {
		l := &analyzerLoad{m: m}
		for _, h := range m.Inputs.Hooks {
			for _, name := range registry.ExpandHook(h.Name, c.NLayers) {
				b, err := model.CacheBytes(c, B, n, []model.HookRequest{{Pattern: name, Positions: h.Positions}})
				if err != nil {
					return nil, nil, fmt.Errorf("analyzer %s: %w", m.Name, err)
				}
				l.inputs += use(name+"@"+h.Positions.String(), b)
				if p, seen := hookPos[name]; !seen || p.Select == model.LastPosition {
					hookPos[name] = h.Positions
				}
			}
		}
		if lp := m.Inputs.Logits; lp != nil {
			l.inputs += use("logits@"+lp.String(), model.LogitsBytes(c, B, n, *lp))
			if lp.Select != model.LastPosition {
				u.opts.Logits = model.PosAll
			}
		}
		for _, w := range weights {
			if ok, _ := registry.MatchAny(m.Inputs.Weights, w.Name); ok {
				l.inputs += use("weight "+w.Name, 4*int64(sdk.NumElements(w.Shape)))
			}
		}
		for _, k := range m.Inputs.Context {
			if t := actx[k]; t != nil {
				l.inputs += int64(len(t.Bytes()))
			}
		}
		l.outputs = outputBytes(m, dims, c.NLayers)
		byName[m.Name] = l
		loads = append(loads, l)
	}
	// A cross-epoch analyzer receives the artifacts it reads, every epoch's.
	for _, l := range loads {
		for _, a := range l.m.Inputs.Artifacts {
			if src := byName[a.Analyzer]; src != nil && !a.Summary {
				l.inputs += int64(nEpochs) * src.outputs
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(hookPos)) {
		u.opts.Hooks = append(u.opts.Hooks, model.HookRequest{Pattern: name, Positions: hookPos[name]})
	}
	for k, n := range users {
		if n > 1 {
			u.shared += sizes[k]
		} else {
			u.unshared += sizes[k]
		}
	}
	return loads, u, nil
}

// shapeDims names the dimensions analyzer.json shapes use, as the analysis
// contract sizes them (analysis.ShapeSymbols: the model config's, batch,
// n_neurons, integer parameters, the family's shape_symbols), plus
// n_epochs and, for a family that declares no p, the side of its probe
// grid (its analysis context's probe_shape, else the square root of batch).
func shapeDims(c sdk.ModelConfig, params sdk.Params, B, nEpochs int, family map[string]registry.Dim, actx map[string]*sdk.Tensor) map[string]int {
	d := analysis.ShapeSymbols(c, params, B, family)
	d["n_epochs"] = nEpochs
	if _, ok := d["p"]; !ok {
		d["p"] = int(math.Round(math.Sqrt(float64(B))))
		if ps := actx["probe_shape"]; ps != nil && ps.DType() == sdk.Int64 && ps.Len() > 0 {
			d["p"] = int(ps.Int64s()[0])
		}
	}
	return d
}

// outputBytes is the size of one epoch's artifact of m (of its one file,
// for a cross-epoch analyzer) and of its summary values, from the declared
// shapes. An array named for every block ("blocks.*.") counts once per
// layer; a dimension with a name shapeDims does not know (k, n_freq, ...)
// counts as the widest model dimension, which over-counts the small arrays
// such names size.
func outputBytes(m *registry.AnalyzerManifest, dims map[string]int, layers int) int64 {
	widest := slices.Max([]int{dims["d_model"], dims["d_mlp"], dims["d_vocab"], dims["p"]})
	var total int64
	for _, specs := range [][]registry.OutputSpec{m.Outputs, m.Summary} {
		for _, o := range specs {
			b := int64(o.DType.Size()) * shapeElems(o, dims, widest)
			if strings.Contains(o.Name, "blocks.*") {
				b *= int64(layers)
			}
			total += b
		}
	}
	return total
}

// shapeElems is the number of elements of o's declared shape, each
// dimension evaluated as the contract does (registry.Dim) with dims, and a
// name dims does not know counted as other.
func shapeElems(o registry.OutputSpec, dims map[string]int, other int) int64 {
	lookup := func(name string) (int, bool) {
		if v, ok := dims[name]; ok {
			return v, true
		}
		return other, true
	}
	n := int64(1)
	for _, d := range o.Dims() {
		v, ok := d.Eval(lookup)
		if !ok {
			v = other
		}
		n *= int64(max(v, 0))
	}
	return n
}
