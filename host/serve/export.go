package serve

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	"github.com/tdw-workbench/tdw/host/render"
	"github.com/tdw-workbench/tdw/host/results"
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
	req, err := pictureRequest(r)
	if err != nil {
		return nil, "", "", err
	}
	if q.Has("epoch") && format == "gif" {
		return nil, "", "", errBadRequest("epoch= with format=gif: a GIF has a frame for every analyzed epoch")
	}
	view := req.View
	art, err := s.artifacts(v, probeParam(r))
	if err != nil {
		return nil, "", "", err
	}
	var buf bytes.Buffer
	if err := render.NewRenderer(v).ForArtifacts(art).Export(&buf, req, format); err != nil {
		return nil, "", "", renderError(err)
	}
	return buf.Bytes(), ctype, render.FileName(v.Name, view, req.Epoch, format), nil
}

// pictureRequest parses what a picture shows from the query: view=,
// epoch= (default -1: none marked), index= and log=.
func pictureRequest(r *http.Request) (render.Request, error) {
	q := r.URL.Query()
	view, err := render.ParseView(q.Get("view"))
	if err != nil {
		return render.Request{}, errBadRequest("view=: %v", err)
	}
	epoch := -1
	if q.Has("epoch") {
		if epoch, err = intParam(r, "epoch", -1); err != nil {
			return render.Request{}, err
		}
	}
	index, err := results.ParseIndex(q.Get("index"))
	if err != nil {
		return render.Request{}, errBadRequest("%v", err)
	}
	logY, err := logParam(r)
	if err != nil {
		return render.Request{}, err
	}
	return render.Request{View: view, Epoch: epoch, Index: index, LogY: logY}, nil
}

// renderError turns host/render's errors into answers: what is not there
// is a 404, a selection or view the picture cannot take a 400 (status maps
// the results tree's errors, those render passes on, as well).
func renderError(err error) error {
	if errors.Is(err, render.ErrBadView) {
		return errBadRequest("%v", err)
	}
	return err
}
