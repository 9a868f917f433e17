package results

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/variant"
)

// Artifacts is one variant's analysis folder: where its manifest and
// artifacts lie, and the reading of its manifest. Create it with For (the
// default probe's) or ForProbe (any probe's).
type Artifacts struct {
	root    string // the results folder every file read must stay in
	dir     string // the variant's analysis folder (of one probe: ForProbe)
	variant string
	probe   string // the probe's name, when ForProbe made it
}

// For returns the analysis folder of v, confined to the results folder v
// was opened in.
func For(v *variant.Variant) *Artifacts {
	// v.Dir() is results/family/name, both names single path components
	// (variant.Open and variant.Create refuse any other).
	return &Artifacts{root: filepath.Dir(filepath.Dir(v.Dir())), dir: v.ArtifactsDir(), variant: v.Name}
}

// Dir returns the analysis folder.
func (a *Artifacts) Dir() string { return a.dir }

// ManifestPath returns the path of manifest.json.
func (a *Artifacts) ManifestPath() string { return filepath.Join(a.dir, variant.ManifestFile) }

// Path returns the path of a file given relative to the analysis folder
// (EpochRel, CrossRel).
func (a *Artifacts) Path(rel string) string { return filepath.Join(a.dir, rel) }

// EpochPath returns the path of an analyzer's artifact of one epoch.
func (a *Artifacts) EpochPath(analyzer string, epoch int) string {
	return a.Path(EpochRel(analyzer, epoch))
}

// SummaryPath returns the path of an analyzer's summary.npz.
func (a *Artifacts) SummaryPath(analyzer string) string { return a.Path(summaryRel(analyzer)) }

// CrossPath returns the path of an analyzer's cross-epoch artifact.
func (a *Artifacts) CrossPath(analyzer string) string { return a.Path(CrossRel(analyzer)) }

// ManifestInfo returns the file information of manifest.json, whose size and
// modification time say whether it changed. A variant never analyzed gives
// an error wrapping ErrNotFound and fs.ErrNotExist.
func (a *Artifacts) ManifestInfo() (fs.FileInfo, error) {
	p := a.ManifestPath()
	if err := within(a.root, p); err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &treeError{kinds: []error{ErrNotFound, fs.ErrNotExist},
			msg: "variant " + a.variant + " has no analysis" + a.overProbe() + " yet (no " + p + ")"}
	}
	return fi, err
}

// Manifest reads manifest.json. A variant never analyzed gives an error
// wrapping ErrNotFound and fs.ErrNotExist (NewManifest is what it has); a
// malformed or newer-format file one naming the file.
func (a *Artifacts) Manifest() (*Manifest, error) {
	if _, err := a.ManifestInfo(); err != nil {
		return nil, err
	}
	return loadManifest(a.ManifestPath())
}

// Reader reads the manifest and returns a reader of the artifacts it
// records.
func (a *Artifacts) Reader() (*Reader, error) {
	m, err := a.Manifest()
	if err != nil {
		return nil, err
	}
	return a.With(m), nil
}

// With returns a reader of the artifacts m (this folder's manifest, read
// earlier) records.
func (a *Artifacts) With(m *Manifest) *Reader { return &Reader{a: a, m: m} }

// EpochOnDisk reports whether an analyzer's artifact of epoch is a regular
// file inside the results folder.
func (a *Artifacts) EpochOnDisk(analyzer string, epoch int) bool {
	return a.onDisk(a.EpochPath(analyzer, epoch))
}

// CrossOnDisk reports whether an analyzer's cross-epoch artifact is a
// regular file inside the results folder.
func (a *Artifacts) CrossOnDisk(analyzer string) bool { return a.onDisk(a.CrossPath(analyzer)) }

// EpochIntact reports whether an analyzer's epoch artifact is on disk (as
// EpochOnDisk) and still the file er records: its size, and with verify
// also its sha256, as written. A record without them only needs the file.
func (a *Artifacts) EpochIntact(analyzer string, epoch int, er *EpochRecord, verify bool) bool {
	p := a.EpochPath(analyzer, epoch)
	st, ok := a.regular(p)
	if !ok || (er.Bytes > 0 && st.Size() != er.Bytes) {
		return false
	}
	if verify && er.SHA256 != "" {
		sum, err := checkpoint.FileSHA256(p)
		return err == nil && sum == er.SHA256
	}
	return true
}

func (a *Artifacts) onDisk(p string) bool {
	_, ok := a.regular(p)
	return ok
}

// regular stats p, a regular file inside the results folder, once.
func (a *Artifacts) regular(p string) (fs.FileInfo, bool) {
	if within(a.root, p) != nil {
		return nil, false
	}
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() {
		return nil, false
	}
	return st, true
}

// open opens the npz file at p: an ErrEscape error if it resolves outside
// the results folder, an ErrNotFound error saying missing (when not empty)
// or that p does not exist if it does not.
func (a *Artifacts) open(p, missing string) (*File, error) {
	if err := within(a.root, p); err != nil {
		return nil, err
	}
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		if missing == "" {
			missing = p + " does not exist"
		}
		return nil, notFound("%s", missing)
	}
	z, err := artifact.OpenNPZ(p)
	if err != nil {
		return nil, err
	}
	return &File{z: z}, nil
}
