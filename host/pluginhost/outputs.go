package pluginhost

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// checkOutputs compares returned arrays with the declared specs: the same
// names, and each array's dtype and shape as declared. A nil specs accepts
// anything. The error reads after "plugin X returned ".
func checkOutputs(specs []OutputSpec, arrays map[string]*sdk.Tensor) error {
	if specs == nil {
		return nil
	}
	declared := make(map[string]bool, len(specs))
	for _, s := range specs {
		declared[s.Name] = true
		t, ok := arrays[s.Name]
		if !ok || t == nil {
			return fmt.Errorf("no array %q, which its description declares", s.Name)
		}
		if s.DType != "" && t.DType() != s.DType {
			return fmt.Errorf("array %q as %s, but its description declares %s", s.Name, t.DType(), s.DType)
		}
		if !shapeMatches(s.Shape, t.Shape()) {
			return fmt.Errorf("array %q with shape %s, but its description declares %s", s.Name, t.ShapeString(), wantShape(s.Shape))
		}
	}
	var extra []string
	for name := range arrays {
		if !declared[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("undeclared array(s) %s", strings.Join(extra, ", "))
	}
	return nil
}

func shapeMatches(want, got []int) bool {
	if want == nil {
		return true
	}
	if len(want) != len(got) {
		return false
	}
	for i, d := range want {
		if d >= 0 && d != got[i] {
			return false
		}
	}
	return true
}

// wantShape formats a declared shape, "?" for any length.
func wantShape(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		if d < 0 {
			parts[i] = "?"
		} else {
			parts[i] = fmt.Sprint(d)
		}
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
