package registry

import (
	"slices"
	"strings"
)

// AxisMeta describes one axis of an output for the pictures drawn of it:
// analyzer.json's "axes" entries, a name alone or an object.
type AxisMeta struct {
	// Name addresses the axis ([a-z0-9_]+): "freq", "neuron", "head", "a",
	// "b", "epoch" (whose coordinates are the artifact's epochs), ...
	Name string
	// Title is the axis title as drawn, with its unit, e.g. "frequency k";
	// empty: the name with underscores as spaces.
	Title string
	// Unit is the unit of the axis's coordinates, when there is one.
	Unit string
	// Start is the coordinate of index 0: 1 for a frequency axis whose
	// entry k-1 is frequency k, 0 by default.
	Start float64
	// Labels, when given, name each index (a categorical axis, e.g. the
	// sites of a residual stream).
	Labels []string
}

// DisplayTitle is the axis's title as drawn: Title, or the name with
// underscores as spaces.
func (a AxisMeta) DisplayTitle() string {
	if a.Title != "" {
		return a.Title
	}
	return strings.ReplaceAll(a.Name, "_", " ")
}

// ValueMeta describes an output's values: what the colour bar of a heatmap
// or the y axis of a line is titled, and how values are scaled.
type ValueMeta struct {
	// Title names the values with their unit, e.g. "fraction of variance".
	Title string
	Unit  string
	// Log draws the values on a log scale (y axis of lines).
	Log bool
	// Scale is "sequential" or "diverging" (centred at 0); empty: diverging
	// when the data has values of both signs.
	Scale string
	// Range, when set, fixes the colour or y range [min, max] (a fraction,
	// an accuracy), so pictures of different epochs compare.
	Range *[2]float64
}

// ViewHint is one view an analyzer suggests for an output.
type ViewHint struct {
	// Kind is one of ViewKinds.
	Kind string
	// Sort names the axis a sorted_heatmap reorders (by the index of each
	// entry's largest value along the other axis); empty: the last axis.
	Sort string
}

// ViewKinds are the views an analyzer may suggest for an output:
//   - heatmap: a 2-D array (after leading axes are fixed) as cells;
//   - sorted_heatmap: a heatmap with one axis reordered by where each of its
//     entries peaks along the other (neurons by dominant frequency);
//   - grid: a vector of n*n entries (an (a, b) input grid) as an n × n
//     heatmap;
//   - lines: a vector as a line over its axis; a 2-D array as a line per
//     column over its rows (a cross-epoch (epochs, k) array over epochs);
//     a summary statistic over epochs;
//   - bars: a vector as bars;
//   - scatter: the first two columns of an (n, k) array as points;
//   - scatter3d: the first three columns of an (n, k) array as 3-D points
//     (a path, coloured by epoch, when the first axis is the epoch);
//   - path: a cross-epoch (epochs, k) array's first two columns as a path
//     coloured by epoch (a PCA trajectory);
//   - text: a scalar, as a number.
var ViewKinds = []string{"heatmap", "sorted_heatmap", "grid", "lines", "bars", "scatter", "scatter3d", "path", "text"}

// Value scales ValueMeta.Scale may name.
var valueScales = []string{"sequential", "diverging"}

// parseAxes reads an output's "axes": names, or objects {name, title,
// unit, start, labels}, one per axis of the shape (rank -1: the shape itself
// is bad). It returns the names and the metadata.
func parseAxes(p *problems, path string, v any, rank int) ([]string, []AxisMeta) {
	arr, ok := v.([]any)
	if !ok {
		p.add(path, "want an array of axis names or {name, title, unit, start, labels} objects, found %s", jsonType(v))
		return nil, nil
	}
	names := make([]string, 0, len(arr))
	metas := make([]AxisMeta, 0, len(arr))
	for i, e := range arr {
		ep := joinIndex(path, i)
		var m AxisMeta
		switch x := e.(type) {
		case string:
			m.Name = x
		case map[string]any:
			m = parseAxisObject(p, ep, x)
		default:
			p.add(ep, "want an axis name or a {name, title, unit, start, labels} object, found %s", jsonType(e))
			continue
		}
		if _, isObj := e.(map[string]any); !isObj || m.Name != "" {
			checkName(p, ep, m.Name) // a missing name is reported already
		}
		names = append(names, m.Name)
		metas = append(metas, m)
	}
	uniqueStrings(p, path, names)
	if rank >= 0 && len(arr) != rank {
		p.add(path, "gives %d name(s), but the shape has %d axes", len(arr), rank)
	}
	return names, metas
}

// parseAxisObject reads one {name, title, unit, start, labels} axis.
func parseAxisObject(p *problems, path string, m map[string]any) AxisMeta {
	o := &object{p: p, path: path, m: m, used: map[string]bool{}}
	var a AxisMeta
	a.Name, _ = o.str("name", true)
	a.Title, _ = o.str("title", false)
	a.Unit, _ = o.str("unit", false)
	if s, ok := o.number("start", false); ok {
		a.Start = s
	}
	if ls, ok := o.strings("labels", false); ok {
		if len(ls) == 0 {
			p.add(joinKey(path, "labels"), "is empty (leave it out, or name each index)")
		}
		a.Labels = ls
	}
	o.finish()
	return a
}

// parseValue reads an output's "value": {title, unit, log, scale, range}.
func parseValue(p *problems, path string, v any) *ValueMeta {
	o := asObject(p, path, v)
	if o == nil {
		return nil
	}
	var m ValueMeta
	m.Title, _ = o.str("title", false)
	m.Unit, _ = o.str("unit", false)
	m.Log, _ = o.boolean("log", false)
	if s, ok := o.str("scale", false); ok {
		if !slices.Contains(valueScales, s) {
			p.add(joinKey(path, "scale"), "%q is not a value scale (want sequential or diverging)", s)
		}
		m.Scale = s
	}
	if rv, rp, ok := o.field("range", false); ok {
		m.Range = parseRange(p, rp, rv)
	}
	o.finish()
	return &m
}

// parseRange reads [min, max] with min < max.
func parseRange(p *problems, path string, v any) *[2]float64 {
	arr, ok := v.([]any)
	if !ok || len(arr) != 2 {
		p.add(path, "want [min, max], found %s", jsonType(v))
		return nil
	}
	lo, ok1 := asNumber(p, joinIndex(path, 0), arr[0])
	hi, ok2 := asNumber(p, joinIndex(path, 1), arr[1])
	if !ok1 || !ok2 {
		return nil
	}
	if lo >= hi {
		p.add(path, "[%g, %g]: want min < max", lo, hi)
		return nil
	}
	return &[2]float64{lo, hi}
}

// parseViews reads an output's "views": kinds, or objects {kind, sort},
// checked against the output's axes (rank -1: unknown).
func parseViews(p *problems, path string, v any, axes []string, rank int) []ViewHint {
	arr, ok := v.([]any)
	if !ok {
		p.add(path, "want an array of view kinds or {kind, sort} objects, found %s", jsonType(v))
		return nil
	}
	var out []ViewHint
	for i, e := range arr {
		ep := joinIndex(path, i)
		var h ViewHint
		switch x := e.(type) {
		case string:
			h.Kind = x
		case map[string]any:
			o := &object{p: p, path: ep, m: x, used: map[string]bool{}}
			h.Kind, _ = o.str("kind", true)
			h.Sort, _ = o.str("sort", false)
			o.finish()
		default:
			p.add(ep, "want a view kind or a {kind, sort} object, found %s", jsonType(e))
			continue
		}
		switch {
		case !slices.Contains(ViewKinds, h.Kind):
			p.add(ep, "%q is not a view kind (want one of %s)", h.Kind, strings.Join(ViewKinds, ", "))
			continue
		case h.Sort != "" && h.Kind != "sorted_heatmap":
			p.add(joinKey(ep, "sort"), "only a sorted_heatmap sorts an axis")
		case h.Sort != "" && !slices.Contains(axes, h.Sort):
			p.add(joinKey(ep, "sort"), "%q is not one of the output's axes %v", h.Sort, axes)
		case h.Kind == "text" && rank > 0:
			p.add(ep, "text shows a scalar, but the shape has %d axes", rank)
		}
		if slices.ContainsFunc(out, func(o ViewHint) bool { return o == h }) {
			p.add(ep, "%q is listed twice", h.Kind)
			continue
		}
		out = append(out, h)
	}
	return out
}
