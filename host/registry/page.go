package registry

import (
	"fmt"
	"strings"
)

// Page is one page of the dashboard's variant view, organised by research
// question: family.json's "pages" entries (docs/family-json.md, Pages).
type Page struct {
	// ID addresses the page in the page's URL (#/v/F/V/ID); a valid name.
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// Kind is PageViews (the default: the views listed), PageAll (every
	// view of every artifact, grouped by analyzer) or PageComparison (a
	// link to the comparison of the variant with others).
	Kind string `json:"kind"`
	// Headline shows the current epoch's headline numbers (losses,
	// accuracies, key frequencies) above the views.
	Headline bool `json:"headline,omitempty"`
	// Views are the panels of a PageViews page, in order.
	Views []PageView `json:"views,omitempty"`
}

// The kinds of page.
const (
	PageViews      = "views"
	PageAll        = "all"
	PageComparison = "comparison"
)

// PageView is one panel of a page: a view name as the view endpoint and
// `tdw-host export` take it, optionally drawn as a given style.
type PageView struct {
	// View is "loss", "accuracy", "ANALYZER/ARRAY",
	// "ANALYZER/summary/NAME[,NAME...]", "ANALYZER/cross/ARRAY" or
	// "ANALYZER/path/ARRAY"; ARRAY may hold * for every array of that form
	// (e.g. "parameter_trajectory/cross/*__projections": one panel per
	// parameter group).
	View string `json:"view"`
	// As is one of ViewKinds; empty: the view's first suggested style.
	As string `json:"as,omitempty"`
	// Log draws a picture over epochs with a log y axis.
	Log bool `json:"log,omitempty"`
	// Analyzer is the analyzer the view reads ("" for loss and accuracy);
	// Array its array or statistic part (after "summary/", "cross/" or
	// "path/"); Summary is true for a summary statistic.
	Analyzer string `json:"analyzer,omitempty"`
	Array    string `json:"-"`
	Summary  bool   `json:"-"`
}

// parsePages reads family.json's "pages": a list of pages whose views
// name analyzers among the family's analyzers.
func parsePages(p *problems, path string, v any, analyzers []string) []Page {
	list, ok := v.([]any)
	if !ok {
		p.add(path, "want an array of pages, found %s", jsonType(v))
		return nil
	}
	known := map[string]bool{}
	for _, a := range analyzers {
		known[a] = true
	}
	var out []Page
	ids := map[string]bool{}
	for i, raw := range list {
		pp := joinIndex(path, i)
		o := asObject(p, pp, raw)
		if o == nil {
			continue
		}
		var pg Page
		if pg.ID, _ = o.str("id", true); pg.ID != "" && checkName(p, joinKey(pp, "id"), pg.ID) {
			if ids[pg.ID] {
				p.add(joinKey(pp, "id"), "%q is used by another page", pg.ID)
			}
			ids[pg.ID] = true
		}
		if pg.Title, _ = o.str("title", true); o.has("title") && strings.TrimSpace(pg.Title) == "" {
			p.add(joinKey(pp, "title"), "is empty")
		}
		pg.Description, _ = o.str("description", false)
		pg.Kind = PageViews
		if k, ok := o.str("kind", false); ok {
			switch k {
			case PageViews, PageAll, PageComparison:
				pg.Kind = k
			default:
				p.add(joinKey(pp, "kind"), "%q is not a page kind (want %s, %s or %s)", k, PageViews, PageAll, PageComparison)
			}
		}
		pg.Headline, _ = o.boolean("headline", false)
		if raw, vp, ok := o.field("views", false); ok {
			pg.Views = parsePageViews(p, vp, raw, known)
		}
		if pg.Kind == PageViews && len(pg.Views) == 0 && !hasProblemUnder(p, joinKey(pp, "views")) {
			p.add(joinKey(pp, "views"), "a page of kind %q lists at least one view", PageViews)
		}
		if pg.Kind != PageViews && len(pg.Views) > 0 {
			p.add(joinKey(pp, "views"), "a page of kind %q lists no views", pg.Kind)
		}
		o.finish()
		out = append(out, pg)
	}
	return out
}

// parsePageViews reads a page's views: each a view name, or an object
// {"view", "as", "log"}.
func parsePageViews(p *problems, path string, v any, known map[string]bool) []PageView {
	list, ok := v.([]any)
	if !ok {
		p.add(path, "want an array of views, found %s", jsonType(v))
		return nil
	}
	var out []PageView
	for i, raw := range list {
		vp := joinIndex(path, i)
		var pv PageView
		switch e := raw.(type) {
		case string:
			pv.View = e
		case map[string]any:
			o := asObject(p, vp, e)
			pv.View, _ = o.str("view", true)
			if as, ok := o.str("as", false); ok {
				if !isViewKind(as) {
					p.add(joinKey(vp, "as"), "%q is not a view (want one of %s)", as, strings.Join(ViewKinds, ", "))
				}
				pv.As = as
			}
			pv.Log, _ = o.boolean("log", false)
			o.finish()
			vp = joinKey(vp, "view")
		default:
			p.add(vp, "want a view name or an object {\"view\", \"as\", \"log\"}, found %s", jsonType(raw))
			continue
		}
		if pv.View == "" {
			continue
		}
		if err := splitPageView(&pv); err != nil {
			p.add(vp, "%v", err)
			continue
		}
		if pv.Analyzer != "" && !known[pv.Analyzer] {
			p.add(vp, "analyzer %q is not among the family's analyzers", pv.Analyzer)
			continue
		}
		out = append(out, pv)
	}
	return out
}

// splitPageView fills a view's Analyzer, Array and Summary from its name,
// or says why the name is not a view.
func splitPageView(pv *PageView) error {
	if pv.View == "loss" || pv.View == "accuracy" {
		return nil
	}
	parts := strings.Split(pv.View, "/")
	bad := fmt.Errorf("%q is not a view name (want loss, accuracy, ANALYZER/ARRAY, ANALYZER/summary/NAME[,NAME...], ANALYZER/cross/ARRAY or ANALYZER/path/ARRAY)", pv.View)
	switch {
	case len(parts) == 2:
	case len(parts) == 3 && (parts[1] == "summary" || parts[1] == "cross" || parts[1] == "path"):
	default:
		return bad
	}
	if !ValidName(parts[0]) {
		return bad
	}
	pv.Analyzer, pv.Array, pv.Summary = parts[0], parts[len(parts)-1], len(parts) == 3 && parts[1] == "summary"
	for _, n := range strings.Split(pv.Array, ",") {
		// A * stands for any run of characters; the rest must be a safe
		// path component.
		if err := SafePathComponent(strings.ReplaceAll(n, "*", "x")); err != nil {
			return fmt.Errorf("view %q: array %q %v", pv.View, n, err)
		}
		if strings.Contains(n, "*") && strings.Contains(pv.Array, ",") {
			return fmt.Errorf("view %q: a group of statistics names each without *", pv.View)
		}
	}
	return nil
}

func isViewKind(s string) bool {
	for _, k := range ViewKinds {
		if k == s {
			return true
		}
	}
	return false
}

// CheckPages checks the family's pages against the installed analyzers:
// each view's analyzer, when installed, declares the array or statistic
// the view names (an analyzer that is not installed is ForFamily's to
// report). It returns an error naming the family's file and each
// bad field, nil when every view resolves.
func (r *AnalyzerRegistry) CheckPages(f *FamilyManifest) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var bad []string
	for i, pg := range f.Pages {
		for j, pv := range pg.Views {
			if pv.Analyzer == "" {
				continue
			}
			field := fmt.Sprintf("pages[%d].views[%d]", i, j)
			m, ok := r.c.items[pv.Analyzer]
			if !ok {
				// Not installed: ForFamily reports it, and the page says the
				// analyzer has not run.
				continue
			}
			for _, n := range strings.Split(pv.Array, ",") {
				if _, ok := m.Output(n, pv.Summary); !ok {
					what := "output"
					if pv.Summary {
						what = "summary statistic"
					}
					bad = append(bad, fmt.Sprintf("%s: analyzer %s declares no %s %q (view %q)", field, pv.Analyzer, what, n, pv.View))
				}
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s: %s", f.File, strings.Join(bad, "; "))
	}
	return nil
}
