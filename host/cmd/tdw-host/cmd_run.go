package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/job"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
)

// defaultFamily is the family `tdw-host run` uses when several are installed.
const defaultFamily = "modulo_addition_1layer"

func init() {
	addCommand(func(a *app) *cobra.Command {
		var o runFlags
		cmd := &cobra.Command{
			Use:   "run",
			Short: "Train the default variant if needed, then analyze it: the workbench's main job",
			Long: `Train the family's default preset variant if it is not trained yet (resuming a
stopped run), then run the family's analyzers over every checkpoint, and say
where the results are and how to look at them.

With no flags: the family is the only one installed, or modulo_addition_1layer;
the variant is the family's default preset (family.json "default_preset", e.g.
quick: p=113 at train fraction 0.5, which groks within minutes on two cores).
A rerun trains nothing and computes only missing or stale artifacts.`,
			Example: `  tdw-host run
  tdw-host run --preset canonical
  tdw-host run --family modulo_addition_1layer -p seed=1`,
			Args: cobra.NoArgs,
			RunE: runE(func(cmd *cobra.Command, _ []string) error {
				return a.runMain(cmd.Context(), o)
			}),
		}
		f := cmd.Flags()
		f.StringVar(&o.family, "family", "", "family to run (default: the only installed one, or "+defaultFamily+")")
		f.StringArrayVarP(&o.params, "param", "p", nil, "domain parameter NAME=VALUE (repeatable)")
		f.StringVar(&o.preset, "preset", "", "family preset (default: the family's default_preset)")
		positiveIntVar(f, &o.epochs, "epochs", "epochs to train an untrained variant (default: the preset's)")
		o.analyze.register(cmd)
		return cmd
	})
}

type runFlags struct {
	family string
	epochs int
	variantArg
	analyze analyzeFlags
}

// pickFamily chooses the run's family.
func (a *app) pickFamily(name string) (*registry.FamilyManifest, error) {
	fams, probs, err := a.discoverFamilies()
	if err != nil {
		return nil, err
	}
	if name != "" {
		return fams.Get(name)
	}
	list := fams.List()
	switch {
	case len(list) == 1:
		return list[0], nil
	case len(list) == 0:
		msg := fmt.Sprintf("no model family is installed in %s (build them with 'make')", a.cfg.FamiliesDir)
		if len(probs) > 0 {
			msg += fmt.Sprintf("; %s failed to load: %v", probs[0].Name, probs[0].Err)
		}
		return nil, fmt.Errorf("%s", msg)
	}
	return fams.Get(defaultFamily)
}

func (a *app) runMain(ctx context.Context, o runFlags) error {
	fam, err := a.pickFamily(o.family)
	if err != nil {
		return err
	}
	preset := o.preset
	if preset == "" {
		preset = fam.DefaultPreset
	}
	given, err := parseParamFlags(o.params)
	if err != nil {
		return err
	}
	params, err := fam.ResolveParams(preset, given)
	if err != nil {
		return usageErrorf("%v", err)
	}
	name, err := fam.VariantPattern.Name(params)
	if err != nil {
		return usageErrorf("%v", err)
	}
	tf := trainFlags{params: o.params, preset: preset, epochs: o.epochs, quiet: o.analyze.quiet, allowLarge: o.analyze.allowLarge}
	if v, err := variant.Open(a.cfg.ResultsDir, fam.Name, name); err == nil {
		st, err := v.State()
		if err != nil {
			return err
		}
		if st != variant.Untrained {
			fmt.Fprintf(a.stdout, "variant %s is %s; not training\n", v.Name, st)
			if o.analyze.dryRun {
				return a.analyze(ctx, fam, v, o.analyze)
			}
			return a.analyzeAndPoint(ctx, fam, v, o)
		}
		if m, err := v.Metadata(); err == nil && m.Status == variant.StatusTraining {
			tf.resume, tf.epochs = true, 0 // a stopped run: continue it as recorded
		}
	}
	if o.analyze.dryRun || !o.analyze.allowLarge {
		if err := a.checkRun(ctx, fam, given, tf, o); err != nil {
			return err
		}
		if o.analyze.dryRun {
			return nil
		}
	}
	fmt.Fprintf(a.stdout, "training %s (preset %s)\n", name, preset)
	if err := a.train(ctx, fam.Name, tf); err != nil {
		return err
	}
	v, err := variant.Open(a.cfg.ResultsDir, fam.Name, name)
	if err != nil {
		return err
	}
	return a.analyzeAndPoint(ctx, fam, v, o)
}

// checkRun estimates the training tf asks for and the analysis of the
// checkpoints it will write, before anything runs: a dry run prints both; a
// run refuses either one the machine cannot hold now, not after hours of
// training.
func (a *app) checkRun(ctx context.Context, fam *registry.FamilyManifest, given map[string]string, tf trainFlags, o runFlags) error {
	fams := registry.NewFamilyRegistry()
	if err := fams.Register(fam); err != nil {
		return err
	}
	ans, _, err := a.discoverAnalyzers()
	if err != nil {
		return err
	}
	req := job.TrainRequest{Family: fam.Name, Preset: tf.preset, Params: given, Epochs: tf.epochs, Resume: tf.resume}
	train, analysis, err := job.EstimateTrainAndAnalyze(ctx, a.jobEnv(fams, ans), req, analyzerNames(o.analyze.analyzers))
	if err != nil {
		return jobError(err)
	}
	if o.analyze.dryRun {
		a.printEstimates("nothing trained or analyzed", train, analysis)
		return nil
	}
	if err := train.Check(); err != nil {
		return err
	}
	return analysis.Check()
}

// analyzeAndPoint analyzes v and tells the researcher where to look.
func (a *app) analyzeAndPoint(ctx context.Context, fam *registry.FamilyManifest, v *variant.Variant, o runFlags) error {
	fmt.Fprintf(a.stdout, "analyzing %s\n", v.Name)
	err := a.analyze(ctx, fam, v, o.analyze)
	art := results.For(v)
	if pa, perr := results.ForProbe(v, fam, o.analyze.probe); perr == nil {
		art = pa
	}
	fmt.Fprintf(a.stdout, `
results:     %s
checkpoints: %s
artifacts:   %s
look at them:
  tdw-host serve    (the dashboard, at http://127.0.0.1:8060/)
  tdw-host variants %s
  tdw-host artifacts %s
  python3 -c "import numpy as np; d = np.load('%s'); print({k: d[k].shape for k in d})"
  (docs/python.md shows loading checkpoints into TransformerLens and artifacts into numpy)
`, v.Dir(), v.CheckpointsDir(), art.Dir(), fam.Name, v.Name,
		art.SummaryPath("neuron_freq_norm"))
	return err
}
