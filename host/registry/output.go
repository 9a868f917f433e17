package registry

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// OutputSpec declares one output array of an analyzer: its name, dtype,
// shape and, optionally, the names of its axes. It is the one output spec:
// the host checks results against it (analysis) and plugin tests do too
// (plugins/internal/manifestcheck).
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
	// Shape is the shape in words, e.g. "(n_freq, d_mlp)"; Rank counts its
	// axes.
	Shape string
	// Axes name the axes, one per axis of Shape, when analyzer.json gives
	// them ("axes"); nil otherwise. AxisMeta describes the same axes for
	// pictures (titles, units, where their coordinates start).
	Axes     []string
	AxisMeta []AxisMeta
	// Value describes the values (title, unit, scale) when analyzer.json
	// gives "value"; nil otherwise.
	Value *ValueMeta
	// Views are the views the analyzer suggests, best first ("views");
	// nil leaves the choice to the array's shape.
	Views       []ViewHint
	Description string
	// Optional says a run may leave the array out ("optional": true): a
	// weight snapshot's embed.W_E, which an MLP model does not have. A
	// declared name without wildcards is otherwise required.
	Optional bool
}

// outputDTypes are the dtypes an analyzer may declare (numpy names).
var outputDTypes = map[sdk.DType]bool{
	sdk.Float32: true, sdk.Float16: true, sdk.Float64: true, sdk.Int64: true,
	sdk.Int32: true, sdk.Uint8: true, sdk.Bool: true,
}

var outputNameRE = regexp.MustCompile(`^[A-Za-z0-9_*?][A-Za-z0-9_.*?-]*$`)
var shapeDimRE = regexp.MustCompile(`^[A-Za-z0-9_*+/^ .()-]+$`)

func parseOutputs(p *problems, path string, v any) []OutputSpec {
	arr, ok := v.([]any)
	if !ok {
		p.add(path, "want an array of {name, dtype, shape, axes, value, views, description}, found %s", jsonType(v))
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
		rank := -1
		if s.Shape, ok = o.str("shape", true); ok {
			if dims, err := shapeDims(s.Shape); err != nil {
				p.add(joinKey(ep, "shape"), "%q %v", s.Shape, err)
			} else {
				rank = len(dims)
			}
		}
		if av, ap, ok := o.field("axes", false); ok {
			s.Axes, s.AxisMeta = parseAxes(p, ap, av, rank)
		}
		if vv, vp, ok := o.field("value", false); ok {
			s.Value = parseValue(p, vp, vv)
		}
		if vv, vp, ok := o.field("views", false); ok {
			s.Views = parseViews(p, vp, vv, s.Axes, rank)
		}
		if b, ok := o.boolean("optional", false); ok {
			s.Optional = b
		}
		if s.Description, ok = o.str("description", true); ok && strings.TrimSpace(s.Description) == "" {
			p.add(joinKey(ep, "description"), "is empty")
		}
		o.finish()
		out = append(out, s)
	}
	return out
}

// shapeDims returns the dimensions of a shape in words: a parenthesised,
// comma-separated list of dimension names, numbers or expressions, e.g.
// "(n_freq, d_mlp)", "(p*p,)", "((p-1)/2, n_heads)" or "()" for a scalar,
// optionally followed by a comment ("(n_freq, d_mlp), n_freq = (p-1)/2").
func shapeDims(s string) ([]string, error) {
	if !strings.HasPrefix(s, "(") {
		return nil, fmt.Errorf("is not a shape in words (want e.g. \"(n_freq, d_mlp)\" or \"()\")")
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
		return nil, fmt.Errorf("has an unclosed parenthesis")
	}
	if rest := s[end+1:]; rest != "" && rest[0] != ',' && rest[0] != ' ' && rest[0] != ';' {
		return nil, fmt.Errorf("has %q right after the shape (separate a comment with a comma)", rest)
	}
	inner := strings.TrimSpace(s[1:end])
	if inner == "" {
		return []string{}, nil
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
	for i, d := range dims {
		d = strings.TrimSpace(d)
		if d == "" || !shapeDimRE.MatchString(d) {
			return nil, fmt.Errorf("has a bad dimension %q (want a name like d_mlp, a number or an expression like p*p)", d)
		}
		dims[i] = d
	}
	return dims, nil
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

// Rank is the number of axes of the declared shape, or -1 when Shape is not a
// shape in words (a spec LoadAnalyzer returned always is).
func (o OutputSpec) Rank() int {
	dims, err := shapeDims(o.Shape)
	if err != nil {
		return -1
	}
	return len(dims)
}
