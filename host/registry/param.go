package registry

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// ParamType is the type of a declared parameter.
type ParamType string

// The parameter types a manifest may declare.
const (
	ParamInt    ParamType = "int"
	ParamFloat  ParamType = "float"
	ParamString ParamType = "string"
	ParamBool   ParamType = "bool"
)

// ParamSpec declares one parameter of a family (a domain parameter) or of an
// analyzer. Values held by a spec, and by the sdk.Params that ValidateParams
// returns, are int64, float64, string or bool according to Type.
type ParamSpec struct {
	Type ParamType
	// Default is the value used when none is given; nil means the parameter
	// must be given.
	Default any
	// Min and Max bound int and float parameters (inclusive) when non-nil.
	Min, Max *float64
	// Choices, when non-empty, lists the only values allowed.
	Choices     []any
	Description string
}

// ParamSpecs maps parameter names to their specifications.
type ParamSpecs map[string]ParamSpec

// Names returns the declared names in sorted order.
func (s ParamSpecs) Names() []string {
	names := make([]string, 0, len(s))
	for k := range s {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Defaults returns the default of every parameter that has one.
func (s ParamSpecs) Defaults() sdk.Params {
	out := sdk.Params{}
	for k, spec := range s {
		if spec.Default != nil {
			out[k] = spec.Default
		}
	}
	return out
}

// ParamError says what is wrong with one named parameter.
type ParamError struct {
	Name string
	Msg  string
}

// Error names the parameter and says what is wrong.
func (e *ParamError) Error() string { return fmt.Sprintf("parameter %q %s", e.Name, e.Msg) }

// ParamErrors lists every problem found in one set of parameters, sorted by
// name. Its Error is one line.
type ParamErrors []*ParamError

// Error joins the problems on one line, separated by "; ".
func (e ParamErrors) Error() string {
	parts := make([]string, len(e))
	for i, pe := range e {
		parts[i] = pe.Error()
	}
	return strings.Join(parts, "; ")
}

// ValidateParams checks given against specs and returns a complete parameter
// set: defaults filled in, every value converted to its spec's Go type (int64,
// float64, string, bool). Integral floats are accepted for int parameters, as
// JSON delivers them. It returns a ParamErrors naming each unknown parameter,
// missing required parameter, value of the wrong type, value out of range and
// value not among the choices.
func ValidateParams(specs ParamSpecs, given sdk.Params) (sdk.Params, error) {
	return validate(specs, len(given), func(name string) (any, bool) { v, ok := given[name]; return v, ok },
		given.Names(), func(spec ParamSpec, v any) (any, error) { return coerce(spec.Type, v) })
}

// ParseParams is ValidateParams for values written as text, as on a command
// line (-p prime=113): each is parsed according to its spec's type.
func ParseParams(specs ParamSpecs, given map[string]string) (sdk.Params, error) {
	names := make([]string, 0, len(given))
	for k := range given {
		names = append(names, k)
	}
	sort.Strings(names)
	return validate(specs, len(given), func(name string) (any, bool) { v, ok := given[name]; return v, ok },
		names, func(spec ParamSpec, v any) (any, error) { return parseText(spec.Type, v.(string)) })
}

func validate(specs ParamSpecs, n int, get func(string) (any, bool), givenNames []string,
	conv func(ParamSpec, any) (any, error)) (sdk.Params, error) {
	var errs ParamErrors
	for _, name := range givenNames {
		if _, ok := specs[name]; !ok {
			errs = append(errs, &ParamError{name, fmt.Sprintf("is unknown (known: %s)", knownList(specs))})
		}
	}
	out := sdk.Params{}
	for _, name := range specs.Names() {
		spec := specs[name]
		raw, ok := get(name)
		if !ok {
			if spec.Default == nil {
				errs = append(errs, &ParamError{name, "is required (it has no default)"})
				continue
			}
			out[name] = spec.Default
			continue
		}
		v, err := conv(spec, raw)
		if err == nil {
			err = spec.Check(v)
		}
		if err != nil {
			errs = append(errs, &ParamError{name, err.Error()})
			continue
		}
		out[name] = v
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Name < errs[j].Name })
		return nil, errs
	}
	return out, nil
}

func knownList(specs ParamSpecs) string {
	if len(specs) == 0 {
		return "none"
	}
	return strings.Join(specs.Names(), ", ")
}

// Check returns an error if v, already of the spec's Go type, is out of range
// or not among the choices.
func (s ParamSpec) Check(v any) error {
	if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return fmt.Errorf("is %v, not a finite number", f)
	}
	if x, ok := numeric(v); ok {
		if s.Min != nil && x < *s.Min {
			return fmt.Errorf("is %s, below the minimum %s", FormatValue(v), formatBound(s.Type, *s.Min))
		}
		if s.Max != nil && x > *s.Max {
			return fmt.Errorf("is %s, above the maximum %s", FormatValue(v), formatBound(s.Type, *s.Max))
		}
	}
	if len(s.Choices) > 0 {
		for _, c := range s.Choices {
			if c == v {
				return nil
			}
		}
		parts := make([]string, len(s.Choices))
		for i, c := range s.Choices {
			parts[i] = quoteValue(c)
		}
		return fmt.Errorf("is %s, not one of %s", quoteValue(v), strings.Join(parts, ", "))
	}
	return nil
}

func numeric(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func formatBound(t ParamType, f float64) string {
	if t == ParamInt {
		return strconv.FormatInt(int64(f), 10)
	}
	return FormatValue(f)
}

// FormatValue writes a parameter value as it appears in variant names and
// messages: integers in decimal, floats in the shortest exact decimal without
// an exponent (0.3, 0.00001), booleans as true/false, strings as they are.
func FormatValue(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// quoteValue is FormatValue with strings quoted, for messages.
func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return FormatValue(v)
}

// coerce converts a Go value (as found in sdk.Params or decoded JSON) to the
// Go type of t.
func coerce(t ParamType, v any) (any, error) {
	switch t {
	case ParamInt:
		switch x := v.(type) {
		case int:
			return int64(x), nil
		case int64:
			return x, nil
		case int32:
			return int64(x), nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) <= 1<<53 {
				return int64(x), nil
			}
		case json.Number:
			if i, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
				return i, nil
			}
			if f, err := strconv.ParseFloat(x.String(), 64); err == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
				return int64(f), nil
			}
		}
		return nil, fmt.Errorf("is %s, not an integer", describe(v))
	case ParamFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case json.Number:
			if f, err := strconv.ParseFloat(x.String(), 64); err == nil {
				return f, nil
			}
			return nil, fmt.Errorf("is %s, out of range", x)
		}
		return nil, fmt.Errorf("is %s, not a number", describe(v))
	case ParamString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("is %s, not a string", describe(v))
	case ParamBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("is %s, not a boolean", describe(v))
	}
	return nil, fmt.Errorf("has unknown type %q", t)
}

// describe names a value and its kind for messages.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", v)
	case json.Number, float64, float32, int, int64, int32:
		return fmt.Sprintf("the number %v", v)
	case bool:
		return fmt.Sprintf("the boolean %v", v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%v (%T)", v, v)
}

// parseText parses a command-line value according to t.
func parseText(t ParamType, s string) (any, error) {
	switch t {
	case ParamInt:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("is %q, not an integer", s)
		}
		return i, nil
	case ParamFloat:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("is %q, not a finite number", s)
		}
		return f, nil
	case ParamString:
		return s, nil
	case ParamBool:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1", "yes":
			return true, nil
		case "false", "0", "no":
			return false, nil
		}
		return nil, fmt.Errorf("is %q, not a boolean (true or false)", s)
	}
	return nil, fmt.Errorf("has unknown type %q", t)
}

// parseParamSpecs reads a {name: {type, default, min, max, choices,
// description}} object.
func parseParamSpecs(p *problems, path string, v any) ParamSpecs {
	o := asObject(p, path, v)
	if o == nil {
		return nil
	}
	specs := ParamSpecs{}
	keys := make([]string, 0, len(o.m))
	for k := range o.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, name := range keys {
		raw, fpath, _ := o.field(name, true)
		if !checkName(p, fpath, name) {
			continue
		}
		if spec, ok := parseParamSpec(p, fpath, raw); ok {
			specs[name] = spec
		}
	}
	return specs
}

func parseParamSpec(p *problems, path string, v any) (ParamSpec, bool) {
	before := len(p.list)
	o := asObject(p, path, v)
	if o == nil {
		return ParamSpec{}, false
	}
	var s ParamSpec
	typ, ok := o.str("type", true)
	typePath := joinKey(path, "type")
	switch ParamType(typ) {
	case ParamInt, ParamFloat, ParamString, ParamBool:
		s.Type = ParamType(typ)
	default:
		if ok {
			p.add(typePath, "%q is not a parameter type (want int, float, string or bool)", typ)
		}
	}
	s.Description, _ = o.str("description", false)
	if s.Type == "" {
		// Without a type nothing else can be checked; still mark the rest read.
		for _, k := range []string{"default", "min", "max", "choices"} {
			o.field(k, false)
		}
		o.finish()
		return s, false
	}
	for _, k := range []string{"min", "max"} {
		raw, kp, ok := o.field(k, false)
		if !ok {
			continue
		}
		if s.Type != ParamInt && s.Type != ParamFloat {
			p.add(kp, "only int and float parameters take %s", k)
			continue
		}
		var f float64
		var good bool
		if s.Type == ParamInt {
			var i int
			i, good = asInt(p, kp, raw)
			f = float64(i)
		} else {
			f, good = asNumber(p, kp, raw)
		}
		if good {
			if k == "min" {
				s.Min = &f
			} else {
				s.Max = &f
			}
		}
	}
	if s.Min != nil && s.Max != nil && *s.Min > *s.Max {
		p.add(joinKey(path, "max"), "is below min")
	}
	if raw, cp, ok := o.field("choices", false); ok {
		a, isArr := raw.([]any)
		switch {
		case !isArr:
			p.add(cp, "want an array, found %s", jsonType(raw))
		case len(a) == 0:
			p.add(cp, "is empty (leave it out to allow any value)")
		default:
			for i, c := range a {
				cv, err := coerce(s.Type, c)
				if err != nil {
					p.add(joinIndex(cp, i), "%s", err)
					continue
				}
				for _, prev := range s.Choices {
					if prev == cv {
						p.add(joinIndex(cp, i), "%s is listed twice", FormatValue(cv))
					}
				}
				s.Choices = append(s.Choices, cv)
			}
		}
	}
	if raw, dp, ok := o.field("default", false); ok {
		dv, err := coerce(s.Type, raw)
		if err == nil {
			// Range and choices apply to the default too.
			err = s.Check(dv)
		}
		if err != nil {
			p.add(dp, "%s", err)
		} else {
			s.Default = dv
		}
	}
	o.finish()
	return s, len(p.list) == before
}
