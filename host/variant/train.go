package variant

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/lockfile"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/sdk"
)

// TrainOptions says how Train runs.
type TrainOptions struct {
	// Family is the variant's family plugin; it supplies the data.
	Family sdk.Family
	// Training holds the complete settings of a fresh run (see
	// ResolveTraining). A resumed or extended run keeps the recorded ones.
	Training *TrainingSettings
	// Resume continues a partial run from its last saved state.
	Resume bool
	// ExtendTo, when above the recorded epoch count, trains a completed (or
	// resumed) run further, to ExtendTo epochs.
	ExtendTo int
	// Schedule, with ExtendTo, is the checkpoint schedule spec for the epochs
	// past the old end; "" rescales the recorded schedule to ExtendTo.
	Schedule string
	// Force discards an existing run (checkpoints, analysis) and starts over.
	Force bool
	// Progress, if set, is called after every epoch.
	Progress func(Progress)
	// Logger receives what Train does; nil logs nothing.
	Logger hclog.Logger
	// TDWVersion is recorded in metadata.json and in checkpoint files.
	TDWVersion string
}

// Progress reports one finished epoch.
type Progress struct {
	Epoch     int // epochs completed
	Total     int // the run's target
	TrainLoss float64
	TestLoss  float64
	TestAcc   float64
	Elapsed   time.Duration // this session
	ETA       time.Duration // at this session's pace
}

// TrainingResult is what a training run produced.
type TrainingResult struct {
	TrainLosses      []float64
	TestLosses       []float64
	CheckpointEpochs []int
	FinalTrainLoss   float64
	FinalTestLoss    float64
	VariantDir       string
}

// ErrInterrupted is wrapped by the error Train returns when its context is
// cancelled; the variant is left resumable.
var ErrInterrupted = errors.New("training interrupted")

// Train trains the variant and returns its per-epoch losses and checkpoints.
//
// A fresh run needs opts.Training. A variant with a completed run is refused
// unless opts.Force (start over) or opts.ExtendTo beyond its epochs is given;
// one with a partial run is refused unless opts.Resume or opts.Force.
// Checkpoints are written at the schedule's epochs; after each, the optimizer
// state is saved beside it and metadata.json records everything so far, so a
// crash loses at most the epochs since the last checkpoint. When ctx is
// cancelled, Train saves the current epoch's weights and optimizer state and
// returns an error wrapping ErrInterrupted. The same parameters and settings
// give byte-identical checkpoints, straight or resumed.
func (v *Variant) Train(ctx context.Context, opts TrainOptions) (*TrainingResult, error) {
	log := opts.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	if opts.Family == nil {
		return nil, fmt.Errorf("train %s: no family plugin", v.Name)
	}
	lock, err := lockfile.Acquire(filepath.Join(v.dir, LockFile), "tdw-host train")
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", v.Name, err)
	}
	defer lock.Release()

	m, err := v.Metadata()
	if err != nil {
		return nil, err
	}
	plan, err := v.plan(m, opts)
	if err != nil {
		return nil, err
	}
	if plan.fresh {
		if err := v.reset(m, plan.settings, opts.TDWVersion); err != nil {
			return nil, err
		}
	}

	cfg, err := opts.Family.ModelConfig(ctx, v.Params)
	if err != nil {
		return nil, fmt.Errorf("family plugin %s: ModelConfig: %w", v.Family, err)
	}
	if err := v.checkConfig(cfg, plan.fresh); err != nil {
		return nil, err
	}
	data, err := opts.Family.TrainingData(ctx, v.Params)
	if err != nil {
		return nil, fmt.Errorf("family plugin %s: TrainingData: %w", v.Family, err)
	}
	if err := checkData(v.Family, cfg, data); err != nil {
		return nil, err
	}
	if !plan.fresh && (!slices.Equal(m.TrainIndices, data.TrainIndices) || !slices.Equal(m.TestIndices, data.TestIndices)) {
		return nil, fmt.Errorf("train %s: the family plugin's split differs from the one recorded in %s; retrain with --force", v.Name, v.MetadataPath())
	}

	var weights map[string]*sdk.Tensor
	var opt *checkpoint.OptimizerState
	if !plan.fresh {
		if weights, opt, err = v.loadResume(m, m.ResumeEpoch); err != nil {
			return nil, err
		}
	}
	tr, err := newModelTrainer(cfg, plan.settings, data, weights, opt)
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", v.Name, err)
	}
	return v.run(ctx, tr, m, plan, cfg, data, opts, log)
}

// PlannedRun returns what Train with opts would run, without training: the
// settings (epochs and checkpoint epochs) and the epoch it would start from.
// It refuses what Train would refuse on the recorded state, as Train words
// it. opts.Family is not used.
func (v *Variant) PlannedRun(opts TrainOptions) (settings *TrainingSettings, start int, err error) {
	m, err := v.Metadata()
	if err != nil {
		return nil, 0, err
	}
	plan, err := v.plan(m, opts)
	if err != nil {
		return nil, 0, err
	}
	return plan.settings, plan.start, nil
}

// trainPlan is what one Train call will do.
type trainPlan struct {
	fresh    bool
	start    int // epoch the run resumes from (0 for fresh)
	settings *TrainingSettings
}

// plan decides from the recorded state and the options what to do, refusing
// what would overwrite a run without being asked to.
func (v *Variant) plan(m *Metadata, opts TrainOptions) (*trainPlan, error) {
	switch {
	case opts.Force || m.Status == StatusCreated:
		if (opts.Resume || opts.ExtendTo > 0) && m.Status == StatusCreated {
			return nil, fmt.Errorf("train %s: nothing to resume or extend: the variant has never been trained", v.Name)
		}
		if opts.Training == nil {
			return nil, fmt.Errorf("train %s: no training settings for a fresh run", v.Name)
		}
		return &trainPlan{fresh: true, settings: opts.Training}, nil
	case m.Status == StatusComplete && opts.ExtendTo <= m.NumEpochs:
		if opts.ExtendTo > 0 {
			return nil, fmt.Errorf("train %s: --extend-to %d is not beyond the %d epochs already trained", v.Name, opts.ExtendTo, m.NumEpochs)
		}
		return nil, fmt.Errorf("train %s: already trained to %d epochs in %s; use --force to retrain or --extend-to N to train further", v.Name, m.NumEpochs, v.dir)
	case m.Status == StatusTraining && !opts.Resume:
		return nil, fmt.Errorf("train %s: a partial run stopped at epoch %d in %s; use --resume to continue or --force to start over", v.Name, m.EpochsCompleted, v.dir)
	}
	if m.Training == nil || m.ResumeEpoch < 0 {
		return nil, fmt.Errorf("train %s: %s records no resumable state; use --force to start over", v.Name, v.MetadataPath())
	}
	s := *m.Training
	s.Checkpoints = append([]int(nil), m.Training.Checkpoints...)
	if opts.ExtendTo > s.Epochs {
		ext, spec, err := extensionEpochs(&s, opts.ExtendTo, opts.Schedule)
		if err != nil {
			return nil, fmt.Errorf("train %s: %w", v.Name, err)
		}
		s.Checkpoints = mergeEpochs(s.Checkpoints, ext)
		s.Epochs = opts.ExtendTo
		s.Schedule = spec
	} else if opts.ExtendTo > 0 && opts.ExtendTo < s.Epochs {
		return nil, fmt.Errorf("train %s: --extend-to %d is below the run's %d epochs", v.Name, opts.ExtendTo, s.Epochs)
	}
	return &trainPlan{start: m.ResumeEpoch, settings: &s}, nil
}

// reset clears a variant for a fresh run: checkpoints and analysis go, and
// metadata.json is rewritten with the new settings and no epochs.
func (v *Variant) reset(m *Metadata, s *TrainingSettings, tdwVersion string) error {
	for _, d := range []string{v.CheckpointsDir(), v.ArtifactsDir()} {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("train %s: clear %s: %w", v.Name, d, err)
		}
	}
	fresh := newMetadata(m.Family, m.FamilyVersion, m.Variant, m.Params, tdwVersion)
	fresh.Training = s
	fresh.NumEpochs = s.Epochs
	*m = *fresh
	return WriteMetadata(v.MetadataPath(), m)
}

// checkData refuses data the engine would index out of range.
func checkData(family string, cfg sdk.ModelConfig, d *sdk.TrainingData) error {
	for _, s := range []struct {
		name string
		ds   sdk.Dataset
		idx  []int
	}{{"train", d.Train, d.TrainIndices}, {"test", d.Test, d.TestIndices}} {
		if s.ds.Tokens == nil || s.ds.Labels == nil {
			return fmt.Errorf("family plugin %s: TrainingData: %s split has no tokens or labels", family, s.name)
		}
		sh := s.ds.Tokens.Shape()
		if s.ds.Tokens.DType() != sdk.Int64 || len(sh) != 2 || sh[1] < 1 || sh[1] > cfg.NCtx || sh[0] == 0 {
			return fmt.Errorf("family plugin %s: TrainingData: %s tokens are %v, want non-empty int64 [batch, ≤%d]", family, s.name, s.ds.Tokens, cfg.NCtx)
		}
		if s.ds.Labels.DType() != sdk.Int64 || s.ds.Labels.Rank() != 1 || s.ds.Labels.Len() != sh[0] {
			return fmt.Errorf("family plugin %s: TrainingData: %s labels are %v, want int64 [%d]", family, s.name, s.ds.Labels, sh[0])
		}
		if len(s.idx) != sh[0] {
			return fmt.Errorf("family plugin %s: TrainingData: %d %s indices for %d rows", family, len(s.idx), s.name, sh[0])
		}
		for i, t := range s.ds.Tokens.Int64s() {
			if t < 0 || t >= int64(cfg.DVocab) {
				return fmt.Errorf("family plugin %s: TrainingData: %s token %d (row %d) is outside [0, d_vocab %d)", family, s.name, t, i/sh[1], cfg.DVocab)
			}
		}
		for i, l := range s.ds.Labels.Int64s() {
			if l < 0 || l >= int64(cfg.DVocabOut) {
				return fmt.Errorf("family plugin %s: TrainingData: %s label %d (row %d) is outside [0, d_vocab_out %d)", family, s.name, l, i, cfg.DVocabOut)
			}
		}
	}
	return nil
}

// loadResume reads the weights and optimizer state saved at epoch, after
// verifying both files against the sha256 metadata.json recorded when they
// were written: resuming from a changed file would carry its corruption into
// every later checkpoint under fresh, valid hashes.
func (v *Variant) loadResume(m *Metadata, epoch int) (map[string]*sdk.Tensor, *checkpoint.OptimizerState, error) {
	wpath := v.CheckpointPath(epoch)
	if _, err := os.Stat(wpath); err != nil {
		wpath = filepath.Join(v.CheckpointsDir(), ResumeName(epoch))
	}
	opath := filepath.Join(v.CheckpointsDir(), OptimizerName(epoch))
	if err := v.verifyResume(m, epoch, wpath, opath); err != nil {
		return nil, nil, err
	}
	ck, err := checkpoint.Load(wpath)
	if err != nil {
		return nil, nil, fmt.Errorf("resume %s at epoch %d: %w", v.Name, epoch, err)
	}
	if ck.Epoch != epoch {
		return nil, nil, fmt.Errorf("resume %s: %s holds epoch %d, want %d", v.Name, wpath, ck.Epoch, epoch)
	}
	opt, err := checkpoint.ReadOptimizerState(opath)
	if err != nil {
		return nil, nil, fmt.Errorf("resume %s at epoch %d: %w", v.Name, epoch, err)
	}
	if opt.Epoch != epoch || opt.Step != int64(epoch) {
		return nil, nil, fmt.Errorf("resume %s: %s holds epoch %d step %d, want epoch and step %d", v.Name, opath, opt.Epoch, opt.Step, epoch)
	}
	return ck.Tensors, opt, nil
}

// verifyResume checks the resume files' sha256 against metadata.json. A
// variant trained before tdw recorded resume files has its weights checked
// against the checkpoint record when they are a scheduled checkpoint, and
// its optimizer state not at all.
func (v *Variant) verifyResume(m *Metadata, epoch int, wpath, opath string) error {
	want := map[string]string{}
	if rf := m.ResumeFiles; rf != nil && rf.Epoch == epoch {
		want[filepath.Join(v.dir, filepath.FromSlash(rf.Weights.File))] = rf.Weights.SHA256
		want[filepath.Join(v.dir, filepath.FromSlash(rf.Optimizer.File))] = rf.Optimizer.SHA256
	} else {
		for _, c := range m.Checkpoints {
			if c.Epoch == epoch && c.SHA256 != "" {
				want[filepath.Join(v.dir, filepath.FromSlash(c.File))] = c.SHA256
			}
		}
	}
	for _, path := range []string{wpath, opath} {
		sum, ok := want[path]
		if !ok {
			continue
		}
		got, err := checkpoint.FileSHA256(path)
		if err != nil {
			return fmt.Errorf("resume %s at epoch %d: %w", v.Name, epoch, err)
		}
		if got != sum {
			return fmt.Errorf("resume %s at epoch %d: %s has sha256 %s, but %s recorded %s: the file changed after it was written; restore it, or retrain with --force",
				v.Name, epoch, path, got, v.MetadataPath(), sum)
		}
	}
	return nil
}

// run is the epoch loop: prepare the metadata and files for the run,
// train and checkpoint epoch by epoch, then record the finished run.
func (v *Variant) run(ctx context.Context, tr trainer, m *Metadata, plan *trainPlan, cfg sdk.ModelConfig,
	data *sdk.TrainingData, opts TrainOptions, log hclog.Logger) (*TrainingResult, error) {
	r, err := v.beginRun(tr, m, plan, cfg, data, opts, log)
	if err != nil {
		return nil, err
	}
	if err := r.epochs(ctx); err != nil {
		return nil, err
	}
	return r.finish()
}

// trainRun is one Train call's epoch loop: the engine, the metadata it
// updates and what every epoch needs.
type trainRun struct {
	v         *Variant
	tr        trainer
	m         *Metadata
	s         *TrainingSettings
	data      *sdk.TrainingData
	opts      TrainOptions
	log       hclog.Logger
	start     int // the epoch the run starts from
	target    int // the epoch it ends at
	began     time.Time
	priorWall float64 // wall time of earlier sessions, seconds
	cfgJSON   []byte
	// tdwVersion is the version that started the run: checkpoints carry
	// it, so a resumed or extended run writes the same bytes as a straight
	// one.
	tdwVersion string
	scheduled  map[int]bool // checkpoint epochs
}

// beginRun keeps the recorded history up to the resume point (what came
// after it is recomputed, and any file from after it is stale) and records
// the engine that continues the run.
func (v *Variant) beginRun(tr trainer, m *Metadata, plan *trainPlan, cfg sdk.ModelConfig,
	data *sdk.TrainingData, opts TrainOptions, log hclog.Logger) (*trainRun, error) {
	s, start := plan.settings, plan.start
	r := &trainRun{v: v, tr: tr, m: m, s: s, data: data, opts: opts, log: log, start: start, target: s.Epochs,
		began: time.Now(), priorWall: m.WallTimeSeconds, tdwVersion: m.TDWVersion, scheduled: map[int]bool{}}
	m.Training = s
	m.NumEpochs = r.target
	m.Status = StatusTraining
	m.TrainLosses = m.TrainLosses[:start]
	m.TestLosses = m.TestLosses[:start]
	m.TestAccuracies = m.TestAccuracies[:start]
	m.EpochsCompleted = start
	m.TrainIndices, m.TestIndices = data.TrainIndices, data.TestIndices
	keep := 0
	for keep < len(m.Checkpoints) && m.Checkpoints[keep].Epoch <= start {
		keep++
	}
	m.Checkpoints = m.Checkpoints[:keep]
	m.CheckpointEpochs = m.CheckpointEpochs[:keep]
	if m.StartedAt == "" {
		m.StartedAt = now()
	}
	m.FinishedAt = ""
	if err := os.MkdirAll(v.CheckpointsDir(), 0o755); err != nil {
		return nil, err
	}
	if err := v.removeStale(start); err != nil {
		return nil, err
	}
	var err error
	if r.cfgJSON, err = configJSON(cfg); err != nil {
		return nil, err
	}
	for _, e := range s.Checkpoints {
		r.scheduled[e] = true
	}
	if eng := tr.Engine(); len(m.Engines) == 0 || m.Engines[len(m.Engines)-1] != eng {
		if len(m.Engines) > 0 {
			log.Warn("continuing on another engine backend: the weights will differ from an uninterrupted run's at rounding level",
				"variant", v.Name, "trained_with", m.Engines[len(m.Engines)-1], "now", eng)
		}
		m.Engines = append(m.Engines, eng)
	}
	log.Info("training", "variant", v.Name, "from_epoch", start, "to_epoch", r.target, "checkpoints", len(s.Checkpoints), "engine", tr.Engine())
	return r, nil
}

// sync records in the metadata that the run has reached epoch e.
func (r *trainRun) sync(e int) {
	r.m.WallTimeSeconds = r.priorWall + time.Since(r.began).Seconds()
	r.m.EpochsCompleted = e
	r.m.ResumeEpoch = e
}

// epochs runs from the start epoch to the target: evaluate, checkpoint
// when scheduled, step. Cancelling ctx saves the state of the epoch in hand
// and returns an error wrapping ErrInterrupted.
func (r *trainRun) epochs(ctx context.Context) error {
	v, tr, m := r.v, r.tr, r.m
	for e := r.start; ; e++ {
		if ctx.Err() != nil {
			return r.interrupt(e)
		}
		testLoss, testAcc, err := tr.Evaluate(r.data.Test)
		if err != nil {
			return fmt.Errorf("train %s: evaluate at epoch %d: %w", v.Name, e, err)
		}
		if r.scheduled[e] && !hasCheckpoint(m, e) {
			if err := r.checkpoint(e, testLoss, testAcc); err != nil {
				return err
			}
		}
		if e == r.target {
			if !r.scheduled[e] {
				if err := v.saveResume(tr, m, e, r.cfgJSON, r.tdwVersion, false); err != nil {
					return err
				}
			}
			r.sync(e)
			return nil
		}
		trainLoss, err := tr.Step()
		if err != nil {
			return fmt.Errorf("train %s: epoch %d: %w", v.Name, e+1, err)
		}
		if !finite(trainLoss) || !finite(testLoss) {
			return fmt.Errorf("train %s: loss is not finite at epoch %d (train %v, test %v); the run diverged", v.Name, e, trainLoss, testLoss)
		}
		m.TrainLosses = append(m.TrainLosses, trainLoss)
		m.TestLosses = append(m.TestLosses, testLoss)
		m.TestAccuracies = append(m.TestAccuracies, testAcc)
		if r.opts.Progress != nil {
			done := e + 1 - r.start
			el := time.Since(r.began)
			r.opts.Progress(Progress{Epoch: e + 1, Total: r.target, TrainLoss: trainLoss, TestLoss: testLoss, TestAcc: testAcc,
				Elapsed: el, ETA: time.Duration(float64(el) / float64(done) * float64(r.target-e-1))})
		}
	}
}

// interrupt saves the weights in the engine, those of epoch e, so that the
// run resumes exactly here, and says so.
func (r *trainRun) interrupt(e int) error {
	v, m := r.v, r.m
	if err := v.saveResume(r.tr, m, e, r.cfgJSON, r.tdwVersion, r.scheduled[e] && hasCheckpoint(m, e)); err != nil {
		return err
	}
	r.sync(e)
	if err := WriteMetadata(v.MetadataPath(), m); err != nil {
		return err
	}
	v.removeOlderResume(e)
	r.log.Info("interrupted", "variant", v.Name, "epoch", e)
	return fmt.Errorf("train %s: %w at epoch %d; continue with --resume", v.Name, ErrInterrupted, e)
}

// checkpoint writes the scheduled checkpoint of epoch e, with its train
// loss and accuracy, and the metadata that records it.
func (r *trainRun) checkpoint(e int, testLoss, testAcc float64) error {
	v, m := r.v, r.m
	trainLoss, trainAcc, err := r.tr.Evaluate(r.data.Train)
	if err != nil {
		return fmt.Errorf("train %s: evaluate at epoch %d: %w", v.Name, e, err)
	}
	rec := CheckpointRecord{Epoch: e, File: checkpointRel(e), TrainLoss: trainLoss, TestLoss: testLoss,
		TrainAccuracy: trainAcc, TestAccuracy: testAcc}
	if err := v.saveCheckpoint(r.tr, m, rec, r.cfgJSON, r.tdwVersion); err != nil {
		return err
	}
	r.sync(e)
	if err := WriteMetadata(v.MetadataPath(), m); err != nil {
		return err
	}
	v.removeOlderResume(e)
	r.log.Debug("checkpoint", "epoch", e, "train_loss", trainLoss, "test_loss", testLoss, "test_acc", testAcc)
	return nil
}

// finish records the completed run and returns its result; the final
// losses are the last checkpoint's, or evaluated when the target epoch has
// none.
func (r *trainRun) finish() (*TrainingResult, error) {
	v, m, target := r.v, r.m, r.target
	m.Status = StatusComplete
	m.FinishedAt = now()
	if err := WriteMetadata(v.MetadataPath(), m); err != nil {
		return nil, err
	}
	v.removeOlderResume(target)
	res := &TrainingResult{
		TrainLosses:      m.TrainLosses,
		TestLosses:       m.TestLosses,
		CheckpointEpochs: m.CheckpointEpochs,
		VariantDir:       v.dir,
	}
	if n := len(m.Checkpoints); n > 0 && m.Checkpoints[n-1].Epoch == target {
		res.FinalTrainLoss, res.FinalTestLoss = m.Checkpoints[n-1].TrainLoss, m.Checkpoints[n-1].TestLoss
	} else {
		tl, _, err := r.tr.Evaluate(r.data.Train)
		if err != nil {
			return nil, err
		}
		vl, _, err := r.tr.Evaluate(r.data.Test)
		if err != nil {
			return nil, err
		}
		res.FinalTrainLoss, res.FinalTestLoss = tl, vl
	}
	r.log.Info("trained", "variant", v.Name, "epochs", target, "final_train_loss", res.FinalTrainLoss, "final_test_loss", res.FinalTestLoss)
	return res, nil
}

// saveCheckpoint writes the checkpoint and the optimizer state beside it, and
// records both in m (not yet written).
func (v *Variant) saveCheckpoint(tr trainer, m *Metadata, rec CheckpointRecord, cfgJSON []byte, tdwVersion string) error {
	path := v.CheckpointPath(rec.Epoch)
	if err := checkpoint.Save(path, tr.Weights(), checkpoint.Meta{Epoch: rec.Epoch, Config: cfgJSON, TDWVersion: tdwVersion}); err != nil {
		return err
	}
	sum, err := checkpoint.FileSHA256(path)
	if err != nil {
		return err
	}
	rec.SHA256 = sum
	opt, err := v.saveOptimizer(tr, rec.Epoch)
	if err != nil {
		return err
	}
	m.Checkpoints = append(m.Checkpoints, rec)
	m.CheckpointEpochs = append(m.CheckpointEpochs, rec.Epoch)
	m.ResumeFiles = &ResumeFiles{Epoch: rec.Epoch, Weights: FileRecord{File: rec.File, SHA256: sum}, Optimizer: opt}
	return nil
}

// saveResume writes the optimizer state of epoch and, unless the weights are
// already in a checkpoint file, the weights as a resume file, and records
// both in m (not yet written).
func (v *Variant) saveResume(tr trainer, m *Metadata, epoch int, cfgJSON []byte, tdwVersion string, inCheckpoint bool) error {
	var weights FileRecord
	if inCheckpoint {
		for _, c := range m.Checkpoints {
			if c.Epoch == epoch {
				weights = FileRecord{File: c.File, SHA256: c.SHA256}
			}
		}
	} else {
		path := filepath.Join(v.CheckpointsDir(), ResumeName(epoch))
		if err := checkpoint.Save(path, tr.Weights(), checkpoint.Meta{Epoch: epoch, Config: cfgJSON, TDWVersion: tdwVersion}); err != nil {
			return err
		}
		sum, err := checkpoint.FileSHA256(path)
		if err != nil {
			return err
		}
		weights = FileRecord{File: CheckpointsDir + "/" + ResumeName(epoch), SHA256: sum}
	}
	opt, err := v.saveOptimizer(tr, epoch)
	if err != nil {
		return err
	}
	m.ResumeFiles = &ResumeFiles{Epoch: epoch, Weights: weights, Optimizer: opt}
	return nil
}

// saveOptimizer writes the optimizer state of epoch and returns its record.
func (v *Variant) saveOptimizer(tr trainer, epoch int) (FileRecord, error) {
	st := tr.OptimizerState()
	st.Epoch = epoch
	path := filepath.Join(v.CheckpointsDir(), OptimizerName(epoch))
	if err := checkpoint.WriteOptimizerState(path, st); err != nil {
		return FileRecord{}, err
	}
	sum, err := checkpoint.FileSHA256(path)
	if err != nil {
		return FileRecord{}, err
	}
	return FileRecord{File: CheckpointsDir + "/" + OptimizerName(epoch), SHA256: sum}, nil
}

// removeOlderResume deletes optimizer and resume files of epochs before
// epoch: once metadata.json points at epoch's state they are not needed.
func (v *Variant) removeOlderResume(epoch int) {
	entries, _ := os.ReadDir(v.CheckpointsDir())
	for _, e := range entries {
		var ep int
		if n, _ := fmt.Sscanf(e.Name(), "optimizer_epoch_%d.safetensors", &ep); n == 1 && ep < epoch {
			os.Remove(filepath.Join(v.CheckpointsDir(), e.Name()))
		}
		if n, _ := fmt.Sscanf(e.Name(), "resume_epoch_%d.safetensors", &ep); n == 1 && ep < epoch {
			os.Remove(filepath.Join(v.CheckpointsDir(), e.Name()))
		}
	}
}

// removeStale deletes checkpoint, optimizer and resume files of epochs after
// start: a run resumed at start rewrites them.
func (v *Variant) removeStale(start int) error {
	entries, err := os.ReadDir(v.CheckpointsDir())
	if err != nil {
		return err
	}
	for _, e := range entries {
		ep, ok := ParseCheckpointName(e.Name())
		if !ok {
			var n int
			if n, _ = fmt.Sscanf(e.Name(), "optimizer_epoch_%d.safetensors", &ep); n != 1 {
				if n, _ = fmt.Sscanf(e.Name(), "resume_epoch_%d.safetensors", &ep); n != 1 {
					continue
				}
			}
		}
		if ep > start {
			if err := os.Remove(filepath.Join(v.CheckpointsDir(), e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func hasCheckpoint(m *Metadata, epoch int) bool {
	n := len(m.CheckpointEpochs)
	return n > 0 && m.CheckpointEpochs[n-1] == epoch
}

// extensionEpochs returns the checkpoint epochs past s.Epochs for a run
// extended to `to`, and the schedule spec they come from, written for `to`
// epochs: spec when given, else the recorded schedule rescaled to the new
// length.
func extensionEpochs(s *TrainingSettings, to int, spec string) ([]int, string, error) {
	sched, err := registry.ParseSchedule(s.Schedule)
	if spec != "" {
		sched, err = registry.ParseSchedule(spec)
	} else if err == nil {
		sched, err = sched.Scale(s.Epochs, to)
	}
	if err != nil {
		return nil, "", err
	}
	all, err := sched.Epochs(to)
	if err != nil {
		return nil, "", err
	}
	var out []int
	for _, e := range all {
		if e > s.Epochs {
			out = append(out, e)
		}
	}
	return out, sched.String(), nil
}

func mergeEpochs(a, b []int) []int {
	set := map[int]bool{}
	for _, e := range append(append([]int(nil), a...), b...) {
		set[e] = true
	}
	out := make([]int, 0, len(set))
	for e := range set {
		out = append(out, e)
	}
	sort.Ints(out)
	return out
}
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func now() string { return time.Now().UTC().Format(time.RFC3339) }
