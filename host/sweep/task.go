package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/job"
	"github.com/tdw-workbench/tdw/host/variant"
)

// TaskOptions are what a task reports through and who runs it.
type TaskOptions struct {
	// Out receives the task's few lines of text (its log); nil: none.
	Out io.Writer
	// TrainProgress and AnalyzeProgress, if set, receive progress reports.
	TrainProgress   func(variant.Progress)
	AnalyzeProgress func(analysis.Progress)
	// SlurmJob ("JOB_TASK") and Restarts describe the Slurm task running
	// this, from its environment; empty outside Slurm.
	SlurmJob string
	Restarts int
}

// RunTask runs the task of variant index: it trains the variant unless it
// is trained (a stopped run is resumed, so a requeued task continues where
// it was interrupted), then analyzes it with the sweep's analyzers. The
// task's record says it is running, then how it ended. Cancelling ctx stops
// it after saving its state; the record then says Stopped.
func RunTask(ctx context.Context, env job.Env, sw *Sweep, index int, opts TaskOptions) error {
	if index < 0 || index >= len(sw.Variants) {
		return fmt.Errorf("sweep %s has no variant %d (indices 0 to %d)", sw.Name, index, len(sw.Variants)-1)
	}
	v := sw.Variants[index]
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	host, _ := os.Hostname()
	rec := &TaskRecord{Index: index, Variant: v.Name, State: Running, Host: host, PID: os.Getpid(),
		SlurmJob: opts.SlurmJob, Restarts: opts.Restarts, Started: time.Now().UTC().Truncate(time.Second)}
	fmt.Fprintf(out, "== sweep %s task %d: %s (%s) on %s, pid %d%s, %s\n", sw.Name, index, v.Name,
		strings.Join(sw.GridParams(v), " "), host, rec.PID, slurmText(opts), rec.Started.Format(time.RFC3339))
	if err := sw.writeRecord(rec); err != nil {
		return err
	}
	err := trainPhase(ctx, env, sw, v, out, opts)
	if err == nil {
		err = analyzePhase(ctx, env, sw, v, out, opts)
	}
	rec.Ended = time.Now().UTC().Truncate(time.Second)
	switch {
	case err == nil:
		rec.State = Done
	case ctx.Err() != nil:
		rec.State, rec.Error = Stopped, "interrupted: "+oneLine(err.Error())
	default:
		rec.State, rec.Error = Failed, oneLine(err.Error())
	}
	fmt.Fprintf(out, "== task %d %s\n", index, rec.State)
	if werr := sw.writeRecord(rec); werr != nil && err == nil {
		err = werr
	}
	return err
}

// trainPhase trains v unless the results tree holds it trained; a run
// stopped part way is resumed as recorded.
func trainPhase(ctx context.Context, env job.Env, sw *Sweep, v Variant, out io.Writer, opts TaskOptions) error {
	req := job.TrainRequest{Family: sw.Family, Preset: sw.Preset, Params: v.Params, Epochs: sw.Epochs, Checkpoints: sw.Checkpoints}
	if existing, err := variant.Open(env.Results, sw.Family, v.Name); err == nil {
		st, err := existing.State()
		if err != nil {
			return err
		}
		if st != variant.Untrained {
			fmt.Fprintf(out, "variant %s is %s: not training\n", v.Name, st)
			return nil
		}
		if m, err := existing.Metadata(); err == nil && m.Status == variant.StatusTraining {
			req.Resume, req.Epochs, req.Checkpoints = true, 0, ""
			fmt.Fprintf(out, "resuming %s at epoch %d of %d\n", v.Name, m.ResumeEpoch, m.NumEpochs)
		}
	}
	if !req.Resume {
		fmt.Fprintf(out, "training %s\n", v.Name)
	}
	res, err := job.Train(ctx, env, req, opts.TrainProgress)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "trained %s: %d checkpoints, final train loss %.4g, test loss %.4g\n", v.Name,
		len(res.Result.CheckpointEpochs), res.Result.FinalTrainLoss, res.Result.FinalTestLoss)
	return nil
}

// analyzePhase runs the sweep's analyzers over v's checkpoints.
func analyzePhase(ctx context.Context, env job.Env, sw *Sweep, v Variant, out io.Writer, opts TaskOptions) error {
	fmt.Fprintf(out, "analyzing %s\n", v.Name)
	rep, err := job.Analyze(ctx, env, job.AnalyzeRequest{Family: sw.Family, Variant: v.Name, Analyzers: sw.Analyzers,
		Settings: sw.Settings}, opts.AnalyzeProgress)
	if rep != nil && len(rep.Analyzers) > 0 {
		fmt.Fprintln(out, job.ReportLine(rep))
	}
	if errors.Is(err, analysis.ErrFailures) && rep != nil {
		return fmt.Errorf("%w: %s", err, firstFailure(rep))
	}
	return err
}

// firstFailure names the first failing analyzer (by name, then epoch) and
// its message.
func firstFailure(rep *analysis.Report) string {
	names := make([]string, 0, len(rep.Analyzers))
	for n := range rep.Analyzers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fails := rep.Analyzers[n].Failures
		epochs := make([]int, 0, len(fails))
		for e := range fails {
			epochs = append(epochs, e)
		}
		sort.Ints(epochs)
		if len(epochs) > 0 {
			return fmt.Sprintf("%s (epoch %d): %s", n, epochs[0], fails[epochs[0]])
		}
	}
	return "see the analysis manifest"
}

func slurmText(o TaskOptions) string {
	if o.SlurmJob == "" {
		return ""
	}
	return fmt.Sprintf(", Slurm task %s, restart %d", o.SlurmJob, o.Restarts)
}

// oneLine flattens a message to one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ")), " ")
}
