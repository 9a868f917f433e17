package variant

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/sdk"
)

// State is a variant's state, read from disk.
type State string

// The states of a variant.
const (
	// Untrained: no completed training run (it may hold a resumable partial one).
	Untrained State = "UNTRAINED"
	// Trained: training completed and every checkpoint it lists is present.
	Trained State = "TRAINED"
	// Analyzed: trained, and an analysis run has written analysis/manifest.json.
	Analyzed State = "ANALYZED"
)

// Variant is one model of a family under results/{family}/{name}/. Its
// fields are fixed when it is opened or created; everything else is read
// from disk when asked for.
type Variant struct {
	// Family is the family's name, the parent folder's name.
	Family string
	// Name is the folder name, built from the family's variant_pattern.
	Name string
	// Params are the variant's domain parameters, complete (defaults filled).
	Params sdk.Params
	dir    string
}

// Open returns the variant in results/{family}/{name}, reading its
// parameters from metadata.json. It returns an error naming the folder if it
// does not exist, escapes results, or holds no valid metadata.json for that
// family and name.
func Open(results, family, name string) (*Variant, error) {
	dir, err := variantDir(results, family, name)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(dir); err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("variant %s of family %s does not exist (no folder %s)", name, family, dir)
		}
		return nil, err
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("variant %s: %s is not a folder", name, dir)
	}
	m, err := ReadMetadata(filepath.Join(dir, MetadataFile))
	if err != nil {
		return nil, fmt.Errorf("variant %s: %w", name, err)
	}
	if m.Family != family || m.Variant != name {
		return nil, fmt.Errorf("variant %s: %s belongs to %s/%s", name, filepath.Join(dir, MetadataFile), m.Family, m.Variant)
	}
	return &Variant{Family: family, Name: name, Params: m.Params, dir: dir}, nil
}

// variantDir joins results/family/name, refusing names that are not one plain
// path component.
func variantDir(results, family, name string) (string, error) {
	for _, c := range []struct{ what, s string }{{"family", family}, {"variant", name}} {
		if err := registry.SafePathComponent(c.s); err != nil {
			return "", fmt.Errorf("%s name %q: %v", c.what, c.s, err)
		}
	}
	root, err := filepath.Abs(results)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, family, name)
	if !inside(root, dir) {
		return "", fmt.Errorf("variant %s/%s escapes %s", family, name, results)
	}
	return dir, nil
}

// Dir returns the variant folder, results/{family}/{name}.
func (v *Variant) Dir() string { return v.dir }

// CheckpointsDir returns the folder of checkpoint files.
func (v *Variant) CheckpointsDir() string { return filepath.Join(v.dir, CheckpointsDir) }

// ArtifactsDir returns the folder analysis runs write to, analysis/.
func (v *Variant) ArtifactsDir() string { return filepath.Join(v.dir, ArtifactsDir) }

// ProbesDir returns the folder of the variant's probes (host/probe).
func (v *Variant) ProbesDir() string { return filepath.Join(v.dir, ProbesDir) }

// MetadataPath returns the path of metadata.json.
func (v *Variant) MetadataPath() string { return filepath.Join(v.dir, MetadataFile) }

// LockPath returns the path of the lock file a process training or
// analyzing the variant holds.
func (v *Variant) LockPath() string { return filepath.Join(v.dir, LockFile) }

// ConfigPath returns the path of config.json.
func (v *Variant) ConfigPath() string { return filepath.Join(v.dir, ConfigFile) }

// CheckpointPath returns the path of the checkpoint file of epoch, whether or
// not it exists.
func (v *Variant) CheckpointPath(epoch int) string {
	return filepath.Join(v.CheckpointsDir(), CheckpointName(epoch))
}

// Metadata reads metadata.json.
func (v *Variant) Metadata() (*Metadata, error) { return ReadMetadata(v.MetadataPath()) }

// Checkpoints returns the epochs of the checkpoint files present, ascending.
func (v *Variant) Checkpoints() ([]int, error) { return scanCheckpoints(v.CheckpointsDir()) }

// State reads the variant's state from disk. It returns an error naming the
// file if metadata.json is unreadable, or if it says training completed but a
// checkpoint it lists is missing.
func (v *Variant) State() (State, error) {
	m, err := v.Metadata()
	if err != nil {
		return "", err
	}
	if m.Status != StatusComplete {
		return Untrained, nil
	}
	for _, c := range m.Checkpoints {
		p := filepath.Join(v.dir, filepath.FromSlash(c.File))
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("variant %s: metadata.json lists checkpoint %s: %v", v.Name, c.File, err)
		}
	}
	if _, err := os.Stat(filepath.Join(v.ArtifactsDir(), ManifestFile)); err == nil {
		return Analyzed, nil
	}
	return Trained, nil
}

// LoadCheckpoint reads the checkpoint of epoch, checking its sha256 against
// metadata.json when metadata.json records one. Errors name the file.
func (v *Variant) LoadCheckpoint(epoch int) (*checkpoint.Checkpoint, error) {
	path := v.CheckpointPath(epoch)
	if m, err := v.Metadata(); err == nil {
		for _, c := range m.Checkpoints {
			if c.Epoch != epoch || c.SHA256 == "" {
				continue
			}
			sum, err := checkpoint.FileSHA256(path)
			if err != nil {
				return nil, err
			}
			if sum != c.SHA256 {
				return nil, fmt.Errorf("checkpoint %s: sha256 %s differs from %s recorded in %s: the file changed after training", path, sum, c.SHA256, v.MetadataPath())
			}
		}
	}
	ck, err := checkpoint.Load(path)
	if err != nil {
		return nil, err
	}
	if ck.Epoch >= 0 && ck.Epoch != epoch {
		return nil, fmt.Errorf("checkpoint %s holds epoch %d", path, ck.Epoch)
	}
	return ck, nil
}

// LoadModel returns the model at the checkpoint of epoch, configured from
// config.json.
func (v *Variant) LoadModel(epoch int) (*model.Model, error) {
	cfg, err := model.LoadConfig(v.ConfigPath())
	if err != nil {
		return nil, err
	}
	ck, err := v.LoadCheckpoint(epoch)
	if err != nil {
		return nil, err
	}
	m, err := model.FromStateDict(cfg, ck.Tensors)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", ck.Path, err)
	}
	return m, nil
}
