package variant

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
)

// Names of the files and folders in a variant folder.
const (
	ConfigFile     = "config.json"
	MetadataFile   = "metadata.json"
	CheckpointsDir = "checkpoints"
	ArtifactsDir   = "analysis"
	ManifestFile   = "manifest.json" // in ArtifactsDir, written by analysis runs
	LockFile       = ".lock"
	// ProbesDir holds the variant's probes: ProbesFile lists them, each in
	// its own folder (host/probe, docs/formats/probes.md).
	ProbesDir  = "probes"
	ProbesFile = "probes.json"
)

// checkpointRE matches checkpoint file names; the epoch has at least five
// digits, more when it needs them.
var checkpointRE = regexp.MustCompile(`^checkpoint_epoch_([0-9]{5,})\.safetensors$`)

// CheckpointName returns the file name of the checkpoint at epoch:
// checkpoint_epoch_{epoch zero-padded to 5 digits}.safetensors.
func CheckpointName(epoch int) string { return fmt.Sprintf("checkpoint_epoch_%05d.safetensors", epoch) }

// OptimizerName returns the file name of the optimizer state saved with the
// weights of epoch.
func OptimizerName(epoch int) string { return fmt.Sprintf("optimizer_epoch_%05d.safetensors", epoch) }

// ResumeName returns the file name of weights saved at an epoch that is not
// a scheduled checkpoint (a cancelled run's last epoch), for resuming.
func ResumeName(epoch int) string { return fmt.Sprintf("resume_epoch_%05d.safetensors", epoch) }

func checkpointRel(epoch int) string { return CheckpointsDir + "/" + CheckpointName(epoch) }

// ParseCheckpointName returns the epoch of a checkpoint file name, and false
// for any other name.
func ParseCheckpointName(name string) (int, bool) {
	m := checkpointRE.FindStringSubmatch(name)
	if m == nil {
		return 0, false
	}
	e, err := strconv.Atoi(m[1])
	if err != nil || CheckpointName(e) != name { // reject 000001-style padding twins
		return 0, false
	}
	return e, true
}

// scanCheckpoints lists the epochs of the checkpoint files in dir,
// ascending; a missing dir has none. Other files are ignored.
func scanCheckpoints(dir string) ([]int, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []int
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if ep, ok := ParseCheckpointName(e.Name()); ok {
			out = append(out, ep)
		}
	}
	sort.Ints(out)
	return out, nil
}

// inside reports whether path lies strictly inside root after cleaning.
func inside(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != "." && filepath.IsLocal(rel)
}
