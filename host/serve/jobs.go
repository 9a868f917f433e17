package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/tdw-workbench/tdw/host/job"
)

// Jobs: the page starts training and analysis of a variant (POST
// /api/jobs), lists them, follows one's progress as server-sent events and
// cancels it. docs/dashboard.md "Jobs" documents the API and its guards.

// sseHeartbeat is how often an event stream with nothing to say sends a
// comment line, so that proxies and the browser keep the connection.
var sseHeartbeat = 15 * time.Second

// jobRoutes registers the job endpoints and the family list the page's
// train form is built from.
func (s *Server) jobRoutes() {
	s.mux.HandleFunc("GET /api/families", s.api(s.listFamilies))
	s.mux.HandleFunc("GET /api/jobs", s.api(s.withJobs(func(*http.Request) (any, error) {
		return map[string]any{"jobs": s.jobs.List()}, nil
	})))
	s.mux.HandleFunc("POST /api/jobs", s.write(s.startJob))
	s.mux.HandleFunc("GET /api/jobs/{id}", s.api(s.withJobs(func(r *http.Request) (any, error) {
		in, err := s.jobs.Get(r.PathValue("id"))
		return in, jobError(err)
	})))
	s.mux.HandleFunc("GET /api/jobs/{id}/events", s.jobEvents)
	s.mux.HandleFunc("POST /api/jobs/{id}/cancel", s.write(func(r *http.Request) (int, any, error) {
		in, err := s.jobs.Cancel(r.PathValue("id"))
		return http.StatusOK, in, jobError(err)
	}))
}

// errReadOnly answers every job endpoint of a server without a job manager.
var errReadOnly = &httpError{code: http.StatusForbidden,
	msg: "jobs are disabled: this dashboard is read-only (tdw-host serve --read-only)"}

// withJobs refuses a handler's request when the server runs no jobs.
func (s *Server) withJobs(h func(*http.Request) (any, error)) func(*http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		if s.jobs == nil {
			return nil, errReadOnly
		}
		return h(r)
	}
}

// write adapts a handler that changes something: the request must pass
// checkWrite, and the answer carries the handler's status.
func (s *Server) write(h func(*http.Request) (int, any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		code, v, err := 0, any(nil), s.checkWrite(r)
		if err == nil {
			code, v, err = h(r)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		if err := json.NewEncoder(w).Encode(v); err != nil {
			s.log.Debug("writing response", "path", r.URL.Path, "error", err)
		}
	}
}

// checkWrite guards the endpoints that start or stop work against requests
// the user did not make: another site's page in the same browser can send a
// form POST (text/plain or form-encoded, no preflight) to 127.0.0.1, but
// not one with Content-Type application/json without the browser asking
// first, and the browser's Origin header names that page.
func (s *Server) checkWrite(r *http.Request) error {
	if s.jobs == nil {
		return errReadOnly
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host || (u.Scheme != "http" && u.Scheme != "https") {
			return &httpError{code: http.StatusForbidden, msg: fmt.Sprintf("origin %q is not this server (%s): requests from other sites are refused", o, r.Host)}
		}
	}
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return &httpError{code: http.StatusForbidden, msg: "cross-site request refused"}
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return &httpError{code: http.StatusUnsupportedMediaType, msg: fmt.Sprintf("Content-Type %q: want application/json", r.Header.Get("Content-Type"))}
	}
	return nil
}

// jobError maps the job manager's errors to HTTP answers.
func jobError(err error) error {
	var re *job.RequestError
	var busy *job.BusyError
	var large *job.TooLargeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &re), errors.As(err, &large):
		return &httpError{code: http.StatusBadRequest, msg: err.Error()}
	case errors.As(err, &busy):
		return &httpError{code: http.StatusConflict, msg: err.Error()}
	case errors.Is(err, job.ErrNoJob):
		return errNotFound("%v", err)
	case errors.Is(err, job.ErrClosed), errors.Is(err, job.ErrQueueFull):
		return &httpError{code: http.StatusServiceUnavailable, msg: err.Error()}
	}
	return err
}

// jobRequest is the body of POST /api/jobs. The variant is named by
// variant (its folder name) or by params and preset; options depend on the
// kind (trainOptions, analyzeOptions).
type jobRequest struct {
	Kind    string          `json:"kind"`
	Family  string          `json:"family"`
	Variant string          `json:"variant"`
	Preset  string          `json:"preset"`
	Params  paramValues     `json:"params"`
	Options json.RawMessage `json:"options"`
}

// trainOptions are a train job's options. Epochs and ExtendTo are pointers
// so that a given 0 is refused rather than read as "not given" (the
// preset's default, which may be a 25,000-epoch run).
type trainOptions struct {
	Epochs      *int   `json:"epochs"`
	Checkpoints string `json:"checkpoints"`
	Resume      bool   `json:"resume"`
	ExtendTo    *int   `json:"extend_to"`
	Force       bool   `json:"force"`
	AllowLarge  bool   `json:"allow_large"`
}

// counts returns the epoch counts, 0 where not given, refusing a given
// count below 1.
func (o trainOptions) counts() (epochs, extendTo int, err error) {
	for _, c := range []struct {
		name string
		v    *int
		dst  *int
	}{{"epochs", o.Epochs, &epochs}, {"extend_to", o.ExtendTo, &extendTo}} {
		if c.v == nil {
			continue
		}
		if *c.v < 1 {
			return 0, 0, errBadRequest("options: %s: %d: want a positive number (leave it out for the default)", c.name, *c.v)
		}
		*c.dst = *c.v
	}
	return epochs, extendTo, nil
}

// analyzeOptions are an analyze job's options.
type analyzeOptions struct {
	Analyzers   []string               `json:"analyzers"`
	Checkpoints []int                  `json:"checkpoints"`
	Settings    map[string]paramValues `json:"settings"`
	Force       bool                   `json:"force"`
	SaveEvery   int                    `json:"save_every"`
	AllowLarge  bool                   `json:"allow_large"`
	// Probe names the probe to run the checkpoints on ("": the default).
	Probe string `json:"probe"`
}

// paramValues are parameter values as JSON strings, numbers or booleans,
// kept as text (as typed after -p NAME=) so that the registry parses them
// by their spec's type.
type paramValues map[string]string

// UnmarshalJSON accepts an object of strings, numbers and booleans.
func (p *paramValues) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := paramValues{}
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		switch {
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			out[k] = s
		case len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9' || string(v) == "true" || string(v) == "false"):
			out[k] = string(v)
		default:
			return fmt.Errorf("value of %q is %s: want a string, number or boolean", k, v)
		}
	}
	*p = out
	return nil
}

// decodeStrict decodes one JSON value from data into v, refusing unknown
// fields and trailing data; errors name what.
func decodeStrict(what string, data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errBadRequest("%s: %s", what, strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return errBadRequest("%s: more than one JSON value", what)
	}
	return nil
}

// startJob answers POST /api/jobs: 202 and the queued or running job.
func (s *Server) startJob(r *http.Request) (int, any, error) {
	// ServeHTTP has bounded the body (maxRequestBody).
	body, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return 0, nil, errBodyTooLarge(-1)
	case err != nil:
		return 0, nil, errBadRequest("request body: %v", err)
	}
	var req jobRequest
	if err := decodeStrict("request body", body, &req); err != nil {
		return 0, nil, err
	}
	opts := req.Options
	if len(opts) == 0 || string(opts) == "null" {
		opts = []byte("{}")
	}
	var in job.Info
	switch req.Kind {
	case string(job.KindTrain):
		var o trainOptions
		if err := decodeStrict("options", opts, &o); err != nil {
			return 0, nil, err
		}
		epochs, extendTo, cerr := o.counts()
		if cerr != nil {
			return 0, nil, cerr
		}
		in, err = s.jobs.StartTrain(job.TrainRequest{Family: req.Family, Variant: req.Variant, Preset: req.Preset, Params: req.Params,
			Epochs: epochs, Checkpoints: o.Checkpoints, Resume: o.Resume, ExtendTo: extendTo, Force: o.Force, AllowLarge: o.AllowLarge})
	case string(job.KindAnalyze):
		var o analyzeOptions
		if err := decodeStrict("options", opts, &o); err != nil {
			return 0, nil, err
		}
		var settings map[string]map[string]string
		for a, ps := range o.Settings {
			if settings == nil {
				settings = map[string]map[string]string{}
			}
			settings[a] = ps
		}
		in, err = s.jobs.StartAnalyze(job.AnalyzeRequest{Family: req.Family, Variant: req.Variant, Preset: req.Preset, Params: req.Params,
			Analyzers: o.Analyzers, Checkpoints: o.Checkpoints, Settings: settings, Force: o.Force, SaveEvery: o.SaveEvery,
			AllowLarge: o.AllowLarge, Probe: o.Probe})
	default:
		return 0, nil, errBadRequest("kind: %q is not a job kind (train, analyze)", req.Kind)
	}
	if err != nil {
		return 0, nil, jobError(err)
	}
	return http.StatusAccepted, in, nil
}

// jobEvents answers GET /api/jobs/{id}/events: a text/event-stream of the
// job's state ("state", its Info), its progress ("progress", each Event) and
// its end ("end", the final Info), with a comment line as heartbeat. It
// stops when the job ends or the client goes away.
func (s *Server) jobEvents(w http.ResponseWriter, r *http.Request) {
	if s.jobs == nil {
		writeError(w, errReadOnly)
		return
	}
	id := r.PathValue("id")
	first, events, unsubscribe, err := s.jobs.Subscribe(id)
	if err != nil {
		writeError(w, jobError(err))
		return
	}
	defer unsubscribe()
	rc := http.NewResponseController(w)
	// The stream lasts as long as its job, past the server's read and write
	// timeouts: no read deadline (the request has been read; a client that
	// goes away still ends the request's context), and each write gets the
	// write timeout afresh, so a client that stops reading is still cut off.
	if err := rc.SetReadDeadline(time.Time{}); err != nil {
		s.log.Debug("event stream read deadline", "id", id, "error", err)
	}
	write := func(format string, args ...any) bool {
		rc.SetWriteDeadline(time.Now().Add(s.timeouts.Write))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	send := func(event string, v any) bool {
		b, err := json.Marshal(v)
		if err != nil {
			s.log.Warn("job event", "id", id, "error", err)
			return false
		}
		return write("event: %s\ndata: %s\n\n", event, b)
	}
	// The browser's EventSource reconnects after 2 s if the stream breaks
	// before "end".
	if !write("retry: 2000\n\n") || !send("state", first) {
		return
	}
	tick := time.NewTicker(sseHeartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case e, open := <-events:
			if !open {
				final, err := s.jobs.Get(id)
				if err == nil {
					final.Events = nil
					send("end", final)
				}
				return
			}
			if !send("progress", e) {
				return
			}
		case <-tick.C:
			if !write(": heartbeat\n\n") {
				return
			}
		}
	}
}

// FamilyInfo describes an installed family for the page's train form: what
// `tdw-host families FAMILY` shows.
type FamilyInfo struct {
	Name          string                `json:"name"`
	DisplayName   string                `json:"display_name"`
	Description   string                `json:"description"`
	Parameters    []ParamInfo           `json:"parameters"`
	Presets       map[string]PresetInfo `json:"presets"`
	DefaultPreset string                `json:"default_preset"`
	// Epochs and Checkpoints are the family's training defaults.
	Epochs      int    `json:"epochs"`
	Checkpoints string `json:"checkpoints"`
	// Analyzers are the family's default analyzers that are installed.
	Analyzers []string `json:"analyzers"`
}

// ParamInfo is one domain parameter's specification.
type ParamInfo struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Default     any      `json:"default"`
	Min         *float64 `json:"min,omitempty"`
	Max         *float64 `json:"max,omitempty"`
	Choices     []any    `json:"choices,omitempty"`
	Description string   `json:"description"`
}

// PresetInfo is one preset: its parameters and training length.
type PresetInfo struct {
	Description string         `json:"description"`
	Params      map[string]any `json:"params"`
	Epochs      int            `json:"epochs"`
	Checkpoints string         `json:"checkpoints"`
}

// listFamilies answers GET /api/families.
func (s *Server) listFamilies(*http.Request) (any, error) {
	out := []FamilyInfo{}
	for _, f := range s.families.List() {
		fi := FamilyInfo{Name: f.Name, DisplayName: f.DisplayName, Description: f.Description, DefaultPreset: f.DefaultPreset,
			Epochs: f.Training.Epochs, Presets: map[string]PresetInfo{}, Parameters: []ParamInfo{}, Analyzers: []string{}}
		if f.Training.Checkpoints != nil {
			fi.Checkpoints = f.Training.Checkpoints.String()
		}
		for _, n := range f.DomainParameters.Names() {
			p := f.DomainParameters[n]
			fi.Parameters = append(fi.Parameters, ParamInfo{Name: n, Type: string(p.Type), Default: p.Default, Min: p.Min, Max: p.Max,
				Choices: p.Choices, Description: p.Description})
		}
		for n, p := range f.Presets {
			pi := PresetInfo{Description: p.Description, Params: map[string]any(p.Params), Epochs: p.Training.Epochs}
			if p.Training.Checkpoints != nil {
				pi.Checkpoints = p.Training.Checkpoints.String()
			}
			fi.Presets[n] = pi
		}
		for _, m := range s.familyAnalyzers(f) {
			fi.Analyzers = append(fi.Analyzers, m.Name)
		}
		sort.Strings(fi.Analyzers)
		out = append(out, fi)
	}
	return map[string]any{"families": out, "jobs": s.jobs != nil}, nil
}
