package results

import (
	"fmt"
	"path/filepath"
)

// Names of the files in a variant's analysis folder, beside
// variant.ManifestFile (docs/formats/analysis.md): each analyzer has a
// folder of its own holding one file per epoch, its stacked summary and its
// cross-epoch artifact.
const (
	SummaryFile    = "summary.npz"
	CrossEpochFile = "cross_epoch.npz"
)

// EpochFile is the name of an analyzer's artifact for one epoch.
func EpochFile(epoch int) string { return fmt.Sprintf("epoch_%05d.npz", epoch) }

// EpochRel is the path of an analyzer's epoch artifact relative to the
// analysis folder, as the manifest records it.
func EpochRel(analyzer string, epoch int) string { return filepath.Join(analyzer, EpochFile(epoch)) }

// CrossRel is the path of an analyzer's cross-epoch artifact relative to the
// analysis folder, as the manifest records it.
func CrossRel(analyzer string) string { return filepath.Join(analyzer, CrossEpochFile) }

// summaryRel is the path of an analyzer's summary.npz relative to the
// analysis folder.
func summaryRel(analyzer string) string { return filepath.Join(analyzer, SummaryFile) }
