package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/lockfile"
	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// Options say where a reference variant goes.
type Options struct {
	// Results is the results tree.
	Results string
	// Family is the tdw family the variant joins; Plugin is its plugin,
	// which builds the model config and the probe the checkpoints are
	// evaluated on.
	Family *registry.FamilyManifest
	Plugin sdk.Family
	// TDWVersion is recorded in metadata.json.
	TDWVersion string
}

// Import makes ref a complete variant of opts.Family: the variant folder
// named by the family's pattern, its config.json from the family plugin
// (which must build the reference's architecture), every checkpoint copied
// byte for byte, hashed, loaded into the engine with that config and
// evaluated on the reference's train and test rows of the probe, and a
// metadata.json keeping the reference's per-epoch losses, split and epoch
// count. A variant of that name that already holds a run is refused;
// metadata.json is written last, so an interrupted import leaves a variant
// that is not yet trained and can be imported again.
func Import(ctx context.Context, ref *Reference, opts Options) (*variant.Variant, error) {
	params, err := ref.Params(opts.Family)
	if err != nil {
		return nil, err
	}
	v, err := variant.Create(ctx, opts.Results, opts.Family, opts.Plugin, params, opts.TDWVersion)
	if err != nil {
		return nil, err
	}
	lock, err := lockfile.Acquire(filepath.Join(v.Dir(), variant.LockFile), "tdw-host import")
	if err != nil {
		return nil, fmt.Errorf("import into %s: %w", v.Name, err)
	}
	defer lock.Release()
	m, err := v.Metadata()
	if err != nil {
		return nil, err
	}
	if m.Status != variant.StatusCreated {
		return nil, fmt.Errorf("import %s: variant %s already holds a run (status %s); remove %s to import again", ref.Dir, v.Name, m.Status, v.Dir())
	}
	cfg, err := model.LoadConfig(v.ConfigPath())
	if err != nil {
		return nil, err
	}
	if err := ref.checkArchitecture(cfg); err != nil {
		return nil, err
	}
	splits, err := ref.splits(ctx, opts.Plugin, params)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	recs := make([]variant.CheckpointRecord, 0, len(ref.Epochs))
	for _, e := range ref.Epochs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := ref.copyCheckpoint(v, e, cfg, splits)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	return v, variant.WriteMetadata(v.MetadataPath(), ref.metadata(m, recs, time.Since(start)))
}

// splits are the probe's rows of the reference's train and test split.
type splits struct{ train, test sdk.Dataset }

func (r *Reference) splits(ctx context.Context, fam sdk.Family, p sdk.Params) (*splits, error) {
	probe, err := fam.Probe(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("import %s: family probe: %w", r.Dir, err)
	}
	var s splits
	for _, sp := range []struct {
		name string
		rows []int
		dst  *sdk.Dataset
	}{{"train_indices", r.Meta.TrainIndices, &s.train}, {"test_indices", r.Meta.TestIndices, &s.test}} {
		if *sp.dst, err = rows(*probe, sp.rows); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", filepath.Join(r.Dir, variant.MetadataFile), sp.name, err)
		}
	}
	return &s, nil
}

// rows takes rows of a [batch, pos] dataset.
func rows(ds sdk.Dataset, idx []int) (sdk.Dataset, error) {
	shape := ds.Tokens.Shape()
	if len(shape) != 2 {
		return sdk.Dataset{}, fmt.Errorf("probe tokens are %s, want [batch, pos]", ds.Tokens)
	}
	if len(idx) == 0 {
		return sdk.Dataset{}, fmt.Errorf("is empty")
	}
	B, n := shape[0], shape[1]
	tok, lab := ds.Tokens.AsFloat64(), ds.Labels.AsFloat64()
	t, l := make([]int64, 0, len(idx)*n), make([]int64, 0, len(idx))
	for _, r := range idx {
		if r < 0 || r >= B {
			return sdk.Dataset{}, fmt.Errorf("row %d is outside the probe's %d rows", r, B)
		}
		for j := 0; j < n; j++ {
			t = append(t, int64(tok[r*n+j]))
		}
		l = append(l, int64(lab[r]))
	}
	return sdk.Dataset{Tokens: sdk.FromInt64(t, len(idx), n), Labels: sdk.FromInt64(l, len(idx))}, nil
}

// copyCheckpoint copies the checkpoint of epoch into v unchanged, and
// returns its record: the copy's sha256, and the model's loss and accuracy
// on both splits, computed by the engine from the copy.
func (r *Reference) copyCheckpoint(v *variant.Variant, epoch int, cfg sdk.ModelConfig, s *splits) (variant.CheckpointRecord, error) {
	src := filepath.Join(r.Dir, variant.CheckpointsDir, variant.CheckpointName(epoch))
	data, err := os.ReadFile(src)
	if err != nil {
		return variant.CheckpointRecord{}, err
	}
	// Check before writing anything: a file the engine cannot use is refused.
	f, err := checkpoint.Decode(src, data)
	if err != nil {
		return variant.CheckpointRecord{}, err
	}
	f.ToFloat32() // F16, BF16 and F64 weights as the engine holds them
	m, err := model.FromStateDict(cfg, f.Tensors)
	if err != nil {
		return variant.CheckpointRecord{}, fmt.Errorf("%s: %w", src, err)
	}
	if err := os.MkdirAll(v.CheckpointsDir(), 0o755); err != nil {
		return variant.CheckpointRecord{}, err
	}
	if err := atomicfile.WriteFile(v.CheckpointPath(epoch), data, 0o644); err != nil {
		return variant.CheckpointRecord{}, err
	}
	sum := sha256.Sum256(data)
	rec := variant.CheckpointRecord{Epoch: epoch, File: variant.CheckpointsDir + "/" + variant.CheckpointName(epoch), SHA256: hex.EncodeToString(sum[:])}
	ev := model.NewEvaluator(cfg)
	if rec.TrainLoss, rec.TrainAccuracy, err = ev.Evaluate(m, s.train, model.PosLast); err != nil {
		return rec, fmt.Errorf("%s: evaluate on the train split: %w", src, err)
	}
	if rec.TestLoss, rec.TestAccuracy, err = ev.Evaluate(m, s.test, model.PosLast); err != nil {
		return rec, fmt.Errorf("%s: evaluate on the test split: %w", src, err)
	}
	return rec, nil
}

// metadata is the imported variant's metadata.json: created's identity
// fields, the reference's training record, and the checkpoint records.
// There are no per-epoch test accuracies (the reference records none), no
// training settings and no resumable state.
func (r *Reference) metadata(created *variant.Metadata, recs []variant.CheckpointRecord, took time.Duration) *variant.Metadata {
	m := *created
	m.Status = variant.StatusComplete
	m.NumEpochs, m.EpochsCompleted, m.ResumeEpoch = r.Meta.NumEpochs, r.Meta.NumEpochs, -1
	m.TrainLosses, m.TestLosses, m.TestAccuracies = r.Meta.TrainLosses, r.Meta.TestLosses, []float64{}
	m.TrainIndices, m.TestIndices = r.Meta.TrainIndices, r.Meta.TestIndices
	m.Checkpoints, m.CheckpointEpochs = recs, make([]int, len(recs))
	for i, c := range recs {
		m.CheckpointEpochs[i] = c.Epoch
	}
	m.Engines = []string{"imported"}
	m.WallTimeSeconds = took.Seconds()
	now := time.Now().UTC().Format(time.RFC3339)
	m.StartedAt, m.FinishedAt = now, now
	return &m
}
