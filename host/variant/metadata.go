package variant

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/sdk"
)

// MetadataFormat is the version of the metadata.json layout written here.
const MetadataFormat = 1

// Training status values recorded in metadata.json.
const (
	StatusCreated  = "created"  // folder and config written, no epoch trained
	StatusTraining = "training" // trained part way; resumable from ResumeEpoch
	StatusComplete = "complete" // trained to Epochs
)

// CheckpointRecord describes one checkpoint file: where it is, its sha256,
// and the model's loss and accuracy on both splits at that epoch.
type CheckpointRecord struct {
	Epoch         int     `json:"epoch"`
	File          string  `json:"file"` // relative to the variant folder
	SHA256        string  `json:"sha256"`
	TrainLoss     float64 `json:"train_loss"`
	TestLoss      float64 `json:"test_loss"`
	TrainAccuracy float64 `json:"train_accuracy"`
	TestAccuracy  float64 `json:"test_accuracy"`
}

// ResumeFiles records the state a run resumes from at Epoch: the weights
// (a scheduled checkpoint or a resume file) and the optimizer state.
type ResumeFiles struct {
	Epoch     int        `json:"epoch"`
	Weights   FileRecord `json:"weights"`
	Optimizer FileRecord `json:"optimizer"`
}

// FileRecord is a file under the variant folder and the sha256 of its bytes.
type FileRecord struct {
	File   string `json:"file"` // relative to the variant folder
	SHA256 string `json:"sha256"`
}

// TrainingSettings records the training configuration a variant was trained
// with.
type TrainingSettings struct {
	sdk.TrainingConfig
	// Schedule is the checkpoint schedule spec that produced Checkpoints
	// (sdk.TrainingConfig.Checkpoints lists the epochs).
	Schedule string `json:"schedule"`
	// Preset names the family preset the run started from, if any.
	Preset string `json:"preset,omitempty"`
}

// Metadata is the content of metadata.json. Per-epoch arrays have one entry
// per trained epoch e = 0..EpochsCompleted-1, for the weights at epoch e
// (before step e+1); the model after the last step is evaluated in the
// final checkpoint's record. TestAccuracies is empty when not recorded (a
// variant imported from the reference project).
type Metadata struct {
	FormatVersion int `json:"format_version"`
	// TDWVersion is the tdw that created the variant or started its
	// training run; checkpoint files record the same.
	TDWVersion    string     `json:"tdw_version"`
	Family        string     `json:"family"`
	FamilyVersion string     `json:"family_version"`
	Variant       string     `json:"variant"`
	Params        sdk.Params `json:"params"`
	// Seeds repeats the parameters whose name ends in "seed", for a reader
	// that looks for them.
	Seeds map[string]int64 `json:"seeds"`

	Status          string `json:"status"`
	NumEpochs       int    `json:"num_epochs"` // the run's target
	EpochsCompleted int    `json:"epochs_completed"`
	// ResumeEpoch is the epoch whose weights and optimizer state are saved
	// for resuming; -1 when there is none.
	ResumeEpoch int `json:"resume_epoch"`
	// ResumeFiles names the two files a resumed or extended run starts from
	// and their sha256, which it verifies before loading them. Absent in
	// metadata written before tdw recorded it.
	ResumeFiles *ResumeFiles `json:"resume_files,omitempty"`

	Training *TrainingSettings `json:"training,omitempty"`
	// Engines are the compute backends that trained the run, in the order
	// they took over (e.g. ["gorgonia-openblas"]). Two or more mean a
	// resume or extension ran on another backend: the weights then differ
	// from a straight run's at rounding level.
	Engines []string `json:"engines,omitempty"`

	TrainLosses      []float64          `json:"train_losses"`
	TestLosses       []float64          `json:"test_losses"`
	TestAccuracies   []float64          `json:"test_accuracies"`
	CheckpointEpochs []int              `json:"checkpoint_epochs"`
	Checkpoints      []CheckpointRecord `json:"checkpoints"`

	TrainIndices []int `json:"train_indices"`
	TestIndices  []int `json:"test_indices"`

	// WallTimeSeconds is the time spent training, summed over sessions.
	WallTimeSeconds float64 `json:"wall_time_seconds"`
	StartedAt       string  `json:"started_at,omitempty"`  // RFC 3339, UTC
	FinishedAt      string  `json:"finished_at,omitempty"` // RFC 3339, UTC
}

// ReadMetadata reads and checks a metadata.json. Errors name the file and,
// for inconsistent content, the field.
func ReadMetadata(path string) (*Metadata, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var m Metadata
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	m.Params = normalizeParams(m.Params)
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &m, nil
}

// normalizeParams turns json.Number values into int64 or float64.
func normalizeParams(p sdk.Params) sdk.Params {
	for k, v := range p {
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				p[k] = i
			} else if f, err := n.Float64(); err == nil {
				p[k] = f
			}
		}
	}
	return p
}

// check reports the first field that is inconsistent with the rest.
func (m *Metadata) check() error {
	switch {
	case m.FormatVersion != MetadataFormat:
		return fmt.Errorf("format_version %d is not supported (want %d)", m.FormatVersion, MetadataFormat)
	case m.Family == "":
		return fmt.Errorf("family is missing")
	case m.Variant == "":
		return fmt.Errorf("variant is missing")
	case m.Status != StatusCreated && m.Status != StatusTraining && m.Status != StatusComplete:
		return fmt.Errorf("status %q is not one of %q, %q, %q", m.Status, StatusCreated, StatusTraining, StatusComplete)
	case m.EpochsCompleted < 0 || m.EpochsCompleted > m.NumEpochs:
		return fmt.Errorf("epochs_completed %d is outside [0, num_epochs %d]", m.EpochsCompleted, m.NumEpochs)
	case len(m.TrainLosses) != m.EpochsCompleted:
		return fmt.Errorf("train_losses has %d entries, want epochs_completed = %d", len(m.TrainLosses), m.EpochsCompleted)
	case len(m.TestLosses) != m.EpochsCompleted:
		return fmt.Errorf("test_losses has %d entries, want epochs_completed = %d", len(m.TestLosses), m.EpochsCompleted)
	case len(m.TestAccuracies) != m.EpochsCompleted && len(m.TestAccuracies) != 0:
		// Empty: not recorded, as in a variant imported from the reference project.
		return fmt.Errorf("test_accuracies has %d entries, want epochs_completed = %d (or none)", len(m.TestAccuracies), m.EpochsCompleted)
	case len(m.CheckpointEpochs) != len(m.Checkpoints):
		return fmt.Errorf("checkpoint_epochs has %d entries but checkpoints has %d", len(m.CheckpointEpochs), len(m.Checkpoints))
	case m.Status == StatusComplete && m.EpochsCompleted != m.NumEpochs:
		return fmt.Errorf("status is complete but epochs_completed %d != num_epochs %d", m.EpochsCompleted, m.NumEpochs)
	case m.ResumeEpoch > m.EpochsCompleted:
		return fmt.Errorf("resume_epoch %d is beyond epochs_completed %d", m.ResumeEpoch, m.EpochsCompleted)
	}
	for i, c := range m.Checkpoints {
		if c.Epoch != m.CheckpointEpochs[i] {
			return fmt.Errorf("checkpoints[%d].epoch %d != checkpoint_epochs[%d] %d", i, c.Epoch, i, m.CheckpointEpochs[i])
		}
		if i > 0 && c.Epoch <= m.Checkpoints[i-1].Epoch {
			return fmt.Errorf("checkpoints[%d].epoch %d is not after %d", i, c.Epoch, m.Checkpoints[i-1].Epoch)
		}
		if c.Epoch > m.EpochsCompleted {
			return fmt.Errorf("checkpoints[%d].epoch %d is beyond epochs_completed %d", i, c.Epoch, m.EpochsCompleted)
		}
		if c.File != checkpointRel(c.Epoch) {
			return fmt.Errorf("checkpoints[%d].file %q, want %q", i, c.File, checkpointRel(c.Epoch))
		}
	}
	return nil
}

// WriteMetadata writes m to path atomically, indented for reading.
func WriteMetadata(path string, m *Metadata) error {
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o644)
}

// GrokkingAccuracy is the test accuracy whose first crossing tdw calls the
// grokking epoch, everywhere it reports one (train, variants, the dashboard,
// comparisons, exports).
const GrokkingAccuracy = 0.99

// GrokkingEpoch is FirstEpochAbove(GrokkingAccuracy): the first epoch whose
// test accuracy exceeds 0.99, or -1.
func (m *Metadata) GrokkingEpoch() int { return m.FirstEpochAbove(GrokkingAccuracy) }

// FirstEpochAbove returns the first epoch whose test accuracy exceeds acc,
// from the per-epoch record, or -1 if none does.
func (m *Metadata) FirstEpochAbove(acc float64) int {
	for e, a := range m.TestAccuracies {
		if a > acc {
			return e
		}
	}
	if n := len(m.Checkpoints); n > 0 && m.Checkpoints[n-1].Epoch == m.EpochsCompleted && m.Checkpoints[n-1].TestAccuracy > acc {
		return m.EpochsCompleted // only the model after the last step got there
	}
	return -1
}
