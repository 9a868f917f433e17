package registry

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// VariantPattern builds variant folder names from domain parameters, e.g.
// "modulo_addition_1layer_p{prime}_seed{seed}". Every {name} is a domain
// parameter; the text between placeholders is made of [A-Za-z0-9._-] and two
// placeholders never touch, so that a name parses back unambiguously.
type VariantPattern struct {
	text    string
	literal []string // literal[i] precedes params[i]; the last has no param
	params  []string
}

var placeholderRE = regexp.MustCompile(`\{([^{}]*)\}`)

// ParseVariantPattern parses a pattern whose placeholders must all name
// entries of specs. It returns an error naming the bad placeholder or text.
func ParseVariantPattern(pattern string, specs ParamSpecs) (*VariantPattern, error) {
	if pattern == "" {
		return nil, fmt.Errorf("is empty")
	}
	vp := &VariantPattern{text: pattern}
	rest := pattern
	for {
		loc := placeholderRE.FindStringSubmatchIndex(rest)
		if loc == nil {
			vp.literal = append(vp.literal, rest)
			break
		}
		vp.literal = append(vp.literal, rest[:loc[0]])
		name := rest[loc[2]:loc[3]]
		if _, ok := specs[name]; !ok {
			return nil, fmt.Errorf("placeholder {%s} is not a domain parameter (known: %s)", name, knownList(specs))
		}
		if len(vp.params) > 0 && rest[:loc[0]] == "" {
			return nil, fmt.Errorf("placeholders {%s} and {%s} touch; put text between them", vp.params[len(vp.params)-1], name)
		}
		vp.params = append(vp.params, name)
		rest = rest[loc[1]:]
	}
	for _, lit := range vp.literal {
		if strings.ContainsAny(lit, "{}") {
			return nil, fmt.Errorf("%q has an unbalanced brace", pattern)
		}
		if lit != "" && !safeRE.MatchString(lit) {
			return nil, fmt.Errorf("text %q holds a character outside [A-Za-z0-9._-]", lit)
		}
	}
	if strings.HasPrefix(pattern, ".") {
		return nil, fmt.Errorf("%q starts with a dot", pattern)
	}
	return vp, nil
}

// String returns the pattern as written.
func (vp *VariantPattern) String() string { return vp.text }

// Params returns the parameter names the pattern uses, in order.
func (vp *VariantPattern) Params() []string { return append([]string(nil), vp.params...) }

// Name returns the variant folder name for params (as ValidateParams returns
// them). It returns an error naming the parameter whose value is missing or
// could escape results/ (a '/', "..", NUL, a leading dot or any character
// outside [A-Za-z0-9._-]), or when the whole name is unsafe.
func (vp *VariantPattern) Name(params sdk.Params) (string, error) {
	var b strings.Builder
	for i, name := range vp.params {
		b.WriteString(vp.literal[i])
		v, ok := params[name]
		if !ok {
			return "", fmt.Errorf("variant name: parameter %q is missing", name)
		}
		s := FormatValue(v)
		if err := SafePathComponent(s); err != nil {
			return "", fmt.Errorf("variant name: parameter %q value %s", name, err)
		}
		b.WriteString(s)
	}
	b.WriteString(vp.literal[len(vp.literal)-1])
	name := b.String()
	if err := SafePathComponent(name); err != nil {
		return "", fmt.Errorf("variant name %s", err)
	}
	return name, nil
}

// Parse splits a variant folder name back into the text of each parameter.
// ok is false when name does not follow the pattern (a foreign folder).
// The values are not validated: pass them to ParseParams, and compare Name of
// the result with name to reject non-canonical spellings.
func (vp *VariantPattern) Parse(name string) (values map[string]string, ok bool) {
	var re strings.Builder
	re.WriteString("^")
	for i, p := range vp.params {
		re.WriteString(regexp.QuoteMeta(vp.literal[i]))
		_ = p
		re.WriteString(`([A-Za-z0-9._-]+?)`)
	}
	re.WriteString(regexp.QuoteMeta(vp.literal[len(vp.literal)-1]))
	re.WriteString("$")
	m := regexp.MustCompile(re.String()).FindStringSubmatch(name)
	if m == nil {
		return nil, false
	}
	values = make(map[string]string, len(vp.params))
	for i, p := range vp.params {
		values[p] = m[i+1]
	}
	return values, true
}
