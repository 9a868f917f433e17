package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/sweep"
)

// sweepSubcommands are added to the sweep command by the other cmd_sweep_*
// files.
var sweepSubcommands []func(*app) *cobra.Command

func init() {
	addCommand(func(a *app) *cobra.Command {
		var o sweepFlags
		cmd := &cobra.Command{
			Use:   "sweep FAMILY --grid NAME=V1,V2 ... [--executor local|slurm]",
			Short: "Train and analyze a family's variants over a parameter grid, on Slurm or on this machine",
			Long: `Expand the grid (--grid NAME=V1,V2,..., repeatable; every combination) into
variants of FAMILY, check them all before anything runs (the family's parameter
rules and its plugin's, the training settings, analyzers and --set), record the
sweep in RESULTS/.tdw/sweeps/NAME/sweep.json (docs/formats/sweep-json.md), and
train (resuming a stopped run) then analyze each variant.

Grid points naming the same variant are dropped and said so; variants the results
folder holds trained and analyzed already are reported and not run again.

--executor slurm submits one Slurm job array (sbatch --array --requeue) whose task
runs the variant of its index; --executor local runs --jobs variants at a time on
this machine, in the foreground, pausing --cooldown after each. Each variant's
output goes to RESULTS/.tdw/sweeps/NAME/logs/INDEX.log.

Follow a sweep with 'tdw-host sweep status NAME', run what failed or stopped again
with 'tdw-host sweep resume NAME', stop it with 'tdw-host sweep cancel NAME'.
docs/sweeps.md is the guide (Slurm options, shared filesystems).`,
			Example: `  tdw-host sweep modulo_addition_1layer --grid prime=59,113 --grid seed=1,2,3 --executor slurm --partition cpu --time 2:00:00 --cpus-per-task 4
  tdw-host sweep modulo_addition_1layer --preset quick --grid seed=1,2,3,4 --executor local --jobs 2 --cooldown 30s
  tdw-host sweep modulo_addition_1layer --grid prime=23,31 --epochs 300 --executor slurm --dry-run`,
			Args: cobra.ExactArgs(1),
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				return a.sweepCreate(cmd, args[0], o)
			}),
		}
		o.register(cmd)
		for _, mk := range sweepSubcommands {
			cmd.AddCommand(mk(a))
		}
		return cmd
	})
}

// sweepFlags are the sweep command's options.
type sweepFlags struct {
	grid        []string
	params      []string
	preset      string
	epochs      int
	checkpoints string
	analyzers   string
	settings    []string
	executor    string
	name        string
	dryRun      bool
	slurm       sweep.SlurmOptions
	jobs        int
	cooldown    time.Duration
}

func (o *sweepFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&o.grid, "grid", nil, "swept parameter NAME=V1,V2,... (repeatable; every combination is run)")
	f.StringArrayVarP(&o.params, "param", "p", nil, "parameter NAME=VALUE every variant shares (repeatable)")
	f.StringVar(&o.preset, "preset", "", "family preset to start from")
	f.IntVar(&o.epochs, "epochs", 0, "epochs of each run (default: the preset's or family's)")
	f.StringVar(&o.checkpoints, "checkpoints", "", "checkpoint schedule spec of each run, e.g. 0:1000:50,final")
	f.StringVar(&o.analyzers, "analyzers", "", "comma-separated analyzers to run (default: the family's); here the analyzers folder is --analyzers-dir or TDW_ANALYZERS")
	f.StringArrayVar(&o.settings, "set", nil, "analyzer parameter ANALYZER.PARAM=VALUE (repeatable)")
	f.StringVar(&o.executor, "executor", sweep.ExecutorLocal, "where the variants run: local (this machine) or slurm (a job array)")
	f.StringVar(&o.name, "name", "", "sweep name (default: FAMILY-YYYYMMDD-HHMMSS)")
	f.BoolVar(&o.dryRun, "dry-run", false, "check and show the variants and the Slurm submission; record and run nothing")
	f.StringVar(&o.slurm.Partition, "partition", "", "slurm: partition (sbatch --partition)")
	f.StringVar(&o.slurm.Time, "time", "", "slurm: time limit of each task (sbatch --time), e.g. 2:00:00")
	f.IntVar(&o.slurm.CPUsPerTask, "cpus-per-task", 0, "slurm: CPUs of each task (sbatch --cpus-per-task; tdw's GOMAXPROCS follows it)")
	f.StringVar(&o.slurm.Mem, "mem", "", "slurm: memory of each task (sbatch --mem), e.g. 4G")
	f.IntVar(&o.slurm.Parallel, "parallel", 0, "slurm: tasks of the array running at once (sbatch --array=...%P; 0: no cap)")
	f.StringArrayVar(&o.slurm.ExtraArgs, "sbatch-arg", nil, "slurm: extra sbatch argument, e.g. --sbatch-arg=--qos=low (repeatable)")
	f.IntVar(&o.jobs, "jobs", 1, "local: variants run at once")
	f.DurationVar(&o.cooldown, "cooldown", 0, "local: pause after each variant, e.g. 30s")
}

// request turns the flags into a sweep request over this invocation's
// folders, refusing malformed values.
func (a *app) sweepRequest(cmd *cobra.Command, family string, o sweepFlags) (sweep.Request, error) {
	req := sweep.Request{Name: o.name, Family: family, Preset: o.preset, Epochs: o.epochs, Checkpoints: o.checkpoints,
		Analyzers: analyzerNames(o.analyzers), Executor: o.executor, Backend: a.cfg.Backend}
	if req.Name == "" {
		req.Name = family + "-" + time.Now().Format("20060102-150405")
	}
	for _, g := range o.grid {
		ax, err := sweep.ParseAxis(g)
		if err != nil {
			return req, usageErrorf("%v", err)
		}
		req.Grid = append(req.Grid, ax)
	}
	fixed, err := parseParamFlags(o.params)
	if err != nil {
		return req, err
	}
	if len(fixed) > 0 {
		req.Fixed = fixed
	}
	an := analyzeFlags{settings: o.settings, saveEvery: 1}
	ar, err := an.request("", "")
	if err != nil {
		return req, err
	}
	req.Settings = ar.Settings
	flags := cmd.Flags()
	switch o.executor {
	case sweep.ExecutorSlurm:
		for _, f := range []string{"jobs", "cooldown"} {
			if flags.Changed(f) {
				return req, usageErrorf("--%s is for --executor local", f)
			}
		}
		s := o.slurm
		req.Slurm = &s
	case sweep.ExecutorLocal:
		for _, f := range []string{"partition", "time", "cpus-per-task", "mem", "parallel", "sbatch-arg"} {
			if flags.Changed(f) {
				return req, usageErrorf("--%s is for --executor slurm", f)
			}
		}
		if o.cooldown < 0 {
			return req, usageErrorf("--cooldown %s: want 0 or more", o.cooldown)
		}
		req.Local = &sweep.LocalOptions{Jobs: o.jobs, Cooldown: sweep.Duration(o.cooldown)}
	default:
		return req, usageErrorf("--executor %q: want local or slurm", o.executor)
	}
	req.Paths, err = a.sweepPaths()
	return req, err
}

// sweepPaths are the absolute paths the sweep's tasks run with: this
// tdw-host binary and this invocation's folders.
func (a *app) sweepPaths() (sweep.Paths, error) {
	var p sweep.Paths
	exe, err := os.Executable()
	if err != nil {
		return p, fmt.Errorf("find the tdw-host binary: %w", err)
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return p, fmt.Errorf("find the tdw-host binary: %w", err)
	}
	p.TDWHost = exe
	for _, f := range []struct {
		dst *string
		dir string
	}{{&p.Results, a.cfg.ResultsDir}, {&p.Families, a.cfg.FamiliesDir}, {&p.Analyzers, a.cfg.AnalyzersDir}} {
		if *f.dst, err = filepath.Abs(f.dir); err != nil {
			return p, err
		}
	}
	return p, nil
}

// sweepCreate checks, records and starts a sweep (or shows it, with
// --dry-run).
func (a *app) sweepCreate(cmd *cobra.Command, family string, o sweepFlags) error {
	req, err := a.sweepRequest(cmd, family, o)
	if err != nil {
		return err
	}
	if err := sweep.CheckName(req.Name); err != nil {
		return usageErrorf("--name: %v", err)
	}
	if _, err := os.Stat(filepath.Join(sweep.Root(req.Paths.Results), req.Name, sweep.File)); err == nil {
		return usageErrorf("sweep %s exists already: follow it with '%s sweep status %s', or give another --name", req.Name, a.self, req.Name)
	}
	if req.Executor == sweep.ExecutorSlurm && !o.dryRun {
		if _, err := exec.LookPath("sbatch"); err != nil {
			return fmt.Errorf("--executor slurm: no sbatch on PATH (run the sweep where Slurm jobs are submitted, e.g. a login node)")
		}
	}
	fams, _, err := a.discoverFamilies()
	if err != nil {
		return err
	}
	ans, _, err := a.discoverAnalyzers()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	plan, err := sweep.NewPlan(ctx, a.jobEnv(fams, ans), req, time.Now())
	if re := (*sweep.RequestError)(nil); errors.As(err, &re) {
		return usageErrorf("%v", err)
	} else if err != nil {
		return err
	}
	sw := plan.Sweep
	a.printPlan(plan)
	todo := pendingIndices(sw)
	if o.dryRun {
		return a.printDryRun(ctx, sw, todo)
	}
	if err := sw.Save(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "recorded in %s\n", sw.Path())
	if len(todo) == 0 {
		fmt.Fprintln(a.stdout, "every variant is complete already: nothing to run")
		return nil
	}
	return a.sweepStart(ctx, sw, todo)
}

// pendingIndices are the variants a new sweep runs: those not complete.
func pendingIndices(sw *sweep.Sweep) []int {
	var out []int
	for _, v := range sw.Variants {
		if !v.CompleteAtStart {
			out = append(out, v.Index)
		}
	}
	return out
}

// sweepStart hands the variants of indices to the sweep's executor: a
// Slurm submission, or the local pool run here until it ends.
func (a *app) sweepStart(ctx context.Context, sw *sweep.Sweep, indices []int) error {
	if sw.Executor == sweep.ExecutorSlurm {
		subs, err := sw.SubmitSlurm(ctx, indices)
		for _, s := range subs {
			fmt.Fprintf(a.stdout, "submitted Slurm job %s: array %s (%s)\n", s.JobID, s.Array, plural(len(s.Indices), "task"))
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "follow it:  %s sweep status %s\nlogs:       %s\n", a.self, sw.Name, filepath.Join(sw.Dir(), "logs"))
		return nil
	}
	fmt.Fprintf(a.stdout, "running %d variants here, %d at a time (logs in %s)\n", len(indices), sw.Local.Jobs, filepath.Join(sw.Dir(), "logs"))
	began := time.Now()
	res, err := sw.RunLocal(ctx, indices, func(line string) { fmt.Fprintln(a.stdout, line) })
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%d done, %d failed, %d stopped in %s\n", res.Done, res.Failed, res.Stopped, time.Since(began).Round(time.Second))
	switch {
	case res.Failed > 0:
		return fmt.Errorf("%d of %d variants failed: see '%s sweep status %s', then '%s sweep resume %s'", res.Failed, len(indices), a.self, sw.Name, a.self, sw.Name)
	case ctx.Err() != nil || res.Stopped > 0:
		return fmt.Errorf("sweep %s stopped; '%s sweep resume %s' continues it", sw.Name, a.self, sw.Name)
	}
	return nil
}

// printPlan shows the variants of a planned sweep and what was dropped.
func (a *app) printPlan(p *sweep.Plan) {
	sw := p.Sweep
	axes := make([]string, len(sw.Grid))
	for i, ax := range sw.Grid {
		axes[i] = ax.Param
	}
	fmt.Fprintf(a.stdout, "sweep %s: %d variants of %s over %s (executor %s)\n", sw.Name, len(sw.Variants), sw.Family,
		strings.Join(axes, " x "), sw.Executor)
	rows := make([][]string, 0, len(sw.Variants))
	for i, v := range sw.Variants {
		found := p.Found[i]
		switch found {
		case "":
			found = "new"
		case "complete":
			found = "complete: not run again"
		default:
			found += ": continued"
		}
		rows = append(rows, []string{fmt.Sprint(v.Index), strings.Join(sw.GridParams(v), " "), v.Name, found})
	}
	_ = writeTable(a.stdout, []string{"#", "PARAMS", "VARIANT", "RESULTS"}, rows)
	for _, d := range sw.Dropped {
		fmt.Fprintf(a.stdout, "dropped grid point %s: %s\n", sweep.PointString(sw.Grid, d.Params), d.Reason)
	}
	for _, u := range p.Unreadable {
		fmt.Fprintf(a.stdout, "cannot read %s (its task will say why)\n", u)
	}
}

// printDryRun shows what the sweep would submit or run.
func (a *app) printDryRun(ctx context.Context, sw *sweep.Sweep, todo []int) error {
	fmt.Fprintf(a.stdout, "dry run: nothing recorded; %d variants would run\n", len(todo))
	if len(todo) == 0 {
		return nil
	}
	if sw.Executor == sweep.ExecutorLocal {
		fmt.Fprintf(a.stdout, "each task would run: %s INDEX\n", strings.Join(sweep.TaskCommand(sw), " "))
		return nil
	}
	max, err := sweep.MaxArraySize(ctx)
	if err != nil {
		const assumed = 1001 // Slurm's default
		fmt.Fprintf(a.stdout, "MaxArraySize unknown (%v): assuming %d\n", err, assumed)
		max = assumed
	}
	for _, args := range sw.PlanSlurm(todo, max).Sbatch {
		fmt.Fprintf(a.stdout, "would run: sbatch %s\n", strings.Join(args, " "))
	}
	fmt.Fprintf(a.stdout, "task script %s:\n%s", sw.ScriptPath(), sweep.TaskScript(sw))
	return nil
}

// plural writes n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
