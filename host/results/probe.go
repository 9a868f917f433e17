package results

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strconv"

	"github.com/tdw-workbench/tdw/host/probe"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
)

// ForProbe returns the analysis folder of v's analyses over the named
// probe: analysis/ itself for v's default probe (and for name ""),
// analysis/probes/{name}/ for any other probe v holds. The default is the
// one v's probes.json records, or fam's canonical probe for a variant that
// has recorded none yet (one analyzed before probes were recorded). A name
// that is no probe name is an ErrSelection error, a probe v does not hold
// an ErrNotFound one naming those it has.
func ForProbe(v *variant.Variant, fam *registry.FamilyManifest, name string) (*Artifacts, error) {
	ix, err := probe.ReadIndex(v)
	if err != nil {
		return nil, err
	}
	def := ix.Default
	if def == "" {
		def = fam.CanonicalProbe().Name
	}
	if name == "" || name == def {
		a := For(v)
		a.probe = def
		return a, nil
	}
	if !registry.ValidName(name) {
		return nil, &treeError{kinds: []error{ErrSelection}, msg: "probe " + strconv.Quote(name) + " is not a probe name (want one or more of [a-z0-9_])"}
	}
	if _, err := ix.Record(v, name); err != nil {
		kinds := []error{ErrNotFound}
		if errors.Is(err, fs.ErrNotExist) {
			kinds = append(kinds, fs.ErrNotExist)
		}
		return nil, &treeError{kinds: kinds, msg: err.Error()}
	}
	a := For(v)
	a.dir = filepath.Join(a.dir, registry.ProbesFolder, name)
	a.probe = name
	return a, nil
}

// overProbe is " over probe NAME" for a non-default probe's folder.
func (a *Artifacts) overProbe() string {
	if filepath.Base(filepath.Dir(a.dir)) == registry.ProbesFolder {
		return " over probe " + a.probe
	}
	return ""
}

// Probe returns the name of the probe the folder's analyses are over ("" for
// an Artifacts made by For, which does not read probes.json: the default).
func (a *Artifacts) Probe() string { return a.probe }
