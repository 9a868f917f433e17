package serve

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/host/view"
)

// builder returns a view builder of the variant's analyses over probe (""
// for its default probe) that reads through the server's cached manifest
// and metadata and the installed analyzers' declarations.
func (s *Server) builder(v *variant.Variant, probe string) (*view.Builder, error) {
	var ms view.Manifests
	if s.analyzers != nil {
		ms = s.analyzers
	}
	b := view.NewBuilder(v, ms)
	if md, err := s.metadata(v); err == nil {
		b.WithMetadata(md)
	}
	rd, _, err := s.manifest(v, probe)
	switch {
	case err == nil:
		b.WithReader(rd)
	case !errors.Is(err, results.ErrNotFound) || probe != "":
		// Another probe's views come from its analyses only: never the
		// default probe's in their place.
		return nil, err
	}
	return b, nil
}

// viewSpec answers GET .../view?name=V[&as=STYLE][&epoch=E][&index=I,J][&log=1][&fixed_range=1][&color_range=LO,HI]
// with the view spec (docs/formats/view-spec.md): a bad name, style,
// epoch or index is a 400, a missing analyzer, array or artifact a 404.
func (s *Server) viewSpec(r *http.Request) (any, error) {
	v, err := s.openVariant(r)
	if err != nil {
		return nil, err
	}
	req, err := viewRequest(r, "name")
	if err != nil {
		return nil, err
	}
	b, err := s.builder(v, probeParam(r))
	if err != nil {
		return nil, err
	}
	spec, err := b.Build(req)
	if err != nil {
		return nil, viewError(err)
	}
	return spec, nil
}

// viewList answers GET .../views with the views the variant has
// (view.Entry), the training curves first.
func (s *Server) viewList(r *http.Request) (any, error) {
	v, err := s.openVariant(r)
	if err != nil {
		return nil, err
	}
	b, err := s.builder(v, probeParam(r))
	if err != nil {
		return nil, err
	}
	es, err := b.List()
	if err != nil {
		return nil, err
	}
	if es == nil {
		es = []view.Entry{}
	}
	return es, nil
}

// viewRequest parses what a picture shows from the query: the view name
// (under key), as=, epoch= (default -1: the last analyzed, or none
// marked), index=, log= and fixed_range=.
func viewRequest(r *http.Request, key string) (view.Request, error) {
	q := r.URL.Query()
	ref, err := view.Parse(q.Get(key))
	if err != nil {
		return view.Request{}, errBadRequest("%s=: %v", key, err)
	}
	req := view.Request{Ref: ref, As: q.Get("as"), Epoch: -1}
	if q.Has("epoch") {
		if req.Epoch, err = intParam(r, "epoch", -1); err != nil {
			return view.Request{}, err
		}
	}
	if req.Index, err = results.ParseIndex(q.Get("index")); err != nil {
		return view.Request{}, errBadRequest("index=: %v", err)
	}
	if req.LogY, err = logParam(r); err != nil {
		return view.Request{}, err
	}
	switch fr := q.Get("fixed_range"); fr {
	case "", "0", "false":
	case "1", "true":
		req.FixedRange = true
	default:
		return view.Request{}, errBadRequest("fixed_range=%q: want 1 or 0", fr)
	}
	if q.Has("color_range") {
		if req.ColorRange, err = colorRange(q.Get("color_range")); err != nil {
			return view.Request{}, err
		}
	}
	return req, nil
}

// colorRange parses color_range=LO,HI: two finite numbers, LO ≤ HI.
func colorRange(s string) (*[2]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		return nil, errBadRequest("color_range=%q: want LO,HI", s)
	}
	var r [2]float64
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errBadRequest("color_range=%q: %q is not a finite number", s, p)
		}
		r[i] = v
	}
	if r[0] > r[1] {
		return nil, errBadRequest("color_range=%q: LO is above HI", s)
	}
	return &r, nil
}

// viewError turns the builder's errors into answers: a view or style it
// cannot draw is a 400 (status maps the results tree's errors, which the
// builder passes on: a selection that does not fit a 400, what is not
// there a 404).
func viewError(err error) error {
	if errors.Is(err, view.ErrBadView) {
		return errBadRequest("%v", err)
	}
	return err
}
