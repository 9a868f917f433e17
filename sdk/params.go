package sdk

import (
	"fmt"
	"math"
	"sort"
)

// Params holds named scalar values: a variant's domain parameters, or an
// analyzer's parameters. Values are int64, float64, string or bool; JSON
// numbers arrive as float64 and the typed getters accept them where exact.
type Params map[string]any

// Int returns the named integer. It returns an error naming the parameter if
// it is missing or not an integer.
func (p Params) Int(name string) (int, error) {
	v, ok := p[name]
	if !ok {
		return 0, fmt.Errorf("parameter %q is missing", name)
	}
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case int32:
		return int(x), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int(x), nil
		}
	}
	return 0, fmt.Errorf("parameter %q is %v (%T), not an integer", name, v, v)
}

// Float returns the named number. It returns an error naming the parameter if
// it is missing or not a number.
func (p Params) Float(name string) (float64, error) {
	v, ok := p[name]
	if !ok {
		return 0, fmt.Errorf("parameter %q is missing", name)
	}
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	}
	return 0, fmt.Errorf("parameter %q is %v (%T), not a number", name, v, v)
}

// String returns the named string, or an error naming the parameter.
func (p Params) String(name string) (string, error) {
	v, ok := p[name]
	if !ok {
		return "", fmt.Errorf("parameter %q is missing", name)
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", fmt.Errorf("parameter %q is %v (%T), not a string", name, v, v)
}

// Bool returns the named boolean, or an error naming the parameter.
func (p Params) Bool(name string) (bool, error) {
	v, ok := p[name]
	if !ok {
		return false, fmt.Errorf("parameter %q is missing", name)
	}
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return false, fmt.Errorf("parameter %q is %v (%T), not a bool", name, v, v)
}

// Names returns the parameter names in sorted order.
func (p Params) Names() []string {
	names := make([]string, 0, len(p))
	for k := range p {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
