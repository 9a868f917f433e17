package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/job"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
)

func init() {
	addCommand(func(a *app) *cobra.Command {
		var o trainFlags
		cmd := &cobra.Command{
			Use:   "train FAMILY",
			Short: "Train a variant of a model family, writing checkpoints on a schedule",
			Long: `Train the variant of FAMILY given by its domain parameters (-p NAME=VALUE, see
'tdw-host families FAMILY'; unset ones take the preset's or family's defaults)
into RESULTS/FAMILY/VARIANT/: config.json, metadata.json (per-epoch losses,
checkpoint hashes, split, seeds) and checkpoints/checkpoint_epoch_NNNNN.safetensors
at the epochs of the checkpoint schedule (docs/formats/results-tree.md).

--preset takes a family preset's parameters and training settings (e.g. quick,
canonical); --epochs changes the epoch count (the schedule is rescaled to it);
--checkpoints gives a schedule spec for this run: comma-separated E, A:B:S
(A, A+S, ... up to B) or final.

A variant already trained is not overwritten without --force. Ctrl-C stops
cleanly after saving the current epoch; --resume continues a stopped run and
gives the same checkpoints as an uninterrupted one. --extend-to N trains a
finished run further, to N epochs (with --checkpoints, the schedule for the new
epochs; otherwise the run's schedule rescaled to N).

A progress line (epoch, train and test loss, test accuracy, ETA) goes to stderr;
the summary to stdout.`,
			Example: `  tdw-host train modulo_addition_1layer --preset quick
  tdw-host train modulo_addition_1layer -p prime=59 -p train_fraction=0.5 --epochs 1500
  tdw-host train modulo_addition_1layer --preset quick --resume
  tdw-host train modulo_addition_1layer --preset quick --extend-to 2000`,
			Args: cobra.ExactArgs(1),
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				return a.train(cmd.Context(), args[0], o)
			}),
		}
		f := cmd.Flags()
		f.StringArrayVarP(&o.params, "param", "p", nil, "domain parameter NAME=VALUE (repeatable)")
		f.StringVar(&o.preset, "preset", "", "family preset to start from (see 'tdw-host families FAMILY')")
		positiveIntVar(f, &o.epochs, "epochs", "number of epochs (default: the preset's or family's)")
		f.StringVar(&o.checkpoints, "checkpoints", "", "checkpoint schedule spec, e.g. 0:1000:50,final")
		f.BoolVar(&o.resume, "resume", false, "continue a stopped run from its last saved state")
		positiveIntVar(f, &o.extendTo, "extend-to", "train a finished run further, to this many epochs")
		f.BoolVar(&o.force, "force", false, "discard an existing run of the variant (checkpoints and analysis) and train from scratch")
		f.BoolVar(&o.quiet, "quiet", false, "no progress line")
		f.BoolVar(&o.dryRun, "dry-run", false, "print the run's memory and disk estimate against what this machine has, and train nothing")
		f.BoolVar(&o.allowLarge, "allow-large", false, "train even when the estimate exceeds this machine's available memory or free disk")
		return cmd
	})
}

// trainFlags are the train command's options.
type trainFlags struct {
	params      []string
	preset      string
	epochs      int
	checkpoints string
	resume      bool
	extendTo    int
	force       bool
	quiet       bool
	dryRun      bool
	allowLarge  bool
}

// parseParamFlags turns NAME=VALUE flags into a map, refusing repeats.
func parseParamFlags(list []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, usageErrorf("-p %q: want NAME=VALUE", kv)
		}
		if _, dup := out[k]; dup {
			return nil, usageErrorf("-p %s given twice", k)
		}
		out[k] = strings.TrimSpace(v)
	}
	return out, nil
}

func (a *app) train(ctx context.Context, family string, o trainFlags) error {
	given, err := parseParamFlags(o.params)
	if err != nil {
		return err
	}
	req := job.TrainRequest{
		Family: family, Preset: o.preset, Params: given, Epochs: o.epochs, Checkpoints: o.checkpoints,
		Resume: o.resume, ExtendTo: o.extendTo, Force: o.force, AllowLarge: o.allowLarge,
	}
	// Refuse contradictory flags before discovering anything, worded with
	// the flags (job.Train checks the same again).
	if err := req.CheckAs(flagName); err != nil {
		return jobError(err)
	}
	fams, _, err := a.discoverFamilies()
	if err != nil {
		return err
	}
	if o.dryRun {
		est, err := job.EstimateTrain(ctx, a.jobEnv(fams, nil), req)
		if err != nil {
			return jobError(err)
		}
		a.printEstimates("nothing trained", est)
		return nil
	}
	// Ctrl-C and SIGTERM cancel the run, which then saves its state.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	pr := newProgressPrinter(a.stderr, o.quiet)
	out, err := job.Train(ctx, a.jobEnv(fams, nil), req, pr.report)
	pr.finish()
	if err != nil {
		if errors.Is(err, variant.ErrInterrupted) {
			if out != nil {
				a.log.Info("stopped", "variant", out.Variant.Name)
			}
		}
		return jobError(err)
	}
	v, res := out.Variant, out.Result
	m, err := v.Metadata()
	if err != nil {
		return err
	}
	grok := "not reached"
	if e := m.GrokkingEpoch(); e >= 0 {
		grok = fmt.Sprintf("first at epoch %d", e)
	}
	_, err = fmt.Fprintf(a.stdout, "variant      %s\nfolder       %s\nepochs       %d\ncheckpoints  %d\ntrain loss   %.4g\ntest loss    %.4g\ntest acc > 0.99 %s\nwall time    %s\n",
		v.Name, res.VariantDir, m.NumEpochs, len(res.CheckpointEpochs), res.FinalTrainLoss, res.FinalTestLoss, grok,
		(time.Duration(m.WallTimeSeconds * float64(time.Second))).Round(time.Second))
	return err
}

// printEstimates prints a dry run's estimates, each with the refusal the
// real run would meet, and what the dry run did not do.
func (a *app) printEstimates(notDone string, ests ...*job.Estimate) {
	for _, e := range ests {
		fmt.Fprint(a.stdout, e)
		if err := e.Check(); err != nil {
			fmt.Fprintf(a.stdout, "  would be refused: %v\n", err)
		}
	}
	fmt.Fprintf(a.stdout, "dry run: %s\n", notDone)
}

// jobEnv is what host/job runs against: this invocation's folders,
// registries and logger.
func (a *app) jobEnv(fams *registry.FamilyRegistry, ans *registry.AnalyzerRegistry) job.Env {
	return job.Env{Results: a.cfg.ResultsDir, Families: fams, Analyzers: ans, Logger: a.log, TDWVersion: tdwVersion()}
}

// cliFlags names the command-line flag of each request field that has one
// of its own.
var cliFlags = map[string]string{"epochs": "--epochs", "checkpoints": "--checkpoints", "extend_to": "--extend-to",
	"resume": "--resume", "force": "--force", "analyzers": "--analyzers", "settings": "--set", "save_every": "--save-every", "probe": "--probe"}

// flagName is the flag of a request field, or the field when it has none.
func flagName(field string) string {
	if f, ok := cliFlags[field]; ok {
		return f
	}
	return field
}

// jobError turns a host/job request error into a usage error worded for the
// command line: parameter, preset and variant errors name what is wrong
// themselves, the others get their flag in front. An unknown family stays
// a runtime error, as for every command that looks one up.
func jobError(err error) error {
	var re *job.RequestError
	if !errors.As(err, &re) || re.Field == "family" {
		return err
	}
	msg := re.Err.Error()
	if f, ok := cliFlags[re.Field]; ok && !strings.HasPrefix(msg, "--") {
		msg = f + ": " + msg
	}
	return usageErrorf("%s", msg)
}

// progressPrinter draws the progress line: redrawn in place on a terminal,
// at most a few times a second; one line per 5% of the run otherwise (a log
// file or CI output).
type progressPrinter struct {
	w     io.Writer
	tty   bool
	quiet bool
	last  time.Time
	lastP int
	drawn bool
}

func newProgressPrinter(w io.Writer, quiet bool) *progressPrinter {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progressPrinter{w: w, tty: tty, quiet: quiet, lastP: -1}
}

func (p *progressPrinter) report(pr variant.Progress) {
	p.draw(pr.Epoch, pr.Total, job.TrainLine(pr))
}

// finish ends a line drawn in place.
func (p *progressPrinter) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
