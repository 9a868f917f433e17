package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/tdw-workbench/tdw/host/job"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/render"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
)

// Server answers the dashboard's requests over one results folder. Create
// it with New; it is safe for concurrent use.
type Server struct {
	tree      *results.Tree // every file is read through it
	families  *registry.FamilyRegistry
	analyzers *registry.AnalyzerRegistry
	log       hclog.Logger
	mux       *http.ServeMux
	jobs      *job.Manager // nil: read-only
	scripts   render.HTMLScripts
	timeouts  Timeouts // defaults filled in

	// Parsed files, reread when they change: manifests by manifest path,
	// opened variants and their metadata by family/variant.
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
	// Timeouts bound each connection (HTTPServer); zero fields take the
	// defaults.
	Timeouts Timeouts
	// HTMLScripts are inlined into standalone HTML exports (Plotly.js and
	// the page's view script); empty, the embedded ones (Scripts).
	HTMLScripts render.HTMLScripts
}

// Timeouts bound how long one connection may hold the server, so that a
// client sending a body a byte at a time, or reading the answer as slowly,
// or keeping an idle connection open, cannot hold it indefinitely.
type Timeouts struct {
	// ReadHeader bounds reading a request's header (default 10 s).
	ReadHeader time.Duration
	// Read bounds reading a whole request, body included (default 30 s).
	Read time.Duration
	// Write bounds answering a request, from the end of its header to the
	// last byte written (default 2 min). An event stream extends it before
	// each event it writes, so it may last as long as its job.
	Write time.Duration
	// Idle bounds how long a keep-alive connection waits for its next
	// request (default 2 min).
	Idle time.Duration
}

// withDefaults returns t with its zero fields set to the defaults.
func (t Timeouts) withDefaults() Timeouts {
	for _, f := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&t.ReadHeader, 10 * time.Second}, {&t.Read, 30 * time.Second}, {&t.Write, 2 * time.Minute}, {&t.Idle, 2 * time.Minute}} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	return t
}

// maxRequestBody bounds the body of every request: only a job request
// (POST /api/jobs) has one, a small JSON object.
const maxRequestBody = 64 << 10

// New returns a server over the results folder, resolving families and
// analyzers through the given registries. It returns an error if resultsDir
// is not a folder.
func New(resultsDir string, families *registry.FamilyRegistry, analyzers *registry.AnalyzerRegistry, opts Options) (*Server, error) {
	tree, err := results.Open(resultsDir)
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if len(opts.HTMLScripts.Plotly) == 0 {
		opts.HTMLScripts = Scripts()
	}
	s := &Server{tree: tree, families: families, analyzers: analyzers, log: opts.Logger, jobs: opts.Jobs,
		timeouts: opts.Timeouts.withDefaults(), scripts: opts.HTMLScripts}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /api/variants", s.api(s.listVariants))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}", s.api(s.variantInfo))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/manifest", s.api(s.manifestSummary))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/peers", s.api(s.variantPeers))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/epochs/{epoch}", s.api(s.epochBatch))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/analyzers/{analyzer}/summary", s.api(s.summarySeries))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/analyzers/{analyzer}/epochs/{epoch}/{array}", s.api(s.epochArray))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/analyzers/{analyzer}/cross/{array}", s.api(s.crossArray))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/export", s.export)
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/view", s.api(s.viewSpec))
	s.mux.HandleFunc("GET /api/variants/{family}/{variant}/views", s.api(s.viewList))
	s.mux.HandleFunc("GET /api/compare", s.api(s.compare))
	s.mux.HandleFunc("GET /api/compare/series", s.api(s.compareSeries))
	s.mux.HandleFunc("GET /api/compare/view", s.api(s.compareView))
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

// HTTPServer returns an http.Server that serves s with its Timeouts. The
// caller sets its listener and, if it wants, its BaseContext.
func (s *Server) HTTPServer() *http.Server {
	t := s.timeouts
	return &http.Server{Handler: s, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write, IdleTimeout: t.Idle}
}

// ServeHTTP refuses paths with dot-dot, empty or backslash segments before
// routing (the mux would otherwise redirect them) and bodies over
// maxRequestBody on every endpoint, then serves the request.
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
	if r.ContentLength > maxRequestBody {
		writeError(w, errBodyTooLarge(r.ContentLength))
		return
	}
	// A chunked body has no length to check up front; reading past the
	// limit fails (status maps it to 413) and closes the connection.
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
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

// errBodyTooLarge refuses a request body of n bytes (-1: unknown length).
func errBodyTooLarge(n int64) error {
	size := "a request body"
	if n >= 0 {
		size = fmt.Sprintf("a request body of %d bytes", n)
	}
	return &httpError{code: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("%s is over the limit of %d bytes", size, maxRequestBody)}
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
// the request's fault: those that answer 500.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if status(err) == http.StatusInternalServerError {
		s.log.Warn("request failed", "path", r.URL.Path, "error", err)
	}
	writeError(w, err)
}

// status is the HTTP status err answers with: an httpError's own; 413 for a
// body over maxRequestBody; 404 for
// what the results tree does not hold or a missing file; 400 for a path out
// of the results folder or a selection that does not fit an array; 500 for
// anything else.
func status(err error) int {
	var he *httpError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		return he.code
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, results.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return http.StatusNotFound
	case errors.Is(err, results.ErrEscape), errors.Is(err, results.ErrSelection):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// writeError answers with err's status and {"error": message}.
func writeError(w http.ResponseWriter, err error) {
	code := status(err)
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
