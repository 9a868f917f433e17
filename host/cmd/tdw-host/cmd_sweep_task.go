package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/sweep"
	"github.com/tdw-workbench/tdw/host/variant"
)

func init() {
	sweepSubcommands = append(sweepSubcommands, func(a *app) *cobra.Command {
		return &cobra.Command{
			Use:   "task NAME INDEX",
			Short: "Run one variant of a sweep (what each Slurm array task or pool process runs)",
			Long: `Train variant INDEX of sweep NAME unless it is trained (a stopped run is resumed),
then analyze it, recording the task's state in RESULTS/.tdw/sweeps/NAME/tasks/INDEX.json.
The sweep's executors run this; SIGTERM stops it after saving its state.`,
			Hidden: true,
			Args:   cobra.ExactArgs(2),
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				index, err := strconv.Atoi(args[1])
				if err != nil {
					return usageErrorf("INDEX %q is not a number", args[1])
				}
				return a.sweepTask(cmd, args[0], index)
			}),
		}
	})
}

// sweepTask runs one task of a sweep in this process.
func (a *app) sweepTask(cmd *cobra.Command, name string, index int) error {
	sw, err := sweep.Load(a.cfg.ResultsDir, name)
	if err != nil {
		return err
	}
	fams, _, err := a.discoverFamilies()
	if err != nil {
		return err
	}
	ans, _, err := a.discoverAnalyzers()
	if err != nil {
		return err
	}
	fam, err := fams.Get(sw.Family)
	if err != nil {
		return err
	}
	one := registry.NewFamilyRegistry()
	if err := one.Register(fam); err != nil {
		return err
	}
	// scancel, a time limit, a preemption or a requeue sends SIGTERM: the
	// training saves its state, and a restarted task resumes from it.
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := sweep.TaskOptions{Out: a.stderr}
	if j, t := os.Getenv("SLURM_ARRAY_JOB_ID"), os.Getenv("SLURM_ARRAY_TASK_ID"); j != "" && t != "" {
		opts.SlurmJob = j + "_" + t
		opts.Restarts, _ = strconv.Atoi(os.Getenv("SLURM_RESTART_COUNT"))
	}
	train := newProgressPrinter(a.stderr, false)
	opts.TrainProgress = train.report
	an := newProgressPrinter(a.stderr, false)
	opts.AnalyzeProgress = func(p analysis.Progress) {
		an.draw(p.Done, p.Total, fmt.Sprintf("%-11s %s %d/%d", p.Phase, bar(p.Done, p.Total), p.Done, p.Total))
	}
	err = sweep.RunTask(ctx, a.jobEnv(one, ans), sw, index, opts)
	train.finish()
	an.finish()
	if errors.Is(err, variant.ErrInterrupted) {
		return fmt.Errorf("task %d of sweep %s stopped after saving its state: %w", index, name, err)
	}
	return err
}
