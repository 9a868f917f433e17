package serve

import (
	"net/http"
	"time"

	"github.com/tdw-workbench/tdw/host/sweep"
)

// Sweeps: the page lists the sweeps of the results folder with their
// progress (GET /api/sweeps) and filters the variants table by one. States
// come from the sweeps' task records and the results tree; Slurm is not
// asked (`tdw-host sweep status` does). docs/dashboard.md "Sweeps".

// sweepRoutes registers the sweep endpoints.
func (s *Server) sweepRoutes() {
	s.mux.HandleFunc("GET /api/sweeps", s.api(s.listSweeps))
	s.mux.HandleFunc("GET /api/sweeps/{name}", s.api(s.sweepReport))
}

// SweepSummary is one sweep in the list.
type SweepSummary struct {
	Name     string    `json:"name"`
	Family   string    `json:"family"`
	Executor string    `json:"executor"`
	Created  time.Time `json:"created"`
	// Variants are the sweep's variants as FAMILY/VARIANT, by task index.
	Variants []string `json:"variants"`
	// Counts holds the number of variants per state (queued, running,
	// done, failed, stopped).
	Counts map[string]int `json:"counts"`
}

// listSweeps answers GET /api/sweeps: every sweep with its progress; a
// sweep that cannot be read is a problem, not a failed list.
func (s *Server) listSweeps(r *http.Request) (any, error) {
	type listing struct {
		Sweeps   []SweepSummary `json:"sweeps"`
		Problems []string       `json:"problems"`
	}
	out := listing{Sweeps: []SweepSummary{}, Problems: []string{}}
	names, err := sweep.List(s.tree.Root())
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		sw, rep, err := s.readSweep(r, n)
		if err != nil {
			out.Problems = append(out.Problems, err.Error())
			continue
		}
		sum := SweepSummary{Name: sw.Name, Family: sw.Family, Executor: sw.Executor, Created: sw.Created,
			Variants: make([]string, len(sw.Variants)), Counts: rep.Counts}
		for i, v := range sw.Variants {
			sum.Variants[i] = sw.Family + "/" + v.Name
		}
		out.Sweeps = append(out.Sweeps, sum)
	}
	return out, nil
}

// sweepReport answers GET /api/sweeps/{name}: each variant's state and
// progress.
func (s *Server) sweepReport(r *http.Request) (any, error) {
	name := r.PathValue("name")
	if err := sweep.CheckName(name); err != nil {
		return nil, errBadRequest("%v", err)
	}
	_, rep, err := s.readSweep(r, name)
	return rep, err
}

// readSweep loads a sweep and its status, judging analyses against the
// installed analyzers (by the manifest's presence alone when the sweep's
// are not installed here).
func (s *Server) readSweep(r *http.Request, name string) (*sweep.Sweep, *sweep.Report, error) {
	sw, err := sweep.Load(s.tree.Root(), name)
	if err != nil {
		return nil, nil, err // 404 for a sweep that does not exist
	}
	ms, err := sw.AnalyzerManifests(s.families, s.analyzers)
	if err != nil {
		ms = nil
	}
	rep, err := sw.Status(r.Context(), ms, false)
	return sw, rep, err
}
