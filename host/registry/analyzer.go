package registry

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

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
	// Outputs are the arrays of each epoch's npz file (per-checkpoint) or of
	// cross_epoch.npz (cross-epoch); Summary the per-epoch statistics stacked
	// into summary.npz.
	Outputs    []OutputSpec
	Summary    []OutputSpec
	Parameters ParamSpecs
	// Timeout bounds one Analyze call; 0 means the host's default.
	Timeout time.Duration

	// File is the manifest's path and Dir its folder, as discovered.
	File, Dir string
	// CommandPath is the absolute path of the checked executable.
	CommandPath string
}

// Inputs are what an analyzer asks the host to send it.
type Inputs struct {
	Hooks []HookInput
	// Logits is nil when the analyzer does not want logits.
	Logits *Positions
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
	Positions Positions
}

// ArtifactRef names another analyzer's per-epoch arrays ("name") or its
// summary statistics ("name/summary").
type ArtifactRef struct {
	Analyzer string
	Summary  bool
}

// String writes the reference as in analyzer.json.
func (r ArtifactRef) String() string {
	if r.Summary {
		return r.Analyzer + "/summary"
	}
	return r.Analyzer
}

// OutputSpec declares one output array.
type OutputSpec struct {
	// Name is the npz key. A name with a <placeholder> or a wildcard (* any
	// run, ? one character) declares a family of arrays, e.g.
	// "<group>__velocity" or "*W_*" for a weight snapshot; see Matches.
	Name string
	// DType is the declared dtype; DTypes lists every dtype the array may
	// have, DType first, when analyzer.json gives alternatives such as
	// "float16|float32" (an analyzer parameter picks one).
	DType  sdk.DType
	DTypes []sdk.DType
	// Shape is the shape in words, e.g. "(n_freq, d_mlp)".
	Shape       string
	Description string
}

// outputDTypes are the dtypes an analyzer may declare (numpy names).
var outputDTypes = map[sdk.DType]bool{
	sdk.Float32: true, sdk.Float16: true, sdk.Float64: true, sdk.Int64: true,
	sdk.Int32: true, sdk.Uint8: true, sdk.Bool: true,
}

var outputNameRE = regexp.MustCompile(`^[A-Za-z0-9_*?][A-Za-z0-9_.*?-]*$`)
var shapeDimRE = regexp.MustCompile(`^[A-Za-z0-9_*+/^ .()-]+$`)

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

// ParseAnalyzer validates data as the analyzer.json found at file (whose
// folder is the analyzer's folder).
func ParseAnalyzer(file string, data []byte) (*AnalyzerManifest, error) {
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
	if m.Version, _ = o.str("version", true); m.Version != "" {
		checkVersion(p, "version", m.Version)
	}
	if m.Description, _ = o.str("description", true); o.has("description") && strings.TrimSpace(m.Description) == "" {
		p.add("description", "is empty")
	}
	var cmdArgs []string
	m.Command, m.CommandPath, cmdArgs = parseCommand(o, m.Dir)
	args, _ := o.strings("args", false)
	m.Args = append(cmdArgs, args...)
	if kind, ok := o.str("kind", true); ok {
		switch sdk.Kind(kind) {
		case sdk.PerCheckpoint, sdk.CrossEpoch:
			m.Kind = sdk.Kind(kind)
		default:
			p.add("kind", "%q is not a kind (want %q or %q)", kind, sdk.PerCheckpoint, sdk.CrossEpoch)
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
	case sdk.CrossEpoch:
		if len(m.Inputs.Artifacts) == 0 && !hasProblemUnder(p, "inputs") {
			p.add("inputs.artifacts", "a cross-epoch analyzer must declare the artifacts it reads")
		}
		if len(m.Inputs.Hooks) > 0 {
			p.add("inputs.hooks", "a cross-epoch analyzer reads artifacts, not activations")
		}
		if m.Inputs.Logits != nil {
			p.add("inputs.logits", "a cross-epoch analyzer reads artifacts, not logits")
		}
		if len(m.Inputs.Weights) > 0 {
			p.add("inputs.weights", "a cross-epoch analyzer reads artifacts, not weights")
		}
		if o.has("summary") {
			p.add("summary", "a cross-epoch analyzer has no per-epoch summary; declare its arrays under outputs")
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
				h := HookInput{Positions: Positions{Select: AllPositions}}
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
				in.Logits = &Positions{Select: AllPositions}
			}
		case map[string]any:
			lo := asObject(p, lp, x)
			pos := Positions{Select: AllPositions}
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
			}
			if !ValidName(ref.Analyzer) {
				p.add(joinIndex(ap, i), "%q is not an analyzer name or NAME/summary", a)
				continue
			}
			in.Artifacts = append(in.Artifacts, ref)
		}
	}
	o.finish()
	return in
}

func parseOutputs(p *problems, path string, v any) []OutputSpec {
	arr, ok := v.([]any)
	if !ok {
		p.add(path, "want an array of {name, dtype, shape, description}, found %s", jsonType(v))
		return nil
	}
	var out []OutputSpec
	seen := map[string]bool{}
	for i, e := range arr {
		ep := joinIndex(path, i)
		o := asObject(p, ep, e)
		if o == nil {
			continue
		}
		var s OutputSpec
		if s.Name, ok = o.str("name", true); ok {
			switch {
			case !checkOutputName(s.Name):
				p.add(joinKey(ep, "name"), "%q is not an array name (want [A-Za-z0-9_.-], with <placeholders> or wildcards * and ?)", s.Name)
			case seen[s.Name]:
				p.add(joinKey(ep, "name"), "%q is listed twice", s.Name)
			}
			seen[s.Name] = true
		}
		if dt, ok := o.str("dtype", true); ok {
			for i, alt := range strings.Split(dt, "|") {
				d := sdk.DType(alt)
				switch {
				case !outputDTypes[d]:
					p.add(joinKey(ep, "dtype"), "%q is not an output dtype (want float32, float16, float64, int64, int32, uint8 or bool, or alternatives joined by |)", dt)
				case slices.Contains(s.DTypes, d):
					p.add(joinKey(ep, "dtype"), "%q lists %s twice", dt, d)
				default:
					if i == 0 {
						s.DType = d
					}
					s.DTypes = append(s.DTypes, d)
					continue
				}
				break
			}
		}
		if s.Shape, ok = o.str("shape", true); ok {
			if err := checkShapeWords(s.Shape); err != nil {
				p.add(joinKey(ep, "shape"), "%q %v", s.Shape, err)
			}
		}
		if s.Description, ok = o.str("description", true); ok && strings.TrimSpace(s.Description) == "" {
			p.add(joinKey(ep, "description"), "is empty")
		}
		o.finish()
		out = append(out, s)
	}
	return out
}

// checkShapeWords accepts a shape in words: a parenthesised, comma-separated
// list of dimension names, numbers or expressions, e.g. "(n_freq, d_mlp)",
// "(p*p,)", "((p-1)/2, n_heads)" or "()" for a scalar, optionally followed by
// a comment ("(n_freq, d_mlp), n_freq = (p-1)/2").
func checkShapeWords(s string) error {
	if !strings.HasPrefix(s, "(") {
		return fmt.Errorf("is not a shape in words (want e.g. \"(n_freq, d_mlp)\" or \"()\")")
	}
	depth, end := 0, -1
	for i, c := range s {
		if c == '(' {
			depth++
		} else if c == ')' {
			depth--
			if depth == 0 {
				end = i
				break
			}
		}
	}
	if end < 0 {
		return fmt.Errorf("has an unclosed parenthesis")
	}
	if rest := s[end+1:]; rest != "" && rest[0] != ',' && rest[0] != ' ' && rest[0] != ';' {
		return fmt.Errorf("has %q right after the shape (separate a comment with a comma)", rest)
	}
	inner := strings.TrimSpace(s[1:end])
	if inner == "" {
		return nil
	}
	var dims []string
	depth, start := 0, 0
	for i, c := range inner {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				dims = append(dims, inner[start:i])
				start = i + 1
			}
		}
	}
	if last := inner[start:]; strings.TrimSpace(last) != "" || len(dims) == 0 {
		dims = append(dims, last) // "(n,)" ends in a comma, as numpy writes it
	}
	for _, d := range dims {
		d = strings.TrimSpace(d)
		if d == "" || !shapeDimRE.MatchString(d) {
			return fmt.Errorf("has a bad dimension %q (want a name like d_mlp, a number or an expression like p*p)", d)
		}
	}
	return nil
}

// outputPlaceholderRE is a <word> standing for a variable part of an array
// name, as in "<group>__velocity".
var outputPlaceholderRE = regexp.MustCompile(`<[a-z][a-z0-9_]*>`)

// checkOutputName accepts an npz key, possibly with <placeholders> and the
// wildcards * and ?, that cannot escape a folder.
func checkOutputName(s string) bool {
	plain := outputPlaceholderRE.ReplaceAllString(s, "x")
	return outputNameRE.MatchString(plain) && !strings.Contains(plain, "..")
}

// outputNameRegexp turns a declared output name into an anchored regexp:
// <word> matches one or more of [A-Za-z0-9_.-], * any run, ? one character.
func outputNameRegexp(s string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for len(s) > 0 {
		if loc := outputPlaceholderRE.FindStringIndex(s); loc != nil && loc[0] == 0 {
			b.WriteString(`[A-Za-z0-9_.-]+`)
			s = s[loc[1]:]
			continue
		}
		switch s[0] {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(s[:1]))
		}
		s = s[1:]
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// AcceptsDType reports whether the array may have dtype d.
func (o OutputSpec) AcceptsDType(d sdk.DType) bool { return slices.Contains(o.DTypes, d) }

// DTypeString writes the declared dtype as in analyzer.json.
func (o OutputSpec) DTypeString() string {
	parts := make([]string, len(o.DTypes))
	for i, d := range o.DTypes {
		parts[i] = string(d)
	}
	return strings.Join(parts, "|")
}

// Matches reports whether an array called name is one this spec declares.
func (o OutputSpec) Matches(name string) bool {
	if o.Name == name {
		return true
	}
	if !strings.ContainsAny(o.Name, "<*?") {
		return false
	}
	return outputNameRegexp(o.Name).MatchString(name)
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
