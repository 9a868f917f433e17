package serve

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/job"
)

// TestJobsResourceGuard: a job whose estimate exceeds what the jobs may use
// is refused with 400 and the estimate; "allow_large" starts it; an
// accepted job carries its estimate for the train form to show.
func TestJobsResourceGuard(t *testing.T) {
	ts, _ := jobServerWith(t, realFamilies(t), Timeouts{}, &job.Machine{Memory: 32 << 20})
	body := `{"kind":"train","family":"modulo_addition_1layer","params":{"prime":17,"train_fraction":0.5,"seed":8},"options":{"epochs":5%s}}`
	code, out := post(t, ts, "/api/jobs", strings.Replace(body, "%s", "", 1), nil)
	if msg, _ := out["error"].(string); code != http.StatusBadRequest ||
		!strings.Contains(msg, "training of modulo_addition_1layer_p17_seed8_dseed598_frac0.5 needs about ") ||
		!strings.Contains(msg, "32.0 MiB (the jobs' memory budget)") || !strings.Contains(msg, "allow_large") {
		t.Fatalf("over budget: %d %v", code, out)
	}
	code, out = post(t, ts, "/api/jobs", strings.Replace(body, "%s", `,"allow_large":true`, 1), nil)
	if code != http.StatusAccepted {
		t.Fatalf("with allow_large: %d %v", code, out)
	}
	readEvents(t, ts, out["id"].(string))

	ts2, _ := jobServerWith(t, realFamilies(t), Timeouts{}, nil)
	code, out = post(t, ts2, "/api/jobs", strings.Replace(body, "%s", "", 1), nil)
	est, _ := out["estimate"].(map[string]any)
	if code != http.StatusAccepted || est == nil || est["memory_bytes"].(float64) <= 0 || est["disk_bytes"].(float64) <= 0 {
		t.Fatalf("within the machine: %d %v", code, out)
	}
	readEvents(t, ts2, out["id"].(string))
}
