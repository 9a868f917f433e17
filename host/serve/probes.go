package serve

import (
	"net/http"

	"github.com/tdw-workbench/tdw/host/probe"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
)

// probeParam is the request's probe= parameter: the probe whose artifacts
// a variant or artifact endpoint answers about ("": the default probe).
func probeParam(r *http.Request) string { return r.URL.Query().Get("probe") }

// artifacts returns the analysis folder of v's analyses over probe (""
// for its default probe).
func (s *Server) artifacts(v *variant.Variant, name string) (*results.Artifacts, error) {
	fam, err := s.families.Get(v.Family)
	if err != nil {
		return nil, errNotFound("family %s is not installed", v.Family)
	}
	return results.ForProbe(v, fam, name)
}

// ProbeDigest is one of a variant's probes, as the page's probe selector
// lists them.
type ProbeDigest struct {
	Name        string `json:"name"`
	Default     bool   `json:"default"`
	Rows        int    `json:"rows"` // 0 for a probe the family declares that the variant has not recorded yet
	Source      string `json:"source"`
	Description string `json:"description"`
	// Analyzed says whether an analysis over the probe wrote a manifest.
	Analyzed bool `json:"analyzed"`
}

// probes lists v's recorded probes, the default first, then the ones its
// family declares that it has not recorded yet.
func (s *Server) probes(v *variant.Variant) ([]ProbeDigest, error) {
	fam, err := s.families.Get(v.Family)
	if err != nil {
		return nil, errNotFound("family %s is not installed", v.Family)
	}
	ix, err := probe.ReadIndex(v)
	if err != nil {
		return nil, err
	}
	def := ix.Default
	if def == "" {
		def = fam.CanonicalProbe().Name
	}
	analyzed := func(name string) bool {
		art, err := results.ForProbe(v, fam, name)
		if err != nil {
			return false
		}
		_, err = art.ManifestInfo()
		return err == nil
	}
	out := []ProbeDigest{}
	seen := map[string]bool{}
	for _, n := range ix.Names() {
		r := ix.Probes[n]
		seen[n] = true
		out = append(out, ProbeDigest{Name: n, Default: n == def, Rows: r.Rows, Source: r.Source, Description: r.Description, Analyzed: analyzed(n)})
	}
	for _, sp := range fam.ProbeSpecs() {
		if !seen[sp.Name] {
			out = append(out, ProbeDigest{Name: sp.Name, Default: sp.Name == def, Source: probe.SourceFamily, Description: sp.Description,
				Analyzed: sp.Name == def && analyzed(sp.Name)})
		}
	}
	return out, nil
}
