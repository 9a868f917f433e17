// Package importer brings a variant trained by the reference Python project
// into a tdw results tree: its config.json, metadata.json and
// checkpoints/checkpoint_epoch_NNNNN.safetensors (TransformerLens names)
// become a complete variant of a tdw family, with its checkpoints copied,
// hashed and checked against the family's model, and its losses and split
// kept, ready for tdw-host analyze. Any other layout is refused with a
// message saying what was expected (docs/cli.md, import).
package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/host/variant"
)

// Reference is a reference-project variant folder, read and checked.
type Reference struct {
	// Dir is the folder.
	Dir string
	// Config is config.json: the TransformerLens config keys and the
	// domain parameters (prime, seed, data_seed, model_seed,
	// training_fraction), numbers as json.Number.
	Config map[string]any
	// Meta is metadata.json.
	Meta Metadata
	// Epochs are the checkpoint files' epochs, ascending.
	Epochs []int
}

// Metadata is the reference project's metadata.json: per-epoch losses (one
// entry per trained epoch), the split as rows of the p² probe, and the
// epochs saved.
type Metadata struct {
	TrainLosses      []float64 `json:"train_losses"`
	TestLosses       []float64 `json:"test_losses"`
	TrainIndices     []int     `json:"train_indices"`
	TestIndices      []int     `json:"test_indices"`
	CheckpointEpochs []int     `json:"checkpoint_epochs"`
	NumEpochs        int       `json:"num_epochs"`
}

// layout names what a reference folder holds, for messages.
const layout = "config.json, metadata.json (train_losses, test_losses, train_indices, test_indices, checkpoint_epochs, num_epochs) and checkpoints/checkpoint_epoch_NNNNN.safetensors"

// ReadReference reads the reference-project variant folder dir. It refuses
// anything else (a missing file, a tdw variant, metadata without the
// reference's keys, checkpoint files that metadata.json does not list or
// the other way round) with an error naming the folder or file and what the
// layout should be.
func ReadReference(dir string) (*Reference, error) {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("import %s: not a folder (want a reference variant folder holding %s)", dir, layout)
	}
	r := &Reference{Dir: dir}
	if err := readConfig(filepath.Join(dir, variant.ConfigFile), &r.Config); err != nil {
		return nil, err
	}
	if err := r.readMetadata(); err != nil {
		return nil, err
	}
	if r.Epochs, err = scanCheckpoints(filepath.Join(dir, variant.CheckpointsDir)); err != nil {
		return nil, err
	}
	return r, r.check()
}

func readConfig(path string, dst *map[string]any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("import %s: no config.json: not a reference variant folder (want %s)", filepath.Dir(path), layout)
	}
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// referenceKeys are the keys of a reference metadata.json; tdwKeys mark a
// folder tdw wrote itself.
var (
	referenceKeys = []string{"train_losses", "test_losses", "train_indices", "test_indices", "checkpoint_epochs", "num_epochs"}
	tdwKeys       = []string{"format_version", "tdw_version", "checkpoints"}
)

func (r *Reference) readMetadata() error {
	path := filepath.Join(r.Dir, variant.MetadataFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("import %s: no metadata.json: not a reference variant folder (want %s)", r.Dir, layout)
	}
	if err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	for _, k := range tdwKeys {
		if _, ok := keys[k]; ok {
			return fmt.Errorf("import %s: metadata.json has %q: this is a tdw variant, not a reference one; it needs no import", r.Dir, k)
		}
	}
	var missing []string
	for _, k := range referenceKeys {
		if _, ok := keys[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: not the reference project's layout: %s missing (want %s)", path, strings.Join(missing, ", "), strings.Join(referenceKeys, ", "))
	}
	if err := json.Unmarshal(b, &r.Meta); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// scanCheckpoints lists the epochs of dir's checkpoint files, refusing any
// other visible file.
func scanCheckpoints(dir string) ([]int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("import %s: no checkpoints folder (want %s)", filepath.Dir(dir), layout)
	}
	if err != nil {
		return nil, err
	}
	var epochs []int
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		ep, ok := variant.ParseCheckpointName(e.Name())
		if !ok || !e.Type().IsRegular() {
			return nil, fmt.Errorf("import %s: unexpected %q (a reference checkpoints folder holds only checkpoint_epoch_NNNNN.safetensors files)", dir, e.Name())
		}
		epochs = append(epochs, ep)
	}
	sort.Ints(epochs)
	return epochs, nil
}

// check compares metadata.json with itself and with the files.
func (r *Reference) check() error {
	m, path := r.Meta, filepath.Join(r.Dir, variant.MetadataFile)
	switch {
	case m.NumEpochs <= 0:
		return fmt.Errorf("%s: num_epochs %d, want a positive count", path, m.NumEpochs)
	case len(m.TrainLosses) != m.NumEpochs || len(m.TestLosses) != m.NumEpochs:
		return fmt.Errorf("%s: train_losses has %d and test_losses %d entries, want num_epochs = %d (an unfinished run cannot be imported)",
			path, len(m.TrainLosses), len(m.TestLosses), m.NumEpochs)
	case len(r.Epochs) == 0:
		return fmt.Errorf("import %s: no checkpoint files", r.Dir)
	}
	listed := append([]int(nil), m.CheckpointEpochs...)
	sort.Ints(listed)
	if fmt.Sprint(listed) != fmt.Sprint(r.Epochs) {
		return fmt.Errorf("%s: checkpoint_epochs %v, but checkpoints/ holds epochs %v", path, listed, r.Epochs)
	}
	if last := r.Epochs[len(r.Epochs)-1]; last > m.NumEpochs {
		return fmt.Errorf("%s: checkpoint at epoch %d is past num_epochs %d", path, last, m.NumEpochs)
	}
	return nil
}
