package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tdw-workbench/tdw/host/internal/plugintest"
	"github.com/tdw-workbench/tdw/host/job"
	"github.com/tdw-workbench/tdw/host/registry"
)

var (
	jobFamiliesOnce sync.Once
	jobFamilies     *registry.FamilyRegistry
	jobFamiliesErr  error
)

// realFamilies returns a registry whose modulo_addition_1layer runs its
// real plugin (the fixture's family only runs in-process), built once.
func realFamilies(t *testing.T) *registry.FamilyRegistry {
	t.Helper()
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	jobFamiliesOnce.Do(func() {
		dir := filepath.Join(filepath.Dir(fixture.results), "real_families", "modulo_addition_1layer")
		if jobFamiliesErr = os.MkdirAll(dir, 0o755); jobFamiliesErr != nil {
			return
		}
		root := plugintest.RepoRoot()
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "modulo_addition_1layer"), "./plugins/families/modulo_addition_1layer")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			jobFamiliesErr = err
			t.Logf("%s", out)
			return
		}
		js, err := os.ReadFile(filepath.Join(root, "model_families", "modulo_addition_1layer", "family.json"))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "family.json"), js, 0o644)
		}
		if err != nil {
			jobFamiliesErr = err
			return
		}
		jobFamilies = registry.NewFamilyRegistry()
		probs, err := jobFamilies.Discover(filepath.Dir(dir))
		if err == nil && len(probs) > 0 {
			err = probs[0]
		}
		jobFamiliesErr = err
	})
	if jobFamiliesErr != nil {
		t.Fatalf("modulo_addition_1layer plugin: %v", jobFamiliesErr)
	}
	return jobFamilies
}

// jobServer serves a fresh results folder with a job manager over the real
// family plugin; the manager is shut down at the end of the test.
func jobServer(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	return jobServerWith(t, realFamilies(t), Timeouts{}, nil)
}

// jobServerWith is jobServer over the given families, served by the
// server's own http.Server (HTTPServer) with the given timeouts, its jobs
// within budget if it is not nil.
func jobServerWith(t *testing.T, fams *registry.FamilyRegistry, timeouts Timeouts, budget *job.Machine) (*httptest.Server, string) {
	t.Helper()
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	results := t.TempDir()
	m := job.NewManager(job.Env{Results: results, Families: fams, Analyzers: fixture.analyzers, TDWVersion: "test", Budget: budget}, job.Options{})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := m.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	s, err := New(results, fams, fixture.analyzers, Options{Jobs: m, Timeouts: timeouts})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(s)
	ts.Config = s.HTTPServer()
	ts.Start()
	t.Cleanup(ts.Close)
	return ts, results
}

// post sends a JSON POST with the given headers and decodes the answer.
func post(t *testing.T, ts *httptest.Server, path, body string, header map[string]string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("POST %s: answer is not JSON: %v", path, err)
	}
	return resp.StatusCode, out
}

// sseEvent is one server-sent event.
type sseEvent struct {
	name string
	data map[string]any
}

// readEvents reads a job's event stream until its "end" event.
func readEvents(t *testing.T, ts *httptest.Server, id string) []sseEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/api/jobs/"+id+"/events", nil)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, ct)
	}
	var out []sseEvent
	var name string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == ": heartbeat":
			out = append(out, sseEvent{name: "heartbeat"})
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			var d map[string]any
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &d); err != nil {
				t.Fatalf("event %s: %v", name, err)
			}
			out = append(out, sseEvent{name, d})
			if name == "end" {
				return out
			}
		}
	}
	t.Fatalf("event stream ended without an end event (%v) after %d events", sc.Err(), len(out))
	return nil
}

func TestJobsReadOnly(t *testing.T) {
	ts := newServer(t) // no job manager
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/jobs"}, {"GET", "/api/jobs/x"}, {"GET", "/api/jobs/x/events"}, {"POST", "/api/jobs"}, {"POST", "/api/jobs/x/cancel"},
	} {
		req, _ := http.NewRequest(c.method, ts.URL+c.path, strings.NewReader(`{"kind":"train"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]string
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body["error"], "read-only") {
			t.Errorf("%s %s on a read-only server: %d %v", c.method, c.path, resp.StatusCode, body)
		}
	}
	code, body := get(t, ts, "/api/families")
	if code != 200 || !strings.Contains(string(body), `"jobs":false`) || !strings.Contains(string(body), `"name":"prime"`) {
		t.Errorf("families: %d %s", code, body)
	}
}

func TestJobsAPI(t *testing.T) {
	ts, _ := jobServer(t)
	tiny := `"family": "modulo_addition_1layer", "params": {"prime": 17, "train_fraction": 0.5, "seed": 5}`
	for _, c := range []struct {
		name   string
		body   string
		header map[string]string
		code   int
		msg    string
	}{
		{"form post", `kind=train`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "want application/json"},
		{"text post", `{"kind":"train"}`, map[string]string{"Content-Type": "text/plain"}, 415, "want application/json"},
		{"other origin", `{"kind":"train",` + tiny + `}`, map[string]string{"Origin": "http://evil.example"}, 403, "evil.example"},
		{"null origin", `{"kind":"train",` + tiny + `}`, map[string]string{"Origin": "null"}, 403, "other sites"},
		{"cross-site fetch", `{"kind":"train",` + tiny + `}`, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "cross-site"},
		{"not JSON", `{"kind":`, nil, 400, "request body"},
		{"two values", `{"kind":"train"} {}`, nil, 400, "more than one"},
		{"unknown field", `{"kind":"train","famly":"x"}`, nil, 400, `unknown field "famly"`},
		{"unknown kind", `{"kind":"bake",` + tiny + `}`, nil, 400, `kind: "bake"`},
		{"unknown family", `{"kind":"train","family":"ghost"}`, nil, 400, "family:"},
		{"bad param", `{"kind":"train","family":"modulo_addition_1layer","params":{"prime":"x"}}`, nil, 400, `parameter "prime"`},
		{"unknown param", `{"kind":"train","family":"modulo_addition_1layer","params":{"modulus":7}}`, nil, 400, `parameter "modulus" is unknown`},
		{"object param", `{"kind":"train","family":"modulo_addition_1layer","params":{"prime":{}}}`, nil, 400, `want a string, number or boolean`},
		{"unknown option", `{"kind":"train",` + tiny + `,"options":{"epoch":5}}`, nil, 400, `options: unknown field "epoch"`},
		{"option type", `{"kind":"train",` + tiny + `,"options":{"epochs":"5"}}`, nil, 400, `epochs`},
		{"bad schedule", `{"kind":"train",` + tiny + `,"options":{"checkpoints":"0:x"}}`, nil, 400, `checkpoints`},
		{"zero epochs", `{"kind":"train",` + tiny + `,"options":{"epochs":0}}`, nil, 400, `epochs: 0: want a positive number`},
		{"zero extend_to", `{"kind":"train",` + tiny + `,"options":{"extend_to":0}}`, nil, 400, `extend_to: 0: want a positive number`},
		{"force and resume", `{"kind":"train",` + tiny + `,"options":{"force":true,"resume":true}}`, nil, 400, `force:`},
		{"preset", `{"kind":"train",` + tiny + `,"preset":"huge"}`, nil, 400, `no preset "huge"`},
		{"analyze missing variant", `{"kind":"analyze","family":"modulo_addition_1layer","variant":"nope","options":{"analyzers":["neuron_freq_norm"]}}`, nil, 400, "variant: variant nope"},
		{"analyze escaping variant", `{"kind":"analyze","family":"modulo_addition_1layer","variant":"../x"}`, nil, 400, "variant:"},
		{"analyze unknown option", `{"kind":"analyze",` + tiny + `,"options":{"epochs":5}}`, nil, 400, `unknown field "epochs"`},
	} {
		code, body := post(t, ts, "/api/jobs", c.body, c.header)
		if msg, _ := body["error"].(string); code != c.code || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: %d %v, want %d with %q", c.name, code, body, c.code, c.msg)
		}
	}
	for _, p := range []string{"/api/jobs/nope", "/api/jobs/nope/events"} {
		if code, body := get(t, ts, p); code != 404 || !strings.Contains(string(body), "no such job") {
			t.Errorf("GET %s: %d %s", p, code, body)
		}
	}
	if code, body := post(t, ts, "/api/jobs/nope/cancel", "", nil); code != 404 {
		t.Errorf("cancel of an unknown job: %d %v", code, body)
	}
	if code, body := get(t, ts, "/api/jobs"); code != 200 || string(body) != "{\"jobs\":[]}\n" {
		t.Errorf("no jobs yet: %d %s", code, body)
	}
}

func TestJobsTrainAndAnalyze(t *testing.T) {
	ts, _ := jobServer(t)
	u := strings.TrimPrefix(ts.URL, "http://")
	train := `{"kind":"train","family":"modulo_addition_1layer","params":{"prime":17,"train_fraction":0.5,"seed":5},
		"options":{"epochs":40,"checkpoints":"0:40:20"}}`
	code, started := post(t, ts, "/api/jobs", train, map[string]string{"Origin": "http://" + u})
	if code != http.StatusAccepted || started["id"] == "" || started["kind"] != "train" {
		t.Fatalf("start: %d %v", code, started)
	}
	id := started["id"].(string)
	const name = "modulo_addition_1layer_p17_seed5_dseed598_frac0.5"
	if started["variant"] != name {
		t.Errorf("job variant %v", started["variant"])
	}
	// A second job on the variant is refused, naming the first.
	if code, body := post(t, ts, "/api/jobs", train, nil); code != http.StatusConflict || !strings.Contains(body["error"].(string), id) {
		t.Errorf("second job on the variant: %d %v", code, body)
	}
	evs := readEvents(t, ts, id)
	if evs[0].name != "state" || evs[0].data["id"] != id {
		t.Errorf("first event %v", evs[0])
	}
	end := evs[len(evs)-1]
	if end.data["state"] != "done" || !strings.Contains(end.data["summary"].(string), "trained 40 epochs") {
		t.Errorf("end event %v", end.data)
	}
	progress := 0
	for _, e := range evs {
		if e.name == "progress" {
			progress++
			if e.data["phase"] != "train" || e.data["total"] != 40.0 || !strings.HasPrefix(e.data["line"].(string), "epoch ") {
				t.Errorf("progress event %v", e.data)
			}
		}
	}
	if progress == 0 {
		t.Error("no progress event")
	}
	// The new variant is listed as trained.
	var list struct {
		Variants []VariantRow `json:"variants"`
	}
	_, body := get(t, ts, "/api/variants")
	json.Unmarshal(body, &list)
	if len(list.Variants) != 1 || list.Variants[0].Name != name || list.Variants[0].State != "TRAINED" || list.Variants[0].Epochs != 40 ||
		list.Variants[0].Job != nil {
		t.Errorf("variants after the train job: %s", body)
	}
	// A finished job's stream is its state, then its end.
	if evs := readEvents(t, ts, id); len(evs) != 2 || evs[0].name != "state" || evs[1].name != "end" {
		t.Errorf("stream of a finished job: %v", evs)
	}

	code, an := post(t, ts, "/api/jobs", `{"kind":"analyze","family":"modulo_addition_1layer","variant":"`+name+`","options":{"analyzers":["neuron_freq_norm"]}}`, nil)
	if code != http.StatusAccepted {
		t.Fatalf("analyze: %d %v", code, an)
	}
	evs = readEvents(t, ts, an["id"].(string))
	if end := evs[len(evs)-1].data; end["state"] != "done" || !strings.Contains(end["summary"].(string), "3 artifacts computed") {
		t.Errorf("analysis end %v", end)
	}
	_, body = get(t, ts, "/api/variants")
	json.Unmarshal(body, &list)
	if len(list.Variants) != 1 || list.Variants[0].State != "PARTIAL" {
		t.Errorf("variants after the analysis job: %s", body)
	}
	var jobs struct {
		Jobs []job.Info `json:"jobs"`
	}
	_, body = get(t, ts, "/api/jobs")
	json.Unmarshal(body, &jobs)
	if len(jobs.Jobs) != 2 || jobs.Jobs[0].ID != an["id"] || jobs.Jobs[1].ID != id {
		t.Errorf("jobs, newest first: %s", body)
	}
	if code, body := get(t, ts, "/api/jobs/"+id); code != 200 || !strings.Contains(string(body), `"events":[{`) {
		t.Errorf("GET job: %d %.200s", code, body)
	}
	// An analysis over another probe is one option; an unknown probe is refused.
	code, body2 := post(t, ts, "/api/jobs", `{"kind":"analyze","family":"modulo_addition_1layer","variant":"`+name+`","options":{"analyzers":["neuron_freq_norm"],"probe":"nope"}}`, nil)
	if msg, _ := body2["error"].(string); code != http.StatusBadRequest || !strings.Contains(msg, `probe: variant `+name+` has no probe "nope" (probes: full_grid, residue_classes, test, train)`) {
		t.Errorf("analysis over an unknown probe: %d %v", code, body2)
	}
}

func TestJobsCancel(t *testing.T) {
	defer func(d time.Duration) { sseHeartbeat = d }(sseHeartbeat)
	sseHeartbeat = 10 * time.Millisecond
	ts, _ := jobServer(t)
	code, started := post(t, ts, "/api/jobs", `{"kind":"train","family":"modulo_addition_1layer","params":{"prime":17,"train_fraction":0.5,"seed":6},
		"options":{"epochs":100000,"checkpoints":"0:100000:50000"}}`, nil)
	if code != http.StatusAccepted {
		t.Fatalf("start: %d %v", code, started)
	}
	id := started["id"].(string)
	done := make(chan []sseEvent)
	go func() { done <- readEvents(t, ts, id) }()
	// Cancel once it trains.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		_, body := get(t, ts, "/api/jobs/"+id)
		if strings.Contains(string(body), `"last":`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no progress in a minute: %s", body)
		}
	}
	// The variants table shows the job holding its variant.
	var list struct {
		Variants []VariantRow `json:"variants"`
	}
	_, body := get(t, ts, "/api/variants")
	json.Unmarshal(body, &list)
	if len(list.Variants) != 1 || list.Variants[0].Job == nil || list.Variants[0].Job.ID != id ||
		list.Variants[0].Job.Kind != job.KindTrain || list.Variants[0].Job.State != job.Running {
		t.Errorf("variants while the job trains: %s", body)
	}
	// So does the variant's own answer, which heads its page.
	if len(list.Variants) == 1 {
		var info VariantInfo
		_, body := get(t, ts, "/api/variants/"+list.Variants[0].Family+"/"+list.Variants[0].Name)
		json.Unmarshal(body, &info)
		if info.Job == nil || info.Job.ID != id || info.Job.Kind != job.KindTrain {
			t.Errorf("variant while the job trains: job %+v", info.Job)
		}
	}
	if code, body := post(t, ts, "/api/jobs/"+id+"/cancel", "", nil); code != 200 || body["id"] != id {
		t.Errorf("cancel: %d %v", code, body)
	}
	evs := <-done
	if end := evs[len(evs)-1].data; end["state"] != "cancelled" || !strings.Contains(end["error"].(string), "interrupted") {
		t.Errorf("end of a cancelled job %v", end)
	}
	heartbeats := 0
	for _, e := range evs {
		if e.name == "heartbeat" {
			heartbeats++
		}
	}
	if heartbeats == 0 {
		t.Error("no heartbeat in the event stream")
	}
}
