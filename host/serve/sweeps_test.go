package serve

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/tdw-workbench/tdw/host/sweep"
)

// TestSweepsAPI: a sweep over the fixture's two analyzed variants and one
// never started lists with 2 done and 1 queued (its Slurm job submitted, no
// task record: without asking Slurm it is taken as queued), and its report
// gives each variant's state and progress.
func TestSweepsAPI(t *testing.T) {
	ts := newServer(t)
	writeTestSweep(t)

	code, body := get(t, ts, "/api/sweeps")
	if code != http.StatusOK {
		t.Fatalf("GET /api/sweeps: %d %s", code, body)
	}
	var list struct {
		Sweeps   []SweepSummary `json:"sweeps"`
		Problems []string       `json:"problems"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Sweeps) != 1 || len(list.Problems) != 0 {
		t.Fatalf("list %s", body)
	}
	s := list.Sweeps[0]
	if s.Name != "grid" || s.Executor != "slurm" || s.Counts["done"] != 2 || s.Counts["queued"] != 1 || len(s.Variants) != 3 ||
		s.Variants[0] != fixture.variant.Family+"/"+fixture.variant.Name {
		t.Errorf("summary %+v", s)
	}

	code, body = get(t, ts, "/api/sweeps/grid")
	if code != http.StatusOK {
		t.Fatalf("GET /api/sweeps/grid: %d %s", code, body)
	}
	var rep sweep.Report
	if err := json.Unmarshal(body, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Tasks) != 3 || rep.Tasks[0].State != sweep.Done || !rep.Tasks[0].Progress.Complete ||
		rep.Tasks[2].State != sweep.Queued || rep.Tasks[2].Job != "40_2" || rep.Tasks[2].Progress.Exists {
		t.Errorf("report %s", body)
	}

	for path, want := range map[string]int{"/api/sweeps/nope": http.StatusNotFound, "/api/sweeps/.hidden": http.StatusBadRequest} {
		if code, body := get(t, ts, path); code != want {
			t.Errorf("GET %s: %d %s, want %d", path, code, body, want)
		}
	}
}

// writeTestSweep records a Slurm sweep "grid" over the fixture's two
// analyzed variants and one never started, removed when the test ends.
func writeTestSweep(t *testing.T) {
	t.Helper()
	sw := &sweep.Sweep{Format: sweep.FormatVersion, Name: "grid", Family: fixture.variant.Family,
		Created: time.Date(2024, 12, 1, 10, 0, 0, 0, time.UTC), Grid: []sweep.Axis{{Param: "seed", Values: []string{"1", "2", "9"}}},
		Analyzers: []string{"neuron_freq_norm"}, Executor: sweep.ExecutorSlurm, Slurm: &sweep.SlurmOptions{},
		Paths: sweep.Paths{TDWHost: "/bin/true", Results: fixture.results, Families: "/nowhere", Analyzers: "/nowhere"},
		Variants: []sweep.Variant{
			{Index: 0, Name: fixture.variant.Name, Params: map[string]string{"seed": "1"}},
			{Index: 1, Name: fixture.second.Name, Params: map[string]string{"seed": "2"}},
			{Index: 2, Name: "modulo_addition_1layer_p17_seed9_dseed2_frac0.5", Params: map[string]string{"seed": "9"}},
		},
		Submissions: []sweep.Submission{{JobID: "40", Indices: []int{0, 1, 2}, Array: "0-2", Submitted: time.Now()}},
	}
	if err := sw.Save(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sweep.Root(fixture.results)) })
}
