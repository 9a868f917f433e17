package serve

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/render"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/host/view"
	"github.com/tdw-workbench/tdw/sdk"
)

// MaxCurvePoints is the most points per training curve a comparison
// answers with: longer runs are thinned to every k-th epoch (and the last),
// which keeps a dozen 25,000-epoch runs near a megabyte of JSON.
const MaxCurvePoints = 2000

// compareVariants parses the request's v= parameters (each a
// comma-separated list of FAMILY/VARIANT; several v= are joined) and opens
// each variant: 400 for a malformed or repeated name or more than
// view.MaxCompare, 404 for a family that is not installed or a variant
// that does not exist.
func (s *Server) compareVariants(r *http.Request) ([]*variant.Variant, error) {
	var names []string
	for _, v := range r.URL.Query()["v"] {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 {
		return nil, errBadRequest("v=: name the variants to compare as FAMILY/VARIANT,FAMILY/VARIANT,...")
	}
	if len(names) > view.MaxCompare {
		return nil, errBadRequest("v=: %d variants, a comparison overlays at most %d", len(names), view.MaxCompare)
	}
	seen := map[string]bool{}
	vs := make([]*variant.Variant, 0, len(names))
	for _, n := range names {
		fam, vn, ok := strings.Cut(n, "/")
		if !ok {
			return nil, errBadRequest("v=: %q is not FAMILY/VARIANT", n)
		}
		for _, part := range []string{fam, vn} {
			if err := registry.SafePathComponent(part); err != nil {
				return nil, errBadRequest("v=: variant %q: %v", n, err)
			}
		}
		if seen[n] {
			return nil, errBadRequest("v=: variant %s is named twice", n)
		}
		seen[n] = true
		v, err := s.variantByName(fam, vn)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

// CompareAnswer is a comparison's training curves and the summary series
// its variants offer.
type CompareAnswer struct {
	// Differing names the parameters whose values differ between the
	// variants ("family" first when the families do).
	Differing []string         `json:"differing"`
	Variants  []CompareVariant `json:"variants"`
	Series    []CatalogueEntry `json:"series"`
}

// CompareVariant is one variant of a comparison with its training curves.
type CompareVariant struct {
	Family string     `json:"family"`
	Name   string     `json:"name"`
	Params sdk.Params `json:"params"`
	// Label names the variant by its differing parameters.
	Label string `json:"label"`
	// Epochs is the number of trained epochs.
	Epochs        int `json:"epochs"`
	GrokkingEpoch int `json:"grokking_epoch"`
	// Curve holds the per-epoch records at CurveEpochs (every epoch, or
	// every k-th for a long run: see MaxCurvePoints).
	CurveEpochs    []int  `json:"curve_epochs"`
	TrainLosses    Floats `json:"train_losses"`
	TestLosses     Floats `json:"test_losses"`
	TestAccuracies Floats `json:"test_accuracies"`
	// CheckpointEpochs and TrainAccuracies are the checkpoints' records
	// (train accuracy is measured only at checkpoints).
	CheckpointEpochs []int  `json:"checkpoint_epochs"`
	TrainAccuracies  Floats `json:"train_accuracies"`
}

// CatalogueEntry is one summary statistic present in at least one
// compared variant: its per-epoch shape and the variants (FAMILY/VARIANT)
// that have it.
type CatalogueEntry struct {
	Analyzer string   `json:"analyzer"`
	Name     string   `json:"name"`
	DType    string   `json:"dtype"`
	Shape    []int    `json:"shape"`
	In       []string `json:"in"`
}

// compare answers GET /api/compare?v=FAMILY/VARIANT,...: each variant's
// label, grokking epoch and training curves, and the catalogue of summary
// statistics (from the manifests; no npz file is opened).
func (s *Server) compare(r *http.Request) (any, error) {
	vs, err := s.compareVariants(r)
	if err != nil {
		return nil, err
	}
	labels := view.DifferenceLabels(vs)
	out := CompareAnswer{Differing: nonNilS(view.Differing(vs)), Variants: []CompareVariant{}, Series: []CatalogueEntry{}}
	cat := map[string]*CatalogueEntry{}
	for i, v := range vs {
		md, err := s.metadata(v)
		if err != nil {
			return nil, err
		}
		cv := CompareVariant{Family: v.Family, Name: v.Name, Params: v.Params, Label: labels[i],
			Epochs: md.EpochsCompleted, GrokkingEpoch: md.GrokkingEpoch(), CheckpointEpochs: []int{}}
		keep := thin(len(md.TrainLosses))
		cv.CurveEpochs = keep
		cv.TrainLosses, cv.TestLosses, cv.TestAccuracies = pick(md.TrainLosses, keep), pick(md.TestLosses, keep), pick(md.TestAccuracies, keep)
		var tr []float64
		for _, c := range md.Checkpoints {
			cv.CheckpointEpochs = append(cv.CheckpointEpochs, c.Epoch)
			tr = append(tr, c.TrainAccuracy)
		}
		cv.TrainAccuracies = finite(tr)
		out.Variants = append(out.Variants, cv)
		// Any manifest counts, that of a stopped run's analysis too.
		_, sum, err := s.manifest(v, "") // comparisons are over each variant's default probe
		if err != nil {
			continue // listed as not analyzed when its series are asked for
		}
		for _, a := range sum.Analyzers {
			for _, st := range a.Summary {
				key := a.Name + "/" + st.Name
				c := cat[key]
				if c == nil {
					c = &CatalogueEntry{Analyzer: a.Name, Name: st.Name, DType: st.DType, Shape: st.Shape}
					cat[key] = c
				}
				c.In = append(c.In, v.Family+"/"+v.Name)
			}
		}
	}
	for _, c := range cat {
		out.Series = append(out.Series, *c)
	}
	sort.Slice(out.Series, func(i, j int) bool {
		a, b := out.Series[i], out.Series[j]
		return a.Analyzer < b.Analyzer || a.Analyzer == b.Analyzer && a.Name < b.Name
	})
	return out, nil
}

// thin returns the epochs 0..n-1 kept for a curve: all of them up to
// MaxCurvePoints, otherwise every k-th and the last.
func thin(n int) []int {
	k := max(1, (n+MaxCurvePoints-1)/MaxCurvePoints)
	out := make([]int, 0, n/k+1)
	for e := 0; e < n; e += k {
		out = append(out, e)
	}
	if n > 0 && out[len(out)-1] != n-1 {
		out = append(out, n-1)
	}
	return out
}

// pick returns xs at the kept positions (NaN past its end).
func pick(xs []float64, keep []int) Floats {
	out := make([]float64, len(keep))
	for i, e := range keep {
		if e < len(xs) {
			out[i] = xs[e]
		} else {
			out[i] = math.NaN()
		}
	}
	return finite(out)
}

// SeriesAnswer is one summary statistic of every compared variant.
type SeriesAnswer struct {
	Analyzer string          `json:"analyzer"`
	Name     string          `json:"name"`
	Index    []int           `json:"index"`
	Variants []SeriesVariant `json:"variants"`
}

// SeriesVariant is one variant's values of the statistic, or why it has
// none: Status is "ok" or "not analyzed" (Error then says what is missing).
type SeriesVariant struct {
	Family string `json:"family"`
	Name   string `json:"name"`
	Label  string `json:"label"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	Epochs []int  `json:"epochs"`
	Values Floats `json:"values"`
}

// parseSeries parses series=ANALYZER/NAME.
func parseSeries(r *http.Request) (string, string, error) {
	sv := r.URL.Query().Get("series")
	an, name, ok := strings.Cut(sv, "/")
	if !ok {
		return "", "", errBadRequest("series=%q: want ANALYZER/NAME", sv)
	}
	for _, p := range []string{an, name} {
		if err := registry.SafePathComponent(p); err != nil {
			return "", "", errBadRequest("series=%q: %v", sv, err)
		}
	}
	return an, name, nil
}

// compareSeries answers GET /api/compare/series?v=...&series=ANALYZER/NAME
// [&index=i,...]: per variant the epochs and values of one summary
// statistic (index picks one value per epoch of a vector statistic),
// reading only that entry and "epochs" of each summary.npz. A variant
// without it is listed as not analyzed; 404 when no variant has it.
func (s *Server) compareSeries(r *http.Request) (any, error) {
	vs, err := s.compareVariants(r)
	if err != nil {
		return nil, err
	}
	an, sname, err := parseSeries(r)
	if err != nil {
		return nil, err
	}
	index, err := results.ParseIndex(r.URL.Query().Get("index"))
	if err != nil {
		return nil, errBadRequest("%v", err)
	}
	labels := view.DifferenceLabels(vs)
	out := SeriesAnswer{Analyzer: an, Name: sname, Index: nonNil(index), Variants: []SeriesVariant{}}
	found := 0
	for i, v := range vs {
		sv := SeriesVariant{Family: v.Family, Name: v.Name, Label: labels[i], Status: "ok", Epochs: []int{}, Values: finite(nil)}
		ep, vals, err := s.variantSeries(v, an, sname, index)
		switch {
		case errors.Is(err, results.ErrNotFound):
			sv.Status, sv.Error = "not analyzed", err.Error()
		case errors.Is(err, results.ErrSelection):
			return nil, errBadRequest("variant %s: %v", v.Name, err)
		case err != nil:
			return nil, err
		default:
			found++
			for _, e := range ep {
				sv.Epochs = append(sv.Epochs, int(e))
			}
			sv.Values = finite(vals)
		}
		out.Variants = append(out.Variants, sv)
	}
	if found == 0 {
		return nil, errNotFound("no compared variant has summary series %s/%s", an, sname)
	}
	return out, nil
}

// variantSeries reads one summary statistic of a variant through the
// server's cached manifest. A manifest that cannot be read counts as no
// analysis: a results.ErrNotFound error.
func (s *Server) variantSeries(v *variant.Variant, an, sname string, index []int) ([]float64, []float64, error) {
	rd, _, err := s.manifest(v, "")
	if err != nil {
		return nil, nil, fmt.Errorf("%v: %w", err, results.ErrNotFound)
	}
	return rd.Series(an, sname, index)
}

// compareExport answers GET /api/compare/export?v=...&view=VIEW&format=png|svg|pdf|html
// [&epoch=N][&index=i,...][&log=1] with the comparison's picture
// (view.Comparison) as a download: VIEW is loss, accuracy or
// ANALYZER/summary/NAME.
func (s *Server) compareExport(w http.ResponseWriter, r *http.Request) {
	s.download(w, r, s.comparePicture)
}

// compareView answers GET /api/compare/view?v=...&view=VIEW[&epoch=N][&index=i,...][&log=1]
// with the comparison's view spec (docs/formats/view-spec.md): what the
// comparison page draws and compareExport draws to a file.
func (s *Server) compareView(r *http.Request) (any, error) {
	spec, _, _, err := s.compareSpec(r)
	if err != nil {
		return nil, exportError(err)
	}
	return spec, nil
}

// compareSpec builds the view spec of the request's comparison.
func (s *Server) compareSpec(r *http.Request) (*view.Spec, []*variant.Variant, view.Request, error) {
	vs, err := s.compareVariants(r)
	if err != nil {
		return nil, nil, view.Request{}, err
	}
	req, err := viewRequest(r, "view")
	if err != nil {
		return nil, nil, view.Request{}, err
	}
	mds := make([]*variant.Metadata, len(vs))
	for i, v := range vs {
		if mds[i], err = s.metadata(v); err != nil {
			return nil, nil, view.Request{}, err
		}
	}
	c, err := view.NewComparison(vs, mds)
	if err != nil {
		return nil, nil, view.Request{}, err
	}
	spec, err := c.Build(req)
	return spec, vs, req, err
}

// comparePicture draws the request's comparison and returns it, its media
// type and its file name.
func (s *Server) comparePicture(r *http.Request) ([]byte, string, string, error) {
	format := r.URL.Query().Get("format")
	if format == "gif" || exportTypes[format] == "" {
		return nil, "", "", errBadRequest("format=%q: a comparison exports as png, svg, pdf or html", format)
	}
	spec, vs, req, err := s.compareSpec(r)
	var buf bytes.Buffer
	if err == nil {
		err = render.WriteSpec(&buf, spec, format, s.scripts)
	}
	if err != nil {
		return nil, "", "", exportError(err)
	}
	return buf.Bytes(), exportTypes[format], render.CompareFileName(vs, req.Ref, req.Epoch, format), nil
}

// logParam parses the optional log= query parameter (1 or 0) asking for a
// log-scale y axis.
func logParam(r *http.Request) (bool, error) {
	switch v := r.URL.Query().Get("log"); v {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	default:
		return false, errBadRequest("log=%q: want 1 or 0", v)
	}
}

func nonNilS(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
