package probe

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// ErrName is wrapped by Add's errors about the name asked for (not a valid
// name, or one the variant or its family already uses), as opposed to the
// files' content.
var ErrName = errors.New("probe name")

// AddRequest is a researcher's probe for a variant, from .npy files.
type AddRequest struct {
	Name string
	// Tokens is the path of an integer .npy [rows, n_ctx]; Labels, when not
	// empty, the path of an integer .npy [rows].
	Tokens, Labels string
	// Description says what the probe exercises ("" for one naming the
	// files).
	Description string
}

// Add records a researcher's probe for variant v of family fam, from the
// request's files, and returns its record. The name must be a valid probe
// name ([a-z0-9_]+) that neither v nor its family's family.json uses yet
// (an error wrapping ErrName); the tokens must be integers [rows, n_ctx]
// with every token in [0, d_vocab) of v's model, the labels integers with
// one per row in [0, d_vocab_out). Every refusal is one line naming the
// file, and nothing is written for it. The caller holds v's lock.
func Add(v *variant.Variant, fam *registry.FamilyManifest, req AddRequest) (*Record, error) {
	ix, err := ReadIndex(v)
	if err != nil {
		return nil, err
	}
	if err := checkNewName(v, fam, ix, req.Name); err != nil {
		return nil, err
	}
	cfg, err := model.LoadConfig(v.ConfigPath())
	if err != nil {
		return nil, err
	}
	ds, err := readRequest(req, cfg)
	if err != nil {
		return nil, err
	}
	from := []string{absolute(req.Tokens)}
	if req.Labels != "" {
		from = append(from, absolute(req.Labels))
	}
	desc := req.Description
	if desc == "" {
		desc = "added from " + filepath.Base(req.Tokens)
		if req.Labels != "" {
			desc += " and " + filepath.Base(req.Labels)
		}
	}
	if ix.Default == "" { // the family's canonical probe stays the default
		ix.Default = fam.CanonicalProbe().Name
	}
	rec := &Record{Description: desc, Source: SourceFile, From: from}
	if err := save(v, ix, req.Name, rec, *ds); err != nil {
		return nil, err
	}
	return rec, nil
}

// checkNewName refuses a name that is no probe name or that v or its
// family already uses.
func checkNewName(v *variant.Variant, fam *registry.FamilyManifest, ix *Index, name string) error {
	switch {
	case !validName(name):
		return fmt.Errorf("%w %q is not valid: want one or more of [a-z0-9_], at most 100", ErrName, name)
	case ix.Probes[name] != nil:
		return fmt.Errorf("%w %q is taken: variant %s already has a probe %s, and a recorded probe is never replaced (choose another name)", ErrName, name, v.Name, name)
	}
	if _, declared := fam.ProbeSpec(name); declared {
		return fmt.Errorf("%w %q is taken: family %s declares a probe %s in its family.json (choose another name)", ErrName, name, fam.Name, name)
	}
	return nil
}

// readRequest reads and checks the request's files against the model.
func readRequest(req AddRequest, cfg sdk.ModelConfig) (*sdk.Dataset, error) {
	t, err := artifact.ReadNPY(req.Tokens)
	if err != nil {
		return nil, err
	}
	ds := &sdk.Dataset{}
	if ds.Tokens, err = checkTokens(req.Tokens, t, cfg); err != nil {
		return nil, err
	}
	if req.Labels == "" {
		return ds, nil
	}
	l, err := artifact.ReadNPY(req.Labels)
	if err != nil {
		return nil, err
	}
	if ds.Labels, err = checkLabels(req.Labels, req.Tokens, l, ds.Tokens.Shape()[0], cfg); err != nil {
		return nil, err
	}
	return ds, nil
}

func absolute(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
