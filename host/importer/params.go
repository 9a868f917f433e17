package importer

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// aliases are the reference config keys that hold a tdw domain parameter
// under another name, tried after the parameter's own name.
var aliases = map[string][]string{
	"train_fraction": {"training_fraction"},
	"seed":           {"model_seed"},
}

// Params returns the family's domain parameters as config.json gives them:
// each under its own name or an alias (training_fraction for
// train_fraction, model_seed for seed when config.json has no seed),
// checked against the family's domain_parameters. A parameter config.json
// lacks is an error naming the keys tried.
func (r *Reference) Params(fam *registry.FamilyManifest) (sdk.Params, error) {
	text := map[string]string{}
	path := filepath.Join(r.Dir, variant.ConfigFile)
	for _, name := range fam.DomainParameters.Names() {
		keys := append([]string{name}, aliases[name]...)
		found := false
		for _, k := range keys {
			v, ok := r.Config[k]
			if !ok || v == nil {
				continue
			}
			switch x := v.(type) {
			case json.Number:
				text[name] = x.String()
			case string:
				text[name] = x
			case bool:
				text[name] = fmt.Sprint(x)
			default:
				return nil, fmt.Errorf("%s: %s is %v, not a parameter value", path, k, v)
			}
			found = true
			break
		}
		if !found {
			return nil, fmt.Errorf("%s: no %s for family %s's parameter %q", path, strings.Join(keys, " or "), fam.Name, name)
		}
	}
	p, err := registry.ParseParams(fam.DomainParameters, text)
	if err != nil {
		return nil, fmt.Errorf("%s: family %s: %w", path, fam.Name, err)
	}
	return p, nil
}

// architectureKeys are the config keys compared between the reference
// config.json and the one the family builds from the parameters.
var architectureKeys = []string{"n_layers", "d_model", "n_heads", "d_head", "d_mlp", "d_vocab", "d_vocab_out", "n_ctx", "act_fn", "normalization_type"}

// checkArchitecture refuses a reference whose model differs from the one
// the family builds for the same parameters, naming the key and both values.
func (r *Reference) checkArchitecture(cfg sdk.ModelConfig) error {
	b, err := model.ConfigJSON(cfg)
	if err != nil {
		return err
	}
	var tdw map[string]any
	if err := json.Unmarshal(b, &tdw); err != nil {
		return err
	}
	for _, k := range architectureKeys {
		ref, ok := r.Config[k]
		if !ok {
			continue
		}
		if !sameValue(ref, tdw[k]) {
			return fmt.Errorf("%s: %s is %v, but the family builds %v for these parameters: not the same model",
				filepath.Join(r.Dir, variant.ConfigFile), k, ref, tdw[k])
		}
	}
	return nil
}

// sameValue compares a config value as decoded with UseNumber with one
// decoded without; null and "" both mean no normalization.
func sameValue(ref, tdw any) bool {
	if n, ok := ref.(json.Number); ok {
		f, err := n.Float64()
		g, isNum := tdw.(float64)
		return err == nil && isNum && f == g
	}
	if ref == nil {
		ref = ""
	}
	if tdw == nil {
		tdw = ""
	}
	return ref == tdw
}
