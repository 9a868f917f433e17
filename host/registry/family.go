package registry

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// FamilyFile is the manifest file name inside each family folder.
const FamilyFile = "family.json"

// FamilyManifest is a validated family.json (see docs/family-json.md).
type FamilyManifest struct {
	Name        string
	DisplayName string
	Description string
	Version     string
	// Command is the family plugin executable as written, relative to Dir,
	// or the program of an array command; Args are passed to it (the rest of
	// an array command, then "args").
	Command string
	Args    []string
	// Architecture holds the architecture keys the family fixes; the plugin
	// fills the parameter-dependent rest (e.g. d_vocab).
	Architecture Architecture
	// DomainParameters are the parameters a variant is made from.
	DomainParameters ParamSpecs
	// Analyzers is the family's default analyzer set, by name.
	Analyzers []string
	// VariantPattern names variant folders, e.g. "p{prime}_seed{seed}".
	VariantPattern *VariantPattern
	// Training holds the training defaults.
	Training TrainingSpec
	// ShapeSymbols define names that analyzers' declared shapes may use, as
	// integer expressions of the domain parameters and architecture keys
	// (e.g. "p": "prime", "n_freq": "(prime-1)/2"), so that the host can
	// hold each output to its exact size.
	ShapeSymbols map[string]Dim
	// Presets are named parameter and training choices; DefaultPreset ("" if
	// none) is the one `tdw-host run` uses.
	Presets       map[string]Preset
	DefaultPreset string
	// Probes are the named probes the family declares (nil when it declares
	// none: then CanonicalProbe is the plugin's Probe call), and DefaultProbe
	// ("" when none are declared) the canonical one analyses use by default.
	Probes       map[string]ProbeSpec
	DefaultProbe string
	// Pages are the dashboard's pages of a variant, by research question
	// (nil: the dashboard shows the training curves and every artifact).
	Pages []Page

	// File is the manifest's path and Dir its folder, as discovered.
	File, Dir string
	// CommandPath is the absolute path of the checked executable.
	CommandPath string
}

// Preset is a named set of domain parameters and training overrides.
type Preset struct {
	Description string
	// Params are the domain parameters the preset sets, typed; parameters it
	// does not set keep their defaults.
	Params sdk.Params
	// Training is the family's training spec with the preset's overrides
	// applied (a schedule rescaled when only the epoch count changed).
	Training TrainingSpec
}

// PresetNames returns the preset names in sorted order.
func (f *FamilyManifest) PresetNames() []string {
	names := make([]string, 0, len(f.Presets))
	for k := range f.Presets {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// ResolveParams returns a variant's complete domain parameters: defaults,
// overridden by the named preset's params ("" for none), overridden by
// given (as typed on a command line). Errors name the preset or parameters.
func (f *FamilyManifest) ResolveParams(preset string, given map[string]string) (sdk.Params, error) {
	specs := f.DomainParameters
	if preset != "" {
		pr, ok := f.Presets[preset]
		if !ok {
			return nil, fmt.Errorf("family %s has no preset %q (presets: %s)", f.Name, preset, strings.Join(f.PresetNames(), ", "))
		}
		// The preset's values act as defaults that the command line overrides.
		specs = make(ParamSpecs, len(f.DomainParameters))
		for k, s := range f.DomainParameters {
			if v, ok := pr.Params[k]; ok {
				s.Default = v
			}
			specs[k] = s
		}
	}
	return ParseParams(specs, given)
}

// TrainingFor returns the training spec of the named preset, or the family's
// own when preset is "".
func (f *FamilyManifest) TrainingFor(preset string) (TrainingSpec, error) {
	if preset == "" {
		return f.Training, nil
	}
	pr, ok := f.Presets[preset]
	if !ok {
		return TrainingSpec{}, fmt.Errorf("family %s has no preset %q (presets: %s)", f.Name, preset, strings.Join(f.PresetNames(), ", "))
	}
	return pr.Training, nil
}

// LoadFamily reads and validates the family.json at file. The family's name
// must equal the name of the folder holding file. It returns a
// *ManifestError naming the file and each bad field, or an error naming the
// file when it cannot be read.
func LoadFamily(file string) (*FamilyManifest, error) {
	data, err := readManifest(file)
	if err != nil {
		return nil, err
	}
	return ParseFamily(file, data)
}

// ParseFamily validates data as the family.json found at file.
func ParseFamily(file string, data []byte) (*FamilyManifest, error) {
	p := &problems{file: file}
	tree, err := decodeTree(data)
	if err != nil {
		p.add("", "%v", err)
		return nil, p.err()
	}
	f := &FamilyManifest{File: file, Dir: filepath.Dir(file)}
	o := asObject(p, "", tree)
	if o == nil {
		return nil, p.err()
	}
	folder := filepath.Base(f.Dir)
	if f.Name, _ = o.str("name", true); f.Name != "" && checkName(p, "name", f.Name) && f.Name != folder {
		p.add("name", "%q does not match its folder name %q", f.Name, folder)
	}
	if f.DisplayName, _ = o.str("display_name", true); o.has("display_name") && strings.TrimSpace(f.DisplayName) == "" {
		p.add("display_name", "is empty")
	}
	if f.Description, _ = o.str("description", true); o.has("description") && strings.TrimSpace(f.Description) == "" {
		p.add("description", "is empty")
	}
	if f.Version, _ = o.str("version", true); f.Version != "" {
		checkVersion(p, "version", f.Version)
	}
	var cmdArgs []string
	f.Command, f.CommandPath, cmdArgs = parseCommand(o, f.Dir, true)
	args, _ := o.strings("args", false)
	f.Args = append(cmdArgs, args...)
	if raw, path, ok := o.field("architecture", true); ok {
		f.Architecture = parseArchitecture(p, path, raw)
	}
	paramsOK := false
	if raw, path, ok := o.field("domain_parameters", true); ok {
		before := len(p.list)
		f.DomainParameters = parseParamSpecs(p, path, raw)
		paramsOK = len(p.list) == before
	}
	if as, ok := o.strings("analyzers", true); ok {
		for i, a := range as {
			checkName(p, joinIndex("analyzers", i), a)
		}
		uniqueStrings(p, "analyzers", as)
		f.Analyzers = as
	}
	if raw, path, ok := o.field("shape_symbols", false); ok {
		f.ShapeSymbols = parseShapeSymbols(p, path, raw, f.DomainParameters)
	}
	if pat, ok := o.str("variant_pattern", true); ok && paramsOK {
		vp, err := ParseVariantPattern(pat, f.DomainParameters)
		if err != nil {
			p.add("variant_pattern", "%v", err)
		}
		f.VariantPattern = vp
	}
	trainingOK := false
	if raw, path, ok := o.field("training", true); ok {
		before := len(p.list)
		f.Training = parseTraining(p, path, raw, nil)
		trainingOK = len(p.list) == before
	}
	if raw, path, ok := o.field("presets", false); ok {
		f.Presets = parsePresets(p, path, raw, f, paramsOK, trainingOK)
	}
	if dp, ok := o.str("default_preset", false); ok {
		if _, found := f.Presets[dp]; !found && !hasProblemUnder(p, "presets") {
			p.add("default_preset", "%q is not one of the presets (%s)", dp, strings.Join(f.PresetNames(), ", "))
		}
		f.DefaultPreset = dp
	}
	probesRaw, probesPath, declared := o.field("probes", false)
	if declared {
		f.Probes = parseProbes(p, probesPath, probesRaw)
	}
	var given bool
	f.DefaultProbe, given = o.str("default_probe", false)
	checkDefaultProbe(p, f, declared, given)
	if raw, path, ok := o.field("pages", false); ok {
		f.Pages = parsePages(p, path, raw, f.Analyzers)
	}
	o.finish()
	if err := p.err(); err != nil {
		return nil, err
	}
	return f, nil
}

func parsePresets(p *problems, path string, v any, f *FamilyManifest, paramsOK, trainingOK bool) map[string]Preset {
	o := asObject(p, path, v)
	if o == nil {
		return nil
	}
	out := map[string]Preset{}
	keys := make([]string, 0, len(o.m))
	for k := range o.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, name := range keys {
		raw, pp, _ := o.field(name, true)
		if !checkName(p, pp, name) {
			continue
		}
		po := asObject(p, pp, raw)
		if po == nil {
			continue
		}
		var pr Preset
		pr.Description, _ = po.str("description", true)
		if raw, prp, ok := po.field("params", false); ok {
			if m, isObj := raw.(map[string]any); !isObj {
				p.add(prp, "want an object of parameter values, found %s", jsonType(raw))
			} else if paramsOK {
				full, err := ValidateParams(f.DomainParameters, sdk.Params(m))
				if err != nil {
					for _, pe := range err.(ParamErrors) {
						p.add(joinKey(prp, pe.Name), "%s", strings.TrimPrefix(pe.Error(), fmt.Sprintf("parameter %q ", pe.Name)))
					}
				} else {
					pr.Params = sdk.Params{}
					for k := range m {
						pr.Params[k] = full[k]
					}
				}
			}
		}
		if raw, tp, ok := po.field("training", false); ok {
			if trainingOK {
				base := f.Training
				pr.Training = parseTraining(p, tp, raw, &base)
			}
		} else {
			pr.Training = f.Training
		}
		po.finish()
		out[name] = pr
	}
	return out
}
