package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/sweep"
)

func init() {
	sweepSubcommands = append(sweepSubcommands, sweepStatusCommand, sweepResumeCommand, sweepCancelCommand)
}

func sweepStatusCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "status [NAME]",
		Short: "Show where each variant of a sweep stands (without NAME: list the sweeps)",
		Long: `Show each variant of sweep NAME: its state (queued, running, done, failed,
stopped), the Slurm state and restarts of its task, its progress read from the
results folder (epochs trained, analyzers up to date) and the last error line of a
task that failed or stopped. A variant is done when the results folder holds it
trained and analyzed; otherwise Slurm (squeue) is asked while it still knows the
task, then the task's own record (RESULTS/.tdw/sweeps/NAME/tasks/INDEX.json).

'stopped' is a task interrupted after saving its state (cancelled, out of time,
preempted); 'tdw-host sweep resume NAME' continues it, and reruns failed ones.

Without NAME, list the sweeps of the results folder with a summary each.`,
		Example: `  tdw-host sweep status
  tdw-host sweep status modadd-primes`,
		Args: cobra.MaximumNArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return a.sweepList(cmd.Context())
			}
			sw, rep, err := a.sweepReport(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			a.printReport(sw, rep)
			return nil
		}),
	}
}

func sweepResumeCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "resume NAME",
		Short: "Run a sweep's failed and stopped variants again (a stopped training continues)",
		Long: `Submit (Slurm) or run (local, in the foreground) the variants of sweep NAME that
are neither done nor queued nor running, with the sweep's recorded options: a
training stopped part way continues where it stopped, a finished one is not
trained again, and the analysis computes only what is missing.`,
		Example: `  tdw-host sweep resume modadd-primes`,
		Args:    cobra.ExactArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			sw, rep, err := a.sweepReport(ctx, args[0])
			if err != nil {
				return err
			}
			todo := rep.Incomplete()
			if len(todo) == 0 {
				fmt.Fprintf(a.stdout, "nothing to resume: %s\n", rep.Summary())
				return nil
			}
			fmt.Fprintf(a.stdout, "resuming %d of %d variants of sweep %s (%s)\n", len(todo), len(sw.Variants), sw.Name, rep.Summary())
			return a.sweepStart(ctx, sw, todo)
		}),
	}
}

func sweepCancelCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel NAME",
		Short: "Stop a sweep: scancel its Slurm jobs, or stop its local pool",
		Long: `Cancel the Slurm jobs of sweep NAME that still have tasks queued or running
(scancel), or send SIGTERM to the local pool running it. Running tasks save their
state and stop; 'tdw-host sweep resume NAME' continues them.`,
		Example: `  tdw-host sweep cancel modadd-primes`,
		Args:    cobra.ExactArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			sw, err := sweep.Load(a.cfg.ResultsDir, args[0])
			if err != nil {
				return err
			}
			msg, err := sw.Cancel(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, msg)
			return nil
		}),
	}
}

// sweepReport loads a sweep and reads its status, asking Slurm.
func (a *app) sweepReport(ctx context.Context, name string) (*sweep.Sweep, *sweep.Report, error) {
	sw, err := sweep.Load(a.cfg.ResultsDir, name)
	if err != nil {
		return nil, nil, err
	}
	// Progress is judged against the analyzers the tasks run: those of the
	// folders the sweep recorded.
	fams, ans := registry.NewFamilyRegistry(), registry.NewAnalyzerRegistry()
	_, ferr := fams.Discover(sw.Paths.Families)
	_, aerr := ans.Discover(sw.Paths.Analyzers)
	ms, err := sw.AnalyzerManifests(fams, ans)
	if err = errors.Join(ferr, aerr, err); err != nil {
		a.log.Warn("the analysis is judged by the manifest's existence only", "error", err)
	}
	rep, err := sw.Status(ctx, ms, true)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range rep.Problems {
		a.log.Warn("sweep status", "problem", p)
	}
	return sw, rep, nil
}

// printReport writes a sweep's status table.
func (a *app) printReport(sw *sweep.Sweep, rep *sweep.Report) {
	fmt.Fprintf(a.stdout, "sweep %s: %s, %s, %d variants: %s\n", sw.Name, sw.Family, sw.Executor, len(sw.Variants), rep.Summary())
	if rep.Pool != nil {
		fmt.Fprintf(a.stdout, "local pool: pid %d on %s since %s\n", rep.Pool.PID, rep.Pool.Host, rep.Pool.Since.Format("15:04:05"))
	}
	rows := make([][]string, 0, len(rep.Tasks))
	for _, t := range rep.Tasks {
		slurm := dash(t.Slurm)
		if t.Slurm == "PENDING" && t.SlurmReason != "" && t.SlurmReason != "None" {
			slurm += " (" + t.SlurmReason + ")"
		}
		if t.Job != "" {
			slurm = t.Job + " " + slurm
		}
		row := []string{fmt.Sprint(t.Index), strings.Join(t.Params, " "), t.State, fmt.Sprint(t.Restarts), t.Progress.String(), dash(t.Error)}
		if sw.Executor == sweep.ExecutorSlurm {
			row = append(row[:3], append([]string{slurm}, row[3:]...)...)
		}
		rows = append(rows, row)
	}
	header := []string{"#", "PARAMS", "STATE", "RESTARTS", "PROGRESS", "LAST ERROR"}
	if sw.Executor == sweep.ExecutorSlurm {
		header = []string{"#", "PARAMS", "STATE", "SLURM", "RESTARTS", "PROGRESS", "LAST ERROR"}
	}
	_ = writeTable(a.stdout, header, rows)
	for _, p := range rep.Problems {
		fmt.Fprintf(a.stdout, "note: %s\n", p)
	}
	fmt.Fprintf(a.stdout, "logs: %s\n", filepath.Join(sw.Dir(), "logs", "INDEX.log"))
}

// sweepList prints the sweeps of the results folder, one line each.
func (a *app) sweepList(ctx context.Context) error {
	names, err := sweep.List(a.cfg.ResultsDir)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		fmt.Fprintf(a.stdout, "no sweeps in %s\n", a.cfg.ResultsDir)
		return nil
	}
	var rows [][]string
	for _, n := range names {
		sw, rep, err := a.sweepReport(ctx, n)
		if err != nil {
			rows = append(rows, []string{n, "-", "-", "-", "error: " + err.Error()})
			continue
		}
		rows = append(rows, []string{n, sw.Family, sw.Executor, fmt.Sprint(len(sw.Variants)), rep.Summary()})
	}
	return writeTable(a.stdout, []string{"SWEEP", "FAMILY", "EXECUTOR", "VARIANTS", "STATE"}, rows)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
