package analysis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/sdk"
)

// secondaryPhase runs the secondary analyzers (artifact to artifact, per
// epoch, no model) after the per-checkpoint phase, each after the
// analyzers it reads (dependency order). An epoch is computed when its
// inputs changed since it was (the sources' records at that epoch), and a
// source that has no artifact at an epoch makes that epoch a failure.
func (r *Run) secondaryPhase(ctx context.Context, s *setup, sec []*active) error {
	order, err := dependencyOrder(sec)
	if err != nil {
		return err
	}
	for i, a := range order {
		if ctx.Err() != nil {
			return nil
		}
		r.runSecondary(ctx, s, a)
		if err := r.flush(s.man, []*active{a}); err != nil {
			return err
		}
		if r.opts.Progress != nil {
			r.opts.Progress(Progress{Phase: "secondary", Done: i + 1, Total: len(order)})
		}
	}
	return nil
}

// runSecondary computes the epochs of one secondary analyzer that are not
// up to date, one AnalyzeAcross call per epoch, launching its plugin at the
// first.
func (r *Run) runSecondary(ctx context.Context, s *setup, a *active) {
	rec := record(s.man, a.m.Name)
	defer func() {
		if a.plugin != nil {
			a.plugin.Close()
		}
	}()
	for _, e := range s.epochs {
		if ctx.Err() != nil || a.dead != nil {
			return
		}
		key, err := r.secondaryKey(s.man, a, e)
		if err != nil {
			a.rep.Failures[e] = err.Error()
			rec.Errors[e] = oneLine(err.Error())
			continue
		}
		if er := rec.Epochs[e]; !r.cfg.Force && er != nil && er.InputsKey == key && r.art.EpochIntact(a.m.Name, e, er, true) {
			a.rep.UpToDate++
			continue
		}
		if a.plugin == nil {
			// Assigned only on success: a failed launch's Plugin may be a
			// typed nil, which the deferred Close must not see.
			p, err := r.opts.Launch(ctx, a.m, a.contract.replyLimit())
			if err != nil {
				a.dead = err
				a.rep.Failures[-1] = err.Error()
				rec.Errors[-1] = oneLine(err.Error())
				return
			}
			a.plugin = p
		}
		er, err := r.secondaryEpoch(ctx, s, a, e, key)
		r.recordOutcome(ctx, s.man, a, e, er, err)
	}
}

// secondaryKey identifies what a secondary analyzer's epoch is computed
// from: its version and settings, and each source's record at the epoch.
func (r *Run) secondaryKey(man *results.Manifest, a *active, epoch int) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|%s\n", a.m.Name, a.m.Version, a.key)
	for _, ref := range a.m.Inputs.Artifacts {
		src, ok := man.Analyzers[ref.Analyzer]
		var er *results.EpochRecord
		if ok {
			er = src.Epochs[epoch]
		}
		if er == nil {
			if ok && src.Errors[epoch] != "" {
				return "", fmt.Errorf("not run: its input %s failed at epoch %d", ref, epoch)
			}
			return "", fmt.Errorf("analyzer %s needs %s at epoch %d, which has no artifact there (run it first or add it to the run)", a.m.Name, ref, epoch)
		}
		fmt.Fprintf(h, "%s %s %s %s %s %s\n", ref, src.Version, src.SettingsKey, er.CheckpointSHA256, er.SHA256, er.InputsKey)
	}
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// secondaryEpoch sends one epoch's source artifacts, each with a leading
// epoch axis of 1, and holds the reply (the same leading axis) to the
// contract before writing it.
func (r *Run) secondaryEpoch(ctx context.Context, s *setup, a *active, epoch int, key string) (*results.EpochRecord, error) {
	inputs, err := r.secondaryInputs(s.man, a, epoch)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	out, err := a.plugin.AnalyzeAcross(ctx, r.runInfo(s, a), inputs)
	if err != nil {
		return nil, err
	}
	arrays, summary := map[string]*sdk.Tensor{}, map[string]*sdk.Tensor{}
	for name, t := range out {
		if t.Rank() < 1 || t.Shape()[0] != 1 {
			return nil, fmt.Errorf("analyzer %s epoch %d returned %q as %s, want a leading epoch axis of 1", a.m.Name, epoch, name, t)
		}
		one := t.Reshape(t.Shape()[1:]...)
		if _, ok := findSpec(a.m.Summary, name); ok {
			summary[name] = one
		} else {
			arrays[name] = one
		}
	}
	if err := a.contract.check(arrays, summary, nil, summaryShapes(record(s.man, a.m.Name), epoch)); err != nil {
		return nil, fmt.Errorf("analyzer %s epoch %d returned %w", a.m.Name, epoch, err)
	}
	er, err := r.writeEpoch(a, epoch, arrays, summary, s.hashes[epoch], t0)
	if er != nil {
		er.InputsKey = key
	}
	return er, err
}

// secondaryInputs loads each source's artifact (or summary) at epoch,
// stacked over that one epoch.
func (r *Run) secondaryInputs(man *results.Manifest, a *active, epoch int) (map[string]*sdk.Stacked, error) {
	rd := r.art.With(man)
	in := map[string]*sdk.Stacked{}
	for _, ref := range a.m.Inputs.Artifacts {
		var arrays map[string]*sdk.Tensor
		if ref.Summary {
			arrays = map[string]*sdk.Tensor{}
			for name, v := range man.Analyzers[ref.Analyzer].Epochs[epoch].Summary {
				t, err := v.Tensor()
				if err != nil {
					return nil, fmt.Errorf("analyzer %s input %s: %q at epoch %d: %w", a.m.Name, ref, name, epoch, err)
				}
				arrays[name] = t
			}
		} else {
			var err error
			if arrays, err = rd.LoadEpoch(ref.Analyzer, epoch); err != nil {
				return nil, fmt.Errorf("analyzer %s input %s: %w", a.m.Name, ref, err)
			}
		}
		st := &sdk.Stacked{Epochs: []int{epoch}, Arrays: map[string]*sdk.Tensor{}}
		for name, t := range arrays {
			st.Arrays[name] = t.Reshape(append([]int{1}, t.Shape()...)...)
		}
		in[ref.String()] = st
	}
	return in, nil
}

// writeEpoch writes one epoch's arrays and returns its record: the file's
// size and sha256, the checkpoint it derives from, and the statistics.
func (r *Run) writeEpoch(a *active, epoch int, arrays, summary map[string]*sdk.Tensor, sha string, t0 time.Time) (*results.EpochRecord, error) {
	rel := results.EpochRel(a.m.Name, epoch)
	path := r.art.Path(rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if err := artifact.WriteNPZ(path, arrays, artifact.WriteOptions{}); err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	sum, err := checkpoint.FileSHA256(path)
	if err != nil {
		return nil, err
	}
	er := &results.EpochRecord{File: rel, CheckpointSHA256: sha, Seconds: time.Since(t0).Seconds(), Bytes: st.Size(), SHA256: sum,
		Summary: map[string]results.SummaryValue{}}
	for name, t := range summary {
		er.Summary[name] = summaryValue(t)
	}
	return er, nil
}
