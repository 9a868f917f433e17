package analysis

import (
	"context"
	"fmt"
	"time"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/sdk"
)

// loaded is one checkpoint ready for the analyzers.
type loaded struct {
	epoch int
	m     *model.Model
	cache *model.Cache
	sha   string
	err   error
}

// forwardPass is the one forward pass each checkpoint gets: the union of
// what the analyzers with work declare, and the positions kept per hook.
type forwardPass struct {
	opts model.ForwardOptions
	have map[string]model.Positions
}

// perCheckpoint runs the per-checkpoint phase: it launches and begins every
// analyzer with work, then loads each checkpoint and runs its forward pass
// ahead of the analyzers (prefetch), which work on the checkpoint in hand
// concurrently. The manifest and summaries are flushed every SaveEvery
// checkpoints and at the end.
func (r *Run) perCheckpoint(ctx context.Context, s *setup, per []*active) error {
	work := pendingEpochs(s.epochs, per)
	if len(work) == 0 {
		return nil
	}
	r.startPlugins(ctx, s, per)
	defer r.stopPlugins(ctx, per)
	pass := planForward(per)
	feed := prefetch(ctx, len(work), func(i int) loaded { return r.load(s, work[i], pass) })
	defer feed.stop()
	shared := &sharedInputs{log: r.log}
	defer shared.close()

	start := time.Now()
	done, sinceFlush := 0, 0
	for {
		l, ok := feed.next()
		if !ok || ctx.Err() != nil {
			break
		}
		if l.err != nil {
			r.checkpointFailed(s.man, per, l)
			continue
		}
		r.analyzeCheckpoint(ctx, s, per, l, pass, shared)
		done++
		sinceFlush++
		if sinceFlush >= max(1, r.cfg.SaveEvery) || done == len(work) {
			sinceFlush = 0
			if err := r.flush(s.man, per); err != nil {
				return err
			}
		}
		if r.opts.Progress != nil {
			el := time.Since(start)
			r.opts.Progress(Progress{Phase: "analyze", Epoch: l.epoch, Done: done, Total: len(work), Elapsed: el,
				ETA: time.Duration(float64(el) / float64(done) * float64(len(work)-done))})
		}
	}
	return r.flush(s.man, per)
}

// pendingEpochs returns the epochs at least one analyzer has to compute.
func pendingEpochs(epochs []int, per []*active) []int {
	var work []int
	for _, e := range epochs {
		for _, a := range per {
			if a.todo[e] {
				work = append(work, e)
				break
			}
		}
	}
	return work
}

// startPlugins launches and begins every analyzer with work, concurrently.
// One that fails is marked dead and reported as failed as a whole (-1).
func (r *Run) startPlugins(ctx context.Context, s *setup, per []*active) {
	var with []*active
	for _, a := range per {
		if len(a.todo) > 0 {
			with = append(with, a)
		}
	}
	parallel(len(with), func(i int) {
		a := with[i]
		p, err := r.opts.Launch(ctx, a.m, a.contract.replyLimit())
		if err != nil {
			a.dead = err
			return
		}
		a.plugin = p
		if err := p.Begin(ctx, r.runInfo(s, a)); err != nil {
			a.dead = err
		}
	})
	for _, a := range per {
		if a.dead != nil {
			a.rep.Failures[-1] = a.dead.Error()
			record(s.man, a.m.Name).Errors[-1] = oneLine(a.dead.Error())
			r.log.Error("analyzer unavailable", "analyzer", a.m.Name, "error", a.dead)
		} else if len(a.todo) > 0 {
			delete(record(s.man, a.m.Name).Errors, -1)
		}
	}
}

// stopPlugins ends (unless ctx was cancelled or the plugin died) and closes
// every launched plugin.
func (r *Run) stopPlugins(ctx context.Context, per []*active) {
	for _, a := range per {
		if a.plugin == nil {
			continue
		}
		if a.dead == nil && ctx.Err() == nil {
			if err := a.plugin.End(ctx); err != nil { // under the analyzer.json timeout (PluginLauncher)
				r.log.Warn("analyzer end failed", "analyzer", a.m.Name, "error", err)
			}
		}
		a.plugin.Close()
	}
}

// planForward returns the forward pass the live analyzers with work need.
func planForward(per []*active) forwardPass {
	var needs []*needs
	for _, a := range per {
		if a.dead == nil && len(a.todo) > 0 {
			needs = append(needs, a.needs)
		}
	}
	opts, _ := forwardOptions(needs)
	have := map[string]model.Positions{}
	for _, h := range opts.Hooks {
		have[h.Pattern] = h.Positions
	}
	return forwardPass{opts: opts, have: have}
}

// load reads the checkpoint of epoch and runs its forward pass over the
// probe.
func (r *Run) load(s *setup, epoch int, pass forwardPass) loaded {
	l := loaded{epoch: epoch, sha: s.hashes[epoch]}
	l.m, l.err = r.v.LoadModel(epoch)
	if l.err == nil {
		l.cache, l.err = l.m.Forward(s.host.probe.Tokens, pass.opts)
	}
	return l
}

// checkpointFailed records a checkpoint that could not be loaded as a
// failure of every analyzer that needed it.
func (r *Run) checkpointFailed(man *results.Manifest, per []*active, l loaded) {
	for _, a := range per {
		if a.todo[l.epoch] {
			a.rep.Failures[l.epoch] = l.err.Error()
			record(man, a.m.Name).Errors[l.epoch] = oneLine(l.err.Error())
		}
	}
	r.log.Error("checkpoint failed", "epoch", l.epoch, "error", l.err)
}

// analyzeCheckpoint runs every analyzer with work at l's epoch on it,
// concurrently, and records each outcome.
func (r *Run) analyzeCheckpoint(ctx context.Context, s *setup, per []*active, l loaded, pass forwardPass, shared *sharedInputs) {
	s.host.set(l.m, l.epoch)
	ready, cps := r.checkpointInputs(s.man, per, l, pass)
	shared.share(cps)
	type outcome struct {
		er  *results.EpochRecord
		err error
	}
	outs := make([]outcome, len(ready))
	priors := make([]func(string) ([]int, int, bool), len(ready))
	for i, a := range ready {
		priors[i] = summaryShapes(record(s.man, a.m.Name), l.epoch)
	}
	parallel(len(ready), func(i int) {
		outs[i].er, outs[i].err = r.analyzeOne(ctx, ready[i], cps[i], l.sha, priors[i])
	})
	for i, a := range ready {
		r.recordOutcome(ctx, s.man, a, l.epoch, outs[i].er, outs[i].err)
	}
	shared.release()
	s.host.set(nil, 0)
}

// checkpointInputs cuts each analyzer's inputs at l's epoch from the shared
// forward pass. It returns the analyzers ready to run and their inputs; an
// analyzer that is dead, or whose inputs cannot be cut, is recorded as
// failed at the epoch instead.
func (r *Run) checkpointInputs(man *results.Manifest, per []*active, l loaded, pass forwardPass) ([]*active, []*sdk.Checkpoint) {
	weights := l.m.StateDict()
	var ready []*active
	var cps []*sdk.Checkpoint
	for _, a := range per {
		if !a.todo[l.epoch] {
			continue
		}
		if a.dead != nil {
			a.rep.Failures[l.epoch] = "not run: " + a.dead.Error()
			continue
		}
		cp, err := checkpointFor(l.epoch, a.needs, l.cache, pass.have, pass.opts.Logits, weights)
		if err != nil {
			msg := fmt.Sprintf("analyzer %s epoch %d: %v", a.m.Name, l.epoch, err)
			a.rep.Failures[l.epoch] = msg
			record(man, a.m.Name).Errors[l.epoch] = oneLine(msg)
			continue
		}
		ready = append(ready, a)
		cps = append(cps, cp)
	}
	return ready, cps
}

// recordOutcome records one analyzer's result at epoch in the manifest and
// its report. A failure while ctx is cancelled is an interruption, not
// recorded; a failure that left the plugin unusable marks it dead.
func (r *Run) recordOutcome(ctx context.Context, man *results.Manifest, a *active, epoch int, er *results.EpochRecord, err error) {
	rec := record(man, a.m.Name)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		a.rep.Failures[epoch] = err.Error()
		rec.Errors[epoch] = oneLine(err.Error())
		if perr := a.plugin.Err(); perr != nil {
			a.dead = perr
		}
		r.log.Error("analyzer failed", "analyzer", a.m.Name, "epoch", epoch, "error", err)
		return
	}
	rec.Epochs[epoch] = er
	delete(rec.Errors, epoch)
	a.rep.Computed++
	a.rep.Seconds += er.Seconds
}

// analyzeOne runs one analyzer on one checkpoint and writes its artifact.
func (r *Run) analyzeOne(ctx context.Context, a *active, cp *sdk.Checkpoint, sha string, prior func(string) ([]int, int, bool)) (*results.EpochRecord, error) {
	t0 := time.Now()
	res, err := a.plugin.Analyze(ctx, cp) // under the analyzer.json timeout (PluginLauncher)
	if err != nil {
		return nil, err
	}
	if res == nil {
		res = &sdk.Result{}
	}
	if err := a.contract.check(res.Arrays, res.Summary, nil, prior); err != nil {
		return nil, fmt.Errorf("analyzer %s epoch %d returned %w", a.m.Name, cp.Epoch, err)
	}
	return r.writeEpoch(a, cp.Epoch, res.Arrays, res.Summary, sha, t0)
}
