package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/tdw-workbench/tdw/host/job"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
)

// Server answers the dashboard's requests over one results folder. Create
// it with New; it is safe for concurrent use.
type Server struct {
	results   string
	families  *registry.FamilyRegistry
	analyzers *registry.AnalyzerRegistry
	log       hclog.Logger
	mux       *http.ServeMux
	jobs      *job.Manager // nil: read-only

	// Parsed files, reread when they change: manifests by manifest path,
	// opened variants by family/variant, metadata for comparisons by path.
	manifests fileCache[parsedManifest]
	variants  fileCache[*variant.Variant]
	metas     fileCache[*variant.Metadata]
}

// Options configure a Server.
type Options struct {
	// Logger receives one line per failed request (default: a null logger).
	Logger hclog.Logger
	// Jobs runs the training and analysis jobs the page starts (jobs.go);
	// nil makes every job endpoint answer 403: a read-only dashboard.
	Jobs *job.Manager
}

// New returns a server over the results folder, resolving families and
// analyzers through the given registries. It returns an error if results
// is not a folder.
func New(results string, families *registry.FamilyRegistry, analyzers *registry.AnalyzerRegistry, opts Options) (*Server, error) {
	abs, err := filepath.Abs(results)
	if err != nil {
		return nil, fmt.Errorf("results folder %s: %w", results, err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("results folder: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("results folder %s is not a folder", abs)
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	s := &Server{results: abs, families: families, analyzers: analyzers, log: opts.Logger, jobs: opts.Jobs}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /api/variants", s.api(s.listVariants))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}", s.api(s.variantInfo))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/manifest", s.api(s.manifestSummary))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/epochs/{epoch}", s.api(s.epochBatch))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/analyzers/{analyzer}/summary", s.api(s.summarySeries))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/analyzers/{analyzer}/epochs/{epoch}/{array}", s.api(s.epochArray))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/analyzers/{analyzer}/cross/{array}", s.api(s.crossArray))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/export", s.export)
	s.mux.HandleFunc("GET /api/compare", s.api(s.compare))
	s.mux.HandleFunc("GET /api/compare/series", s.api(s.compareSeries))
	s.mux.HandleFunc("GET /api/compare/export", s.compareExport)
	s.jobRoutes()
	s.sweepRoutes()
	s.mux.HandleFunc("/api/", s.api(func(r *http.Request) (any, error) {
		if r.Method != http.MethodGet {
			return nil, &httpError{code: http.StatusMethodNotAllowed, msg: "method " + r.Method + " not allowed here (docs/dashboard.md lists the endpoints)"}
		}
		return nil, errNotFound("no such API endpoint (see docs/dashboard.md)")
	}))
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		return nil, err
	}
	files := http.FileServerFS(sub)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, &httpError{code: http.StatusMethodNotAllowed, msg: "method " + r.Method + " not allowed"})
			return
		}
		files.ServeHTTP(w, r)
	})
	return s, nil
}

// ServeHTTP refuses paths with dot-dot, empty or backslash segments before
// routing (the mux would otherwise redirect them), then serves the request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Nothing the page loads may come from elsewhere.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !allowedHost(r.Host) {
		writeError(w, &httpError{code: http.StatusForbidden, msg: fmt.Sprintf("host %q not allowed: use localhost or an IP address", r.Host)})
		return
	}
	if msg := badPath(r.URL.Path); msg != "" {
		writeError(w, &httpError{code: http.StatusBadRequest, msg: msg})
		return
	}
	s.mux.ServeHTTP(w, r)
}

// allowedHost reports whether a request's Host header is localhost or an IP
// address. Any other name is refused, so that a web page cannot reach the
// server through a name it controls that resolves to this machine (DNS
// rebinding).
func allowedHost(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return h == "localhost" || net.ParseIP(h) != nil
}

// badPath says why a request path is refused, or "" if it is not.
func badPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		return "path must start with /"
	}
	segs := strings.Split(p[1:], "/")
	for i, seg := range segs {
		switch {
		case seg == "." || seg == "..":
			return fmt.Sprintf("path segment %q is not allowed", seg)
		case seg == "" && i != len(segs)-1:
			return "empty path segment"
		case strings.ContainsAny(seg, "\\\x00"):
			return fmt.Sprintf("path segment %q holds a backslash or NUL", seg)
		}
	}
	return ""
}

// httpError is an error with the HTTP status it answers with.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func errBadRequest(format string, args ...any) error {
	return &httpError{code: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func errNotFound(format string, args ...any) error {
	return &httpError{code: http.StatusNotFound, msg: fmt.Sprintf(format, args...)}
}

// api adapts a handler returning a JSON value or an error.
func (s *Server) api(h func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if err := json.NewEncoder(w).Encode(v); err != nil {
			s.log.Debug("writing response", "path", r.URL.Path, "error", err)
		}
	}
}

// fail answers a request with err (writeError), logging errors that are not
// the request's fault: those a handler did not turn into an httpError.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if he := (*httpError)(nil); !errors.As(err, &he) {
		s.log.Warn("request failed", "path", r.URL.Path, "error", err)
	}
	writeError(w, err)
}

// writeError answers with err's status (500 for a plain error, 404 for a
// missing file) and {"error": message}.
func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	var he *httpError
	switch {
	case errors.As(err, &he):
		code = he.code
	case errors.Is(err, fs.ErrNotExist):
		code = http.StatusNotFound
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

// name returns the path value key after checking it is one safe path
// component.
func name(r *http.Request, key string) (string, error) {
	v := r.PathValue(key)
	if err := registry.SafePathComponent(v); err != nil {
		return "", errBadRequest("%s name %q: %v", key, v, err)
	}
	return v, nil
}

// within returns p if it stays under root once symbolic links are resolved,
// and an error otherwise. A path that does not exist is checked lexically.
func within(root, p string) (string, error) {
	check := func(root, p string) bool {
		rel, err := filepath.Rel(root, p)
		return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
	}
	if !check(root, filepath.Clean(p)) {
		return "", errBadRequest("path escapes the results folder")
	}
	rr, err1 := filepath.EvalSymlinks(root)
	rp, err2 := filepath.EvalSymlinks(p)
	if err1 == nil && err2 == nil && !check(rr, rp) {
		return "", errBadRequest("path escapes the results folder")
	}
	return p, nil
}

// intParam parses an optional non-negative integer query parameter.
func intParam(r *http.Request, key string, def int) (int, error) {
	s := r.URL.Query().Get(key)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, errBadRequest("query parameter %s=%q: want a non-negative integer", key, s)
	}
	return n, nil
}
