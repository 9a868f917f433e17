package serve

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tdw-workbench/tdw/host/render"
)

// exportTypes are the media types of the export formats.
var exportTypes = map[string]string{"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf",
	"html": "text/html; charset=utf-8", "gif": "image/gif"}

// export answers GET .../export?view=V&format=png|svg|pdf|html|gif[&as=STYLE][&epoch=N][&index=i,j][&log=1][&fixed_range=1][&color_range=LO,HI]
// with the picture host/render draws of the view spec the view endpoint
// answers, as a download. A bad view, format, epoch or index is a 400, a
// missing analyzer, array or epoch a 404.
func (s *Server) export(w http.ResponseWriter, r *http.Request) { s.download(w, r, s.exportPicture) }

// download answers a request with the picture that draw makes of it, as an
// attachment, or with draw's error.
func (s *Server) download(w http.ResponseWriter, r *http.Request, draw func(*http.Request) (body []byte, ctype, file string, err error)) {
	body, ctype, file, err := draw(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", file))
	if _, err := w.Write(body); err != nil {
		s.log.Debug("writing response", "path", r.URL.Path, "error", err)
	}
}

// exportPicture draws the request's picture and returns it, its media type
// and its file name.
func (s *Server) exportPicture(r *http.Request) ([]byte, string, string, error) {
	v, err := s.openVariant(r)
	if err != nil {
		return nil, "", "", err
	}
	q := r.URL.Query()
	format := q.Get("format")
	ctype, ok := exportTypes[format]
	if !ok {
		return nil, "", "", errBadRequest("format=%q: want one of %s", format, strings.Join(render.Formats, ", "))
	}
	req, err := viewRequest(r, "view")
	if err != nil {
		return nil, "", "", err
	}
	if q.Has("epoch") && format == "gif" {
		return nil, "", "", errBadRequest("epoch= with format=gif: a GIF has a frame for every analyzed epoch")
	}
	if q.Has("color_range") && format == "gif" {
		return nil, "", "", errBadRequest("color_range= with format=gif: a GIF's frames share the range of all its epochs")
	}
	b, err := s.builder(v, probeParam(r))
	if err != nil {
		return nil, "", "", err
	}
	var buf bytes.Buffer
	if err := render.Export(&buf, b, req, format, s.scripts); err != nil {
		return nil, "", "", exportError(err)
	}
	return buf.Bytes(), ctype, render.FileName(v.Name, req.Ref, req.As, req.Epoch, format), nil
}

// exportError is viewError, and a 501 for an HTML export of a tdw-host
// built without the scripts to inline.
func exportError(err error) error {
	if errors.Is(err, render.ErrNoPlotly) {
		return &httpError{code: http.StatusNotImplemented, msg: err.Error()}
	}
	return viewError(err)
}
