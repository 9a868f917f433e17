package serve

import (
	"net/http"
	"sort"
	"time"

	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
)

// parsedManifest is a reader of a parsed manifest, and its summary.
type parsedManifest struct {
	rd      *results.Reader
	summary *ManifestSummary
}

// manifest returns a reader of the variant's artifacts over probe ("": its
// default probe) by their analysis manifest, and the manifest's summary,
// reading the file again only when it changed. A variant never analyzed
// over the probe is a results.ErrNotFound error, a probe it does not hold
// too, a name that is no probe name a results.ErrSelection error.
func (s *Server) manifest(v *variant.Variant, probe string) (*results.Reader, *ManifestSummary, error) {
	art, err := s.artifacts(v, probe)
	if err != nil {
		return nil, nil, err
	}
	fi, err := art.ManifestInfo()
	if err != nil {
		return nil, nil, err
	}
	pm, err := s.manifests.get(art.ManifestPath(), fi, func() (parsedManifest, error) {
		rd, err := art.Reader()
		if err != nil {
			return parsedManifest{}, err
		}
		return parsedManifest{rd: rd, summary: s.summarize(rd)}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return pm.rd, pm.summary, nil
}

// ManifestSummary is what the variant view needs from manifest.json: per
// analyzer, its completed epochs and the arrays it wrote.
type ManifestSummary struct {
	State     string           `json:"state"`
	Updated   time.Time        `json:"updated"`
	Analyzers []AnalyzerDigest `json:"analyzers"`
}

// AnalyzerDigest describes one analyzer's artifacts.
type AnalyzerDigest struct {
	Name        string         `json:"name"`
	Kind        string         `json:"kind"`
	Version     string         `json:"version"`
	Description string         `json:"description,omitempty"`
	Epochs      []int          `json:"epochs"`
	Errors      map[int]string `json:"errors,omitempty"`
	// Outputs are the arrays of the latest epoch file (per-checkpoint) or of
	// cross_epoch.npz (cross-epoch).
	Outputs []ArrayDigest `json:"outputs"`
	// Summary are the per-epoch summary statistics (per-epoch shapes).
	Summary []ArrayDigest `json:"summary"`
	// Cross is true when a cross-epoch artifact exists.
	Cross bool `json:"cross"`
	// Problem is set when the arrays could not be listed.
	Problem string `json:"problem,omitempty"`
}

// ArrayDigest is one array's name, dtype and shape.
type ArrayDigest struct {
	Name        string `json:"name"`
	DType       string `json:"dtype"`
	Shape       []int  `json:"shape"`
	Description string `json:"description,omitempty"`
}

// summarize lists every analyzer's arrays, reading only npz directories and
// array headers.
func (s *Server) summarize(rd *results.Reader) *ManifestSummary {
	m := rd.Manifest()
	out := &ManifestSummary{State: string(m.State), Updated: m.Updated, Analyzers: []AnalyzerDigest{}}
	for an, rec := range m.Analyzers {
		if rec.NotApplicable != "" && len(rec.Epochs) == 0 && rec.Cross == nil {
			continue // skipped as not applicable, never computed: nothing to show
		}
		d := AnalyzerDigest{Name: an, Kind: string(rec.Kind), Version: rec.Version, Epochs: nonNil(rec.CompletedEpochs()),
			Errors: rec.Errors, Outputs: []ArrayDigest{}, Summary: []ArrayDigest{}}
		reg, _ := s.analyzers.Get(an)
		if reg != nil {
			d.Description = reg.Description
		}
		describe := func(name string, summary bool) string {
			if reg == nil {
				return ""
			}
			if o, ok := reg.Output(name, summary); ok {
				return o.Description
			}
			return ""
		}
		// The arrays are listed from the cross-epoch file, or the latest
		// epoch's.
		var f *results.File
		var err error
		if rec.Cross != nil {
			d.Cross = true
			f, err = rd.OpenCross(an)
		} else if n := len(d.Epochs); n > 0 {
			last := d.Epochs[n-1]
			f, err = rd.OpenEpoch(an, last)
			for sn, sv := range rec.Epochs[last].Summary {
				d.Summary = append(d.Summary, ArrayDigest{Name: sn, DType: string(sv.DType), Shape: nonNil(sv.Shape), Description: describe(sn, true)})
			}
		}
		if err != nil {
			d.Problem = err.Error()
		} else if f != nil {
			for _, n := range f.Names() {
				dt, sh, err := f.Info(n)
				if err != nil {
					d.Problem = err.Error()
					continue
				}
				d.Outputs = append(d.Outputs, ArrayDigest{Name: n, DType: string(dt), Shape: nonNil(sh), Description: describe(n, false)})
			}
			f.Close()
		}
		sort.Slice(d.Outputs, func(i, j int) bool { return d.Outputs[i].Name < d.Outputs[j].Name })
		sort.Slice(d.Summary, func(i, j int) bool { return d.Summary[i].Name < d.Summary[j].Name })
		out.Analyzers = append(out.Analyzers, d)
	}
	sort.Slice(out.Analyzers, func(i, j int) bool { return out.Analyzers[i].Name < out.Analyzers[j].Name })
	return out
}

// manifestSummary answers GET /api/variants/{family}/{variant}/manifest.
func (s *Server) manifestSummary(r *http.Request) (any, error) {
	v, err := s.openVariant(r)
	if err != nil {
		return nil, err
	}
	_, sum, err := s.manifest(v, probeParam(r))
	return sum, err
}
