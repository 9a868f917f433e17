package sweep

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/tdw-workbench/tdw/host/job"
	"github.com/tdw-workbench/tdw/host/pluginhost"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/sdk"
)

// Request is a sweep as asked for: the family, the grid, what each
// variant's task does and where it runs.
type Request struct {
	Name   string
	Family string
	Grid   []Axis
	// Fixed are parameters every variant shares; none may be swept too.
	Fixed       map[string]string
	Preset      string
	Epochs      int
	Checkpoints string
	Analyzers   []string
	Settings    map[string]map[string]string
	Backend     string
	Executor    string
	// Paths must be absolute.
	Paths Paths
	Slurm *SlurmOptions
	Local *LocalOptions
}

// Plan is a checked request: the sweep to record, and what the results
// tree holds of each variant already.
type Plan struct {
	Sweep *Sweep
	// Found says, by variant index, what is on disk: "" for nothing,
	// "complete" (not run again), or its progress ("train 20/50": the task
	// resumes it).
	Found []string
	// Unreadable are variants whose folder could not be read; their tasks
	// will say why when they run.
	Unreadable []string
}

// NewPlan checks req against the family's parameter rules and the results
// tree before anything is recorded or run: every grid point must give valid
// parameters (the family.json rules, then the family plugin's own, e.g. a
// prime that is not prime) and training settings. Points naming a variant
// already in the sweep are dropped (Sweep.Dropped says why); variants the
// results tree holds complete are marked CompleteAtStart. now stamps the
// sweep.
func NewPlan(ctx context.Context, env job.Env, req Request, now time.Time) (*Plan, error) {
	fam, err := req.check(env)
	if err != nil {
		return nil, err
	}
	sw := req.sweep(now)
	if err := resolvePoints(env, req, sw); err != nil {
		return nil, err
	}
	if err := checkWithPlugin(ctx, env, fam, sw); err != nil {
		return nil, err
	}
	ms, err := analyzerSet(env.Analyzers, fam, req.Analyzers, req.Settings)
	if err != nil {
		return nil, &RequestError{Err: err}
	}
	p := &Plan{Sweep: sw, Found: make([]string, len(sw.Variants))}
	for i, v := range sw.Variants {
		pr, err := VariantProgress(env.Results, sw.Family, v.Name, ms)
		switch {
		case err != nil:
			p.Unreadable = append(p.Unreadable, fmt.Sprintf("#%d %s: %v", i, v.Name, err))
			p.Found[i] = "unreadable"
		case pr.Complete:
			sw.Variants[i].CompleteAtStart = true
			p.Found[i] = "complete"
		case pr.Exists:
			p.Found[i] = pr.String()
		}
	}
	return p, nil
}

// check refuses a request that is wrong as a whole: name, executor, the
// grid's parameters, settings and analyzers. It returns the family.
func (r Request) check(env job.Env) (*registry.FamilyManifest, error) {
	if err := CheckName(r.Name); err != nil {
		return nil, &RequestError{Err: err}
	}
	if r.Executor != ExecutorSlurm && r.Executor != ExecutorLocal {
		return nil, badRequest("--executor %q: want %s or %s", r.Executor, ExecutorLocal, ExecutorSlurm)
	}
	if env.Families == nil {
		return nil, fmt.Errorf("no families are installed")
	}
	fam, err := env.Families.Get(r.Family)
	if err != nil {
		return nil, err
	}
	if len(r.Grid) == 0 {
		return nil, badRequest("no --grid given: a sweep needs at least one parameter to sweep")
	}
	seen := map[string]bool{}
	for _, a := range r.Grid {
		if _, ok := fam.DomainParameters[a.Param]; !ok {
			return nil, badRequest("--grid %s: family %s has no parameter %q (parameters: %s)", a.Param, fam.Name, a.Param,
				strings.Join(fam.DomainParameters.Names(), ", "))
		}
		if seen[a.Param] {
			return nil, badRequest("--grid %s given twice", a.Param)
		}
		if _, ok := r.Fixed[a.Param]; ok {
			return nil, badRequest("--grid %s: also given as -p %s", a.Param, a.Param)
		}
		if len(a.Values) == 0 {
			return nil, badRequest("--grid %s: no values", a.Param)
		}
		seen[a.Param] = true
	}
	if r.Local != nil && r.Local.Jobs < 1 {
		return nil, badRequest("--jobs %d: want at least 1", r.Local.Jobs)
	}
	if r.Slurm != nil && (r.Slurm.Parallel < 0 || r.Slurm.CPUsPerTask < 0) {
		return nil, badRequest("--parallel and --cpus-per-task: want 0 or more")
	}
	return fam, nil
}

// sweep starts the record of req, without variants.
func (r Request) sweep(now time.Time) *Sweep {
	sw := &Sweep{Format: FormatVersion, Name: r.Name, Family: r.Family, Created: now.UTC().Truncate(time.Second),
		Grid: r.Grid, Fixed: r.Fixed, Preset: r.Preset, Epochs: r.Epochs, Checkpoints: r.Checkpoints,
		Analyzers: r.Analyzers, Settings: r.Settings, Backend: r.Backend, Executor: r.Executor, Paths: r.Paths,
		Variants: []Variant{}}
	if r.Executor == ExecutorSlurm {
		sw.Slurm = r.Slurm
		if sw.Slurm == nil {
			sw.Slurm = &SlurmOptions{}
		}
	} else {
		sw.Local = r.Local
		if sw.Local == nil {
			sw.Local = &LocalOptions{Jobs: 1}
		}
	}
	return sw
}

// resolvePoints turns every grid point into a variant, as `tdw-host train`
// would resolve it, dropping the points that repeat one. Refused points
// come back together in one error.
func resolvePoints(env job.Env, r Request, sw *Sweep) error {
	byName := map[string]int{}
	var refused []string
	for _, pt := range Expand(r.Grid) {
		given := make(map[string]string, len(pt)+len(r.Fixed))
		for k, v := range r.Fixed {
			given[k] = v
		}
		for k, v := range pt {
			given[k] = v
		}
		tr := job.TrainRequest{Family: r.Family, Preset: r.Preset, Params: given, Epochs: r.Epochs, Checkpoints: r.Checkpoints}
		key, err := tr.VariantKey(env)
		if err != nil {
			var re *job.RequestError
			if errors.As(err, &re) && re.Field != "params" {
				return &RequestError{Err: requestError(re)}
			}
			refused = append(refused, fmt.Sprintf("%s: %v", PointString(r.Grid, pt), unwrapRequest(err)))
			continue
		}
		name := key[strings.IndexByte(key, '/')+1:]
		if i, dup := byName[name]; dup {
			sw.Dropped = append(sw.Dropped, Dropped{Params: pt, Variant: name,
				Reason: fmt.Sprintf("same variant as #%d (%s)", i, strings.Join(sw.GridParams(sw.Variants[i]), " "))})
			continue
		}
		fam, _ := env.Families.Get(r.Family)
		full, err := fam.ResolveParams(r.Preset, given)
		if err != nil {
			return err // VariantKey resolved the same parameters
		}
		byName[name] = len(sw.Variants)
		sw.Variants = append(sw.Variants, Variant{Index: len(sw.Variants), Name: name, Params: paramText(full)})
	}
	if len(refused) > 0 {
		return badRequest("%d of %d grid points are refused: %s", len(refused), len(refused)+len(sw.Variants)+len(sw.Dropped), firstFew(refused, 3))
	}
	return nil
}

// checkWithPlugin asks the family plugin for each variant's model, as
// creating the variant would: the plugin may refuse parameters the
// family.json rules accept. One plugin process serves the whole grid.
func checkWithPlugin(ctx context.Context, env job.Env, fam *registry.FamilyManifest, sw *Sweep) error {
	log := env.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	plugin, err := job.LaunchFamily(ctx, fam, pluginhost.Options{Logger: log})
	if err != nil {
		return err
	}
	defer plugin.Close()
	var refused []string
	for _, v := range sw.Variants {
		params, err := fam.ResolveParams("", v.Params)
		if err == nil {
			var cfg sdk.ModelConfig
			if cfg, err = plugin.ModelConfig(ctx, params); err == nil {
				err = fam.Architecture.Check(cfg)
			}
		}
		if err != nil {
			refused = append(refused, fmt.Sprintf("%s: %v", strings.Join(sw.GridParams(v), " "), err))
		}
	}
	if len(refused) > 0 {
		return fmt.Errorf("family plugin %s refuses %d of %d variants: %s", fam.Name, len(refused), len(sw.Variants), firstFew(refused, 3))
	}
	return nil
}

// paramText writes typed parameters as text, the way -p takes them.
func paramText(p sdk.Params) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		out[k] = registry.FormatValue(v)
	}
	return out
}

// firstFew joins up to n messages, saying how many more there are.
func firstFew(msgs []string, n int) string {
	sort.Strings(msgs)
	if len(msgs) <= n {
		return strings.Join(msgs, "; ")
	}
	return strings.Join(msgs[:n], "; ") + fmt.Sprintf("; and %d more", len(msgs)-n)
}

// requestError words a training request error with the sweep's flags.
func requestError(re *job.RequestError) error {
	flag := map[string]string{"preset": "--preset", "epochs": "--epochs", "checkpoints": "--checkpoints", "family": "family"}[re.Field]
	if flag == "" {
		flag = re.Field
	}
	if re.Field == "preset" || re.Field == "family" {
		return re.Err
	}
	return fmt.Errorf("%s: %w", flag, re.Err)
}

// unwrapRequest drops the "params: " a request error puts in front.
func unwrapRequest(err error) error {
	var re *job.RequestError
	if errors.As(err, &re) {
		return re.Err
	}
	return err
}
