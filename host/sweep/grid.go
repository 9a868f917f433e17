package sweep

import (
	"fmt"
	"strings"
)

// ParseAxis reads one --grid value, NAME=V1,V2,...: the values are trimmed
// and none may be empty.
func ParseAxis(s string) (Axis, error) {
	name, list, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return Axis{}, fmt.Errorf("--grid %q: want NAME=VALUE,VALUE,...", s)
	}
	a := Axis{Param: name}
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			return Axis{}, fmt.Errorf("--grid %q: empty value", s)
		}
		a.Values = append(a.Values, v)
	}
	return a, nil
}

// Expand returns every combination of the axes' values, the first axis
// varying slowest; each point maps a parameter to its value. No axes give
// one empty point.
func Expand(axes []Axis) []map[string]string {
	points := []map[string]string{{}}
	for _, a := range axes {
		next := make([]map[string]string, 0, len(points)*len(a.Values))
		for _, p := range points {
			for _, v := range a.Values {
				q := make(map[string]string, len(p)+1)
				for k, x := range p {
					q[k] = x
				}
				q[a.Param] = v
				next = append(next, q)
			}
		}
		points = next
	}
	return points
}

// PointString writes a grid point in axis order: "prime=23 seed=1".
func PointString(axes []Axis, p map[string]string) string {
	parts := make([]string, 0, len(axes))
	for _, a := range axes {
		parts = append(parts, a.Param+"="+p[a.Param])
	}
	return strings.Join(parts, " ")
}
