package variant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/sdk"
)

// Create returns the variant of fam for params, creating its folder,
// config.json and metadata.json if it does not exist yet. params are checked
// against the family's domain_parameters (unknown names, wrong types, values
// out of range or not among the choices are errors naming them), completed
// with defaults, and asked of the plugin, which may refuse them (e.g. a prime
// that is not prime); nothing is written for refused parameters. The folder
// name comes from the family's variant_pattern; any value that could escape
// results is refused. An existing variant of the same name must have the
// same parameters.
func Create(ctx context.Context, results string, fam *registry.FamilyManifest, plugin sdk.Family, params sdk.Params, tdwVersion string) (*Variant, error) {
	full, err := registry.ValidateParams(fam.DomainParameters, params)
	if err != nil {
		return nil, fmt.Errorf("family %s: %w", fam.Name, err)
	}
	name, err := fam.VariantPattern.Name(full)
	if err != nil {
		return nil, fmt.Errorf("family %s: %w", fam.Name, err)
	}
	dir, err := variantDir(results, fam.Name, name)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, MetadataFile)); err == nil {
		v, err := Open(results, fam.Name, name)
		if err != nil {
			return nil, err
		}
		recorded, err := registry.ValidateParams(fam.DomainParameters, v.Params)
		if err != nil {
			return nil, fmt.Errorf("variant %s: recorded params: %w", name, err)
		}
		if paramsString(recorded) != paramsString(full) {
			return nil, fmt.Errorf("variant %s exists with params %s, not %s (the variant_pattern does not tell them apart)", name, paramsString(recorded), paramsString(full))
		}
		v.Params = recorded
		return v, nil
	}
	if plugin == nil {
		return nil, fmt.Errorf("create variant %s: no family plugin", name)
	}
	cfg, err := plugin.ModelConfig(ctx, full)
	if err != nil {
		return nil, fmt.Errorf("family plugin %s refused params %s: %w", fam.Name, paramsString(full), err)
	}
	if err := fam.Architecture.Check(cfg); err != nil {
		return nil, fmt.Errorf("family plugin %s: %w", fam.Name, err)
	}
	cfgJSON, err := configJSON(cfg)
	if err != nil {
		return nil, fmt.Errorf("family plugin %s: %w", fam.Name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	v := &Variant{Family: fam.Name, Name: name, Params: full, dir: dir}
	if err := atomicfile.WriteFile(v.ConfigPath(), append(indentJSON(cfgJSON), '\n'), 0o644); err != nil {
		return nil, err
	}
	m := newMetadata(fam.Name, fam.Version, name, full, tdwVersion)
	if err := WriteMetadata(v.MetadataPath(), m); err != nil {
		return nil, err
	}
	return v, nil
}

// List returns the variants of fam under results, sorted by name. Folders
// whose names do not follow the family's variant_pattern are foreign and
// ignored; a folder that follows it but cannot be opened (no or broken
// metadata.json) is reported in errs and left out of the list.
func List(results string, fam *registry.FamilyManifest) (vs []*Variant, errs []error) {
	entries, err := os.ReadDir(filepath.Join(results, fam.Name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, []error{err}
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if _, ok := fam.VariantPattern.Parse(e.Name()); !ok {
			continue
		}
		v, err := Open(results, fam.Name, e.Name())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Name < vs[j].Name })
	return vs, errs
}

func newMetadata(family, familyVersion, name string, params sdk.Params, tdwVersion string) *Metadata {
	m := &Metadata{
		FormatVersion: MetadataFormat, TDWVersion: tdwVersion, Family: family, FamilyVersion: familyVersion,
		Variant: name, Params: params, Seeds: map[string]int64{}, Status: StatusCreated, ResumeEpoch: -1,
		TrainLosses: []float64{}, TestLosses: []float64{}, TestAccuracies: []float64{},
		CheckpointEpochs: []int{}, Checkpoints: []CheckpointRecord{}, TrainIndices: []int{}, TestIndices: []int{},
	}
	for k := range params {
		if strings.HasSuffix(k, "seed") {
			if n, err := params.Int(k); err == nil {
				m.Seeds[k] = int64(n)
			}
		}
	}
	return m
}

// configJSON returns the model configuration under TransformerLens keys,
// after the engine has validated it.
func configJSON(cfg sdk.ModelConfig) ([]byte, error) {
	c, err := model.NormalizeConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("model config: %w", err)
	}
	return model.ConfigJSON(c)
}

// checkConfig writes config.json for a fresh run, or checks that the plugin
// still produces the recorded one for a resumed run.
func (v *Variant) checkConfig(cfg sdk.ModelConfig, fresh bool) error {
	b, err := configJSON(cfg)
	if err != nil {
		return fmt.Errorf("family plugin %s: %w", v.Family, err)
	}
	if fresh {
		return atomicfile.WriteFile(v.ConfigPath(), append(indentJSON(b), '\n'), 0o644)
	}
	rec, err := model.LoadConfig(v.ConfigPath())
	if err != nil {
		return err
	}
	now, _ := model.NormalizeConfig(cfg)
	if rec != now {
		return fmt.Errorf("train %s: the family plugin's model config differs from %s; retrain with --force", v.Name, v.ConfigPath())
	}
	return nil
}

func indentJSON(b []byte) []byte {
	var out strings.Builder
	var x any
	if json.Unmarshal(b, &x) != nil {
		return b
	}
	enc := json.NewEncoder(&out)
	enc.SetIndent("", "  ")
	enc.Encode(x)
	return []byte(strings.TrimSpace(out.String()))
}

// paramsString formats params as sorted name=value pairs.
func paramsString(p sdk.Params) string {
	parts := make([]string, 0, len(p))
	for _, k := range p.Names() {
		parts = append(parts, k+"="+registry.FormatValue(p[k]))
	}
	return strings.Join(parts, " ")
}
