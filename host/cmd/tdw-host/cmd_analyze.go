package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/job"
	"github.com/tdw-workbench/tdw/host/outcome"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
)

func init() {
	addCommand(func(a *app) *cobra.Command {
		var o analyzeFlags
		cmd := &cobra.Command{
			Use:   "analyze VARIANT",
			Short: "Run analyzers over every checkpoint of a trained variant",
			Long: `Run analyzers over the checkpoints of a trained variant and write their
artifacts under RESULTS/FAMILY/VARIANT/analysis/ (docs/formats/analysis.md):
{analyzer}/epoch_NNNNN.npz per checkpoint, {analyzer}/summary.npz,
{analyzer}/cross_epoch.npz for cross-epoch analyzers, and manifest.json.

Every checkpoint is run on one probe: by default the family's canonical probe
(whose artifacts are those paths), with --probe NAME another the variant holds
('tdw-host probe list VARIANT') or its family declares, whose artifacts go to
analysis/probes/NAME/ instead (docs/formats/probes.md). An analyzer that does
not apply to the probe (it needs context the probe has not, such as the full
grid's shape) is skipped with the reason. A variant trained before probes were
recorded gets its family's probes recorded now.

VARIANT is the variant's folder name, FAMILY/NAME, or FAMILY with -p NAME=VALUE
parameters (and --preset) as given to 'tdw-host train'.

By default the family's analyzers run (family.json "analyzers") over every
checkpoint. A rerun computes only what is missing or stale (the checkpoint
changed, or the analyzer's version or settings); --force recomputes everything.
Ctrl-C stops after the checkpoint in hand and keeps what is done. A failing
analyzer is recorded in the manifest and the others go on; the command then
exits 1 and says which failed.

After the analyzers over the default probe, the variant's outcome summary (variant_summary.json:
loss landmarks, training windows, learned frequencies, failure mode;
docs/formats/variant-summary.md) is brought up to date; --set
variant_summary.NAME=VALUE sets its thresholds.`,
			Example: `  tdw-host analyze modulo_addition_1layer --preset quick
  tdw-host analyze modulo_addition_1layer_p113_seed999_dseed598_frac0.5 --analyzers neuron_freq_norm,progress_measures
  tdw-host analyze modulo_addition_1layer -p prime=59 --checkpoints 0,500,1000 --set landscape_flatness.n_directions=10
  tdw-host analyze modulo_addition_1layer --preset quick --set variant_summary.test_loss_threshold=1e-6
  tdw-host analyze modulo_addition_1layer --preset quick --probe test --analyzers input_trace,repr_geometry`,
			Args: cobra.ExactArgs(1),
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				fam, v, err := a.resolveVariant(args[0], o.variantArg)
				if err != nil {
					return err
				}
				return a.analyze(cmd.Context(), fam, v, o)
			}),
		}
		f := cmd.Flags()
		f.StringArrayVarP(&o.params, "param", "p", nil, "domain parameter NAME=VALUE, with VARIANT a family name (repeatable)")
		f.StringVar(&o.preset, "preset", "", "family preset, with VARIANT a family name")
		o.register(cmd)
		return cmd
	})
}

// analyzeFlags are the analyze command's options (run shares them).
type analyzeFlags struct {
	variantArg
	analyzers   string
	checkpoints string
	probe       string
	settings    []string
	force       bool
	saveEvery   int
	quiet       bool
	dryRun      bool
	allowLarge  bool
}

func (o *analyzeFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.analyzers, "analyzers", "", "comma-separated analyzers to run (default: the family's); here the analyzers folder is --analyzers-dir or TDW_ANALYZERS")
	f.StringVar(&o.checkpoints, "checkpoints", "", "comma-separated epochs to analyze (default: every checkpoint)")
	f.StringVar(&o.probe, "probe", "", "the probe to run the checkpoints on (default: the family's canonical probe; see 'tdw-host probe list')")
	f.StringArrayVar(&o.settings, "set", nil, "analyzer parameter ANALYZER.PARAM=VALUE, or variant_summary.SETTING=VALUE (repeatable)")
	f.BoolVar(&o.force, "force", false, "recompute artifacts that are up to date")
	f.IntVar(&o.saveEvery, "save-every", 1, "flush the manifest every N checkpoints (0: every one)")
	f.BoolVar(&o.quiet, "quiet", false, "no progress line")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the memory and disk estimate against what this machine has, and run nothing")
	f.BoolVar(&o.allowLarge, "allow-large", false, "run even when the estimate exceeds this machine's available memory or free disk")
}

// request turns the flags into an analysis request for the variant v of
// family fam. It only parses; host/job validates the request (and jobError
// words its complaints as flags).
func (o *analyzeFlags) request(fam, v string) (job.AnalyzeRequest, error) {
	r := job.AnalyzeRequest{Family: fam, Variant: v, Analyzers: analyzerNames(o.analyzers), Force: o.force, SaveEvery: o.saveEvery,
		AllowLarge: o.allowLarge, Probe: o.probe}
	if o.checkpoints != "" {
		for _, s := range strings.Split(o.checkpoints, ",") {
			e, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				return r, usageErrorf("--checkpoints: %q is not an epoch", s)
			}
			r.Checkpoints = append(r.Checkpoints, e)
		}
	}
	for _, kv := range o.settings {
		k, v, ok := strings.Cut(kv, "=")
		an, pn, ok2 := strings.Cut(k, ".")
		if !ok || !ok2 || an == "" || pn == "" {
			return r, usageErrorf("--set %q: want ANALYZER.PARAM=VALUE", kv)
		}
		if r.Settings == nil {
			r.Settings = map[string]map[string]string{}
		}
		if r.Settings[an] == nil {
			r.Settings[an] = map[string]string{}
		}
		if _, dup := r.Settings[an][pn]; dup {
			return r, usageErrorf("--set %s.%s given twice", an, pn)
		}
		r.Settings[an][pn] = v
	}
	return r, nil
}

// analyzerNames splits the --analyzers list ("" for the family's set).
func analyzerNames(list string) []string {
	if list == "" {
		return nil
	}
	var out []string
	for _, n := range strings.Split(list, ",") {
		out = append(out, strings.TrimSpace(n))
	}
	return out
}

func (a *app) analyze(ctx context.Context, fam *registry.FamilyManifest, v *variant.Variant, o analyzeFlags) error {
	req, err := o.request(fam.Name, v.Name)
	if err != nil {
		return err
	}
	fams := registry.NewFamilyRegistry()
	if err := fams.Register(fam); err != nil {
		return err
	}
	ans, _, err := a.discoverAnalyzers()
	if err != nil {
		return err
	}
	if o.dryRun {
		est, err := job.EstimateAnalyze(ctx, a.jobEnv(fams, ans), req)
		if err != nil {
			return jobError(err)
		}
		a.printEstimates("nothing analyzed", est)
		return nil
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	pr := newProgressPrinter(a.stderr, o.quiet)
	rep, err := job.Analyze(ctx, a.jobEnv(fams, ans), req, func(p analysis.Progress) {
		line := fmt.Sprintf("%-11s %s %d/%d", p.Phase, bar(p.Done, p.Total), p.Done, p.Total)
		if p.Phase == "analyze" {
			line += fmt.Sprintf("  epoch %d", p.Epoch)
		}
		line += fmt.Sprintf("  elapsed %s", p.Elapsed.Round(time.Second))
		if p.ETA > 0 {
			line += fmt.Sprintf("  ETA %s", p.ETA.Round(time.Second))
		}
		pr.draw(p.Done, p.Total, line)
	})
	pr.finish()
	if rep != nil && len(rep.Analyzers) > 0 {
		printReport(a, fam, v, o.probe, rep)
	}
	if art, perr := results.ForProbe(v, fam, o.probe); perr == nil && art.Dir() == results.For(v).Dir() {
		printSummaryLine(a, v) // the summary follows the default probe only
	}
	return jobError(err)
}

// printSummaryLine names the variant summary and its verdicts, when there
// is one.
func printSummaryLine(a *app, v *variant.Variant) {
	s, err := outcome.Read(v)
	if err != nil {
		return
	}
	fmt.Fprintf(a.stdout, "variant summary %s: failure mode %s (%s); performance class %s\n",
		filepath.Join(v.Dir(), outcome.FileName), s.FailureMode, strings.Join(s.FailureModeReasons, "; "), s.PerformanceClass)
}

// printReport writes the per-analyzer outcome of a run over probe ("" the
// default) to stdout.
func printReport(a *app, fam *registry.FamilyManifest, v *variant.Variant, probe string, rep *analysis.Report) {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ANALYZER\tCOMPUTED\tUP TO DATE\tFAILED\tSECONDS")
	names := make([]string, 0, len(rep.Analyzers))
	for n := range rep.Analyzers {
		names = append(names, n)
	}
	sort.Strings(names)
	var failures, skipped []string
	for _, n := range names {
		r := rep.Analyzers[n]
		if r.Skipped != "" {
			fmt.Fprintf(tw, "%s\t-\t-\t-\tnot applicable\n", n)
			skipped = append(skipped, fmt.Sprintf("  %s: not applicable: %s", n, oneLine(r.Skipped)))
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f\n", n, r.Computed, r.UpToDate, len(r.Failures), r.Seconds)
		for _, e := range sortedEpochs(r.Failures) {
			where := fmt.Sprintf("epoch %d", e)
			if e < 0 {
				where = "run"
			}
			failures = append(failures, fmt.Sprintf("  %s (%s): %s", n, where, oneLine(r.Failures[e])))
		}
	}
	tw.Flush()
	if len(failures) > 0 {
		const show = 10
		fmt.Fprintln(a.stdout, "failures:")
		for i, f := range failures {
			if i == show {
				fmt.Fprintf(a.stdout, "  ... and %d more (see manifest.json)\n", len(failures)-show)
				break
			}
			fmt.Fprintln(a.stdout, f)
		}
	}
	if len(skipped) > 0 {
		fmt.Fprintln(a.stdout, "not applicable (skipped):")
		for _, s := range skipped {
			fmt.Fprintln(a.stdout, s)
		}
	}
	dir := results.For(v).Dir()
	if art, err := results.ForProbe(v, fam, probe); err == nil {
		dir = art.Dir()
	}
	fmt.Fprintf(a.stdout, "artifacts in %s (%s)\n", dir, rep.Elapsed.Round(time.Millisecond))
}

func sortedEpochs(m map[int]string) []int {
	out := make([]int, 0, len(m))
	for e := range m {
		out = append(out, e)
	}
	sort.Ints(out)
	return out
}
