package registry

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/sdk"
)

// AnalyzerFile is the manifest file name inside each analyzer folder.
const AnalyzerFile = "analyzer.json"

// AnalyzerManifest is a validated analyzer.json (see docs/analyzer-json.md).
type AnalyzerManifest struct {
	Name        string
	Version     string
	Description string
	// Command is the plugin executable as written, relative to Dir, or the
	// program of an array command (e.g. "python3"); Args are passed to it:
	// the rest of an array command, then "args".
	Command string
	Args    []string
	Kind    sdk.Kind
	// Families lists the families the analyzer applies to; ["*"] means any.
	Families []string
	Inputs   Inputs
	// Requires lists the model sites the analyzer needs (Sites, or hook
	// and weight names); on a model without one it is not applicable.
	Requires []string
	// Outputs are the arrays of each epoch's npz file (per-checkpoint) or of
	// cross_epoch.npz (cross-epoch); Summary the per-epoch statistics stacked
	// into summary.npz.
	Outputs    []OutputSpec
	Summary    []OutputSpec
	Parameters ParamSpecs
	// Timeout bounds one Analyze call; 0 means the host's default.
	Timeout time.Duration
	// MaxBytes caps the bytes of the arrays one call returns ("max_bytes");
	// 0 means the host's default, derived from the declared shapes.
	MaxBytes int64

	// File is the manifest's path and Dir its folder, as discovered.
	File, Dir string
	// CommandPath is the absolute path of the checked executable.
	CommandPath string
}

// Inputs are what an analyzer asks the host to send it.
type Inputs struct {
	Hooks []HookInput
	// Logits is nil when the analyzer does not want logits.
	Logits *model.Positions
	// Weights are state-dict names or globs (see Glob).
	Weights []string
	// Context names tensors of the family's analysis context.
	Context []string
	// Artifacts are other analyzers' outputs, for cross-epoch analyzers.
	Artifacts []ArtifactRef
}

// HookInput is one requested activation.
type HookInput struct {
	Name      string // TransformerLens hook name, "*" allowed as layer index
	Positions model.Positions
}

// ArtifactRef names another analyzer's per-epoch arrays ("name"), its
// summary statistics ("name/summary") or a cross-epoch analyzer's arrays
// ("name/cross_epoch").
type ArtifactRef struct {
	Analyzer string
	Summary  bool
	Cross    bool
}

// String writes the reference as in analyzer.json.
func (r ArtifactRef) String() string {
	switch {
	case r.Summary:
		return r.Analyzer + "/summary"
	case r.Cross:
		return r.Analyzer + "/cross_epoch"
	}
	return r.Analyzer
}

// LoadAnalyzer reads and validates the analyzer.json at file. The analyzer's
// name must equal the name of the folder holding file. It returns a
// *ManifestError naming the file and each bad field, or an error naming the
// file when it cannot be read.
func LoadAnalyzer(file string) (*AnalyzerManifest, error) {
	data, err := readManifest(file)
	if err != nil {
		return nil, err
	}
	return ParseAnalyzer(file, data)
}

// LoadAnalyzerUnbuilt is LoadAnalyzer for an analyzer whose plugin need not
// be built yet, as in the plugin's own tests: the command is checked as
// written (relative, inside the folder) but not looked for, and CommandPath
// stays empty.
func LoadAnalyzerUnbuilt(file string) (*AnalyzerManifest, error) {
	data, err := readManifest(file)
	if err != nil {
		return nil, err
	}
	return parseAnalyzer(file, data, false)
}

// ParseAnalyzer validates data as the analyzer.json found at file (whose
// folder is the analyzer's folder).
func ParseAnalyzer(file string, data []byte) (*AnalyzerManifest, error) {
	return parseAnalyzer(file, data, true)
}

// parseAnalyzer is ParseAnalyzer; resolve says whether the command must
// exist and be executable.
func parseAnalyzer(file string, data []byte, resolve bool) (*AnalyzerManifest, error) {
	p := &problems{file: file}
	tree, err := decodeTree(data)
	if err != nil {
		p.add("", "%v", err)
		return nil, p.err()
	}
	m := &AnalyzerManifest{File: file, Dir: filepath.Dir(file)}
	o := asObject(p, "", tree)
	if o == nil {
		return nil, p.err()
	}
	folder := filepath.Base(m.Dir)
	if m.Name, _ = o.str("name", true); m.Name != "" && checkName(p, "name", m.Name) && m.Name != folder {
		p.add("name", "%q does not match its folder name %q", m.Name, folder)
	}
	if m.Name == ProbesFolder {
		p.add("name", "%q is reserved: analysis/%s/ holds the analyses of a variant's other probes", m.Name, ProbesFolder)
	}
	if m.Version, _ = o.str("version", true); m.Version != "" {
		checkVersion(p, "version", m.Version)
	}
	if m.Description, _ = o.str("description", true); o.has("description") && strings.TrimSpace(m.Description) == "" {
		p.add("description", "is empty")
	}
	var cmdArgs []string
	m.Command, m.CommandPath, cmdArgs = parseCommand(o, m.Dir, resolve)
	args, _ := o.strings("args", false)
	m.Args = append(cmdArgs, args...)
	if kind, ok := o.str("kind", true); ok {
		switch sdk.Kind(kind) {
		case sdk.PerCheckpoint, sdk.CrossEpoch, sdk.Secondary:
			m.Kind = sdk.Kind(kind)
		default:
			p.add("kind", "%q is not a kind (want %q, %q or %q)", kind, sdk.PerCheckpoint, sdk.Secondary, sdk.CrossEpoch)
		}
	}
	m.Families = []string{"*"}
	if fams, ok := o.strings("families", false); ok {
		if len(fams) == 0 {
			p.add("families", "is empty (leave it out, or write [\"*\"], for any family)")
		}
		for i, f := range fams {
			if f != "*" {
				checkName(p, joinIndex("families", i), f)
			}
		}
		uniqueStrings(p, "families", fams)
		m.Families = fams
	}
	if raw, path, ok := o.field("inputs", false); ok {
		m.Inputs = parseInputs(p, path, raw)
	}
	m.Requires = parseRequires(p, o)
	if raw, path, ok := o.field("outputs", false); ok {
		m.Outputs = parseOutputs(p, path, raw)
	}
	if raw, path, ok := o.field("summary", false); ok {
		m.Summary = parseOutputs(p, path, raw)
	}
	if !o.has("outputs") && !o.has("summary") {
		p.add("outputs", "required field is missing (an analyzer declares outputs, summary or both)")
	}
	if raw, path, ok := o.field("parameters", false); ok {
		m.Parameters = parseParamSpecs(p, path, raw)
	}
	if secs, ok := o.number("timeout", false); ok {
		if secs <= 0 || secs > 7*24*3600 {
			p.add("timeout", "%v seconds is not in (0, 604800]", secs)
		} else {
			m.Timeout = time.Duration(secs * float64(time.Second))
		}
	}
	if n, ok := o.number("max_bytes", false); ok {
		if n < 1 || n > 1<<40 || n != float64(int64(n)) {
			p.add("max_bytes", "%v is not a whole number of bytes in [1, 2^40]", n)
		} else {
			m.MaxBytes = int64(n)
		}
	}
	o.finish()
	checkKindRules(p, m, o)
	if err := p.err(); err != nil {
		return nil, err
	}
	return m, nil
}

// checkKindRules enforces what each kind may declare: a per-checkpoint
// analyzer reads one checkpoint and so no artifacts; a cross-epoch one reads
// artifacts and nothing of a checkpoint.
func checkKindRules(p *problems, m *AnalyzerManifest, o *object) {
	switch m.Kind {
	case sdk.PerCheckpoint:
		if len(m.Inputs.Artifacts) > 0 {
			p.add("inputs.artifacts", "a per-checkpoint analyzer may not depend on artifacts (make it kind %q)", sdk.CrossEpoch)
		}
	case sdk.CrossEpoch, sdk.Secondary:
		if len(m.Inputs.Artifacts) == 0 && !hasProblemUnder(p, "inputs") {
			p.add("inputs.artifacts", "a %s analyzer must declare the artifacts it reads", m.Kind)
		}
		if len(m.Inputs.Hooks) > 0 {
			p.add("inputs.hooks", "a %s analyzer reads artifacts, not activations", m.Kind)
		}
		if m.Inputs.Logits != nil {
			p.add("inputs.logits", "a %s analyzer reads artifacts, not logits", m.Kind)
		}
		if len(m.Inputs.Weights) > 0 {
			p.add("inputs.weights", "a %s analyzer reads artifacts, not weights", m.Kind)
		}
		if m.Kind == sdk.CrossEpoch && o.has("summary") {
			p.add("summary", "a cross-epoch analyzer has no per-epoch summary; declare its arrays under outputs")
		}
		for i, ref := range m.Inputs.Artifacts {
			if m.Kind == sdk.Secondary && ref.Cross {
				p.add(joinIndex("inputs.artifacts", i), "%q: a secondary analyzer reads one epoch at a time, not cross-epoch artifacts", ref)
			}
		}
	}
}

func hasProblemUnder(p *problems, prefix string) bool {
	for _, pr := range p.list {
		if pr.Path == prefix || strings.HasPrefix(pr.Path, prefix+".") {
			return true
		}
	}
	return false
}

func parseInputs(p *problems, path string, v any) Inputs {
	var in Inputs
	o := asObject(p, path, v)
	if o == nil {
		return in
	}
	if raw, hp, ok := o.field("hooks", false); ok {
		if arr, isArr := raw.([]any); !isArr {
			p.add(hp, "want an array of hooks, found %s", jsonType(raw))
		} else {
			seen := map[string]bool{}
			for i, e := range arr {
				ep := joinIndex(hp, i)
				ho := asObject(p, ep, e)
				if ho == nil {
					continue
				}
				h := HookInput{Positions: model.PosAll}
				if name, ok := ho.str("name", true); ok {
					switch {
					case !ValidHookName(name):
						p.add(joinKey(ep, "name"), "%q is not a TransformerLens hook name (e.g. \"blocks.0.mlp.hook_post\", \"blocks.*.attn.hook_pattern\")", name)
					case seen[name]:
						p.add(joinKey(ep, "name"), "hook %q is listed twice", name)
					}
					seen[name] = true
					h.Name = name
				}
				if raw, pp, ok := ho.field("positions", false); ok {
					h.Positions, _ = parsePositions(p, pp, raw)
				}
				ho.finish()
				in.Hooks = append(in.Hooks, h)
			}
		}
	}
	if raw, lp, ok := o.field("logits", false); ok {
		switch x := raw.(type) {
		case bool:
			if x {
				all := model.PosAll
				in.Logits = &all
			}
		case map[string]any:
			lo := asObject(p, lp, x)
			pos := model.PosAll
			if raw, pp, ok := lo.field("positions", false); ok {
				pos, _ = parsePositions(p, pp, raw)
			}
			lo.finish()
			in.Logits = &pos
		default:
			p.add(lp, "want a boolean or {\"positions\": ...}, found %s", jsonType(raw))
		}
	}
	if ws, ok := o.strings("weights", false); ok {
		for i, w := range ws {
			if _, err := CompileGlob(w); err != nil {
				p.add(joinIndex(joinKey(path, "weights"), i), "%q is not a state-dict name or glob: %v", w, err)
			}
		}
		uniqueStrings(p, joinKey(path, "weights"), ws)
		in.Weights = ws
	}
	if cs, ok := o.strings("context", false); ok {
		for i, c := range cs {
			checkName(p, joinIndex(joinKey(path, "context"), i), c)
		}
		uniqueStrings(p, joinKey(path, "context"), cs)
		in.Context = cs
	}
	if as, ok := o.strings("artifacts", false); ok {
		ap := joinKey(path, "artifacts")
		uniqueStrings(p, ap, as)
		for i, a := range as {
			ref := ArtifactRef{Analyzer: a}
			if name, ok := strings.CutSuffix(a, "/summary"); ok {
				ref = ArtifactRef{Analyzer: name, Summary: true}
			} else if name, ok := strings.CutSuffix(a, "/cross_epoch"); ok {
				ref = ArtifactRef{Analyzer: name, Cross: true}
			}
			if !ValidName(ref.Analyzer) {
				p.add(joinIndex(ap, i), "%q is not an analyzer name, NAME/summary or NAME/cross_epoch", a)
				continue
			}
			in.Artifacts = append(in.Artifacts, ref)
		}
	}
	o.finish()
	return in
}

// AcceptsFamily reports whether the analyzer applies to the named family.
func (m *AnalyzerManifest) AcceptsFamily(family string) bool {
	for _, f := range m.Families {
		if f == "*" || f == family {
			return true
		}
	}
	return false
}

// CheckInfo returns an error naming the analyzer and each field where a
// plugin's self-description differs from its manifest.
func (m *AnalyzerManifest) CheckInfo(info sdk.AnalyzerInfo) error {
	var diffs []string
	if info.Name != m.Name {
		diffs = append(diffs, fmt.Sprintf("name %q (analyzer.json says %q)", info.Name, m.Name))
	}
	if info.Version != m.Version {
		diffs = append(diffs, fmt.Sprintf("version %q (analyzer.json says %q)", info.Version, m.Version))
	}
	if info.Kind != m.Kind {
		diffs = append(diffs, fmt.Sprintf("kind %q (analyzer.json says %q)", info.Kind, m.Kind))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("analyzer %s: plugin %s describes itself with %s", m.Name, m.CommandPath, strings.Join(diffs, ", "))
	}
	return nil
}

// Output returns the spec in Outputs (or Summary when summary is set) that
// declares an array called name: an exact name first, then a name with
// <placeholders> or wildcards.
func (m *AnalyzerManifest) Output(name string, summary bool) (OutputSpec, bool) {
	list := m.Outputs
	if summary {
		list = m.Summary
	}
	for _, s := range list {
		if s.Name == name {
			return s, true
		}
	}
	for _, s := range list {
		if s.Matches(name) {
			return s, true
		}
	}
	return OutputSpec{}, false
}
