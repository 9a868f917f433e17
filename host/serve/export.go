package serve

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/tdw-workbench/tdw/host/render"
)

// exportTypes are the media types of the export formats.
var exportTypes = map[string]string{"png": "image/png", "svg": "image/svg+xml", "gif": "image/gif"}

// export answers GET .../export?view=V&format=png|svg|gif[&epoch=N][&index=i,j][&log=1]
// with the picture host/render draws of the view, as a download. A bad view,
// format, epoch or index is a 400, a missing analyzer, array or epoch a 404.
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
		return nil, "", "", errBadRequest("format=%q: want png, svg or gif", format)
	}
	view, err := render.ParseView(q.Get("view"))
	if err != nil {
		return nil, "", "", errBadRequest("view=: %v", err)
	}
	epoch := -1
	if q.Has("epoch") {
		if epoch, err = intParam(r, "epoch", -1); err != nil {
			return nil, "", "", err
		}
		if format == "gif" {
			return nil, "", "", errBadRequest("epoch= with format=gif: a GIF has a frame for every analyzed epoch")
		}
	}
	index, err := render.ParseIndex(q.Get("index"))
	if err != nil {
		return nil, "", "", errBadRequest("%v", err)
	}
	logY, err := logParam(r)
	if err != nil {
		return nil, "", "", err
	}
	if view.Analyzer != "" {
		if _, err := within(s.results, filepath.Join(v.ArtifactsDir(), view.Analyzer)); err != nil {
			return nil, "", "", err
		}
	}
	rd := render.NewRenderer(v)
	req := render.Request{View: view, Epoch: epoch, Index: index, LogY: logY}
	var buf bytes.Buffer
	err = rd.Export(&buf, req, format)
	switch {
	case errors.Is(err, render.ErrNotFound):
		return nil, "", "", errNotFound("%v", err)
	case errors.Is(err, render.ErrSelection):
		return nil, "", "", errBadRequest("%v", err)
	case err != nil:
		return nil, "", "", err
	}
	file := v.Name + "_" + strings.ReplaceAll(view.String(), "/", "-")
	if epoch >= 0 {
		file += fmt.Sprintf("_e%d", epoch)
	}
	return buf.Bytes(), ctype, file + "." + format, nil
}
