package serve

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserJobs drives the jobs UI in headless Chromium over a server
// with a job manager and an empty results folder: the Train… form starts a
// tiny p=17 training, the jobs panel shows its progress, a reload finds the
// job again (reattached to its event stream), it finishes and the variants
// table shows the variant TRAINED; then the variant page's Analyze button
// runs an analyzer and the page redraws with its section. Screenshots go to
// the test's temp folder and $TDW_SCREENSHOTS.
func TestBrowserJobs(t *testing.T) {
	b := newBrowser(t, 3*time.Minute)
	ts, _ := jobServer(t)
	ctx, shot, eval := b.ctx, b.shot, b.eval

	waitFor := func(what, expr string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(time.Minute), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			t.Fatalf("waiting for %s: %v (jobs panel: %s)", what, err, eval(`(document.getElementById('jobs') || {}).innerText || ""`))
		}
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#train-open`))); err != nil {
		t.Fatalf("variants page: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#train-open`), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS(`#train-form input[name="param-prime"]`))); err != nil {
		t.Fatalf("train form: %v", err)
	}
	if ph := eval(`document.querySelector('#train-form input[name="param-prime"]').placeholder`); ph != "113" {
		t.Errorf("prime's placeholder is %q, want the family default 113", ph)
	}
	for sel, v := range map[string]string{`input[name="param-prime"]`: "17", `input[name="param-train_fraction"]`: "0.5",
		`input[name="param-seed"]`: "7", `#train-epochs`: "150", `#train-checkpoints`: "0:150:50"} {
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#train-form `+sel), v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#train-start`), chromedp.NodeVisible)); err != nil {
		t.Fatal(err)
	}
	const name = "modulo_addition_1layer_p17_seed7_dseed598_frac0.5"
	waitFor("the job in the panel", `document.querySelector('#jobs .job') !== null`)
	id := eval(`document.querySelector('#jobs .job').dataset.id`)
	job := `document.querySelector('#jobs .job[data-id="` + id + `"]')`
	waitFor("progress", job+`.querySelector('progress').value > 0 || `+job+`.dataset.state === 'done'`)
	before := eval(job + `.dataset.state + " " + ` + job + `.querySelector('progress').value + " " + ` + job + `.querySelector('.line').textContent`)
	if !strings.Contains(eval(job+`.innerText`), name) {
		t.Errorf("job row %q does not name the variant", eval(job+`.innerText`))
	}
	shot("jobs-running.png")

	// A reload finds the job and follows it to its end.
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#train-open`))); err != nil {
		t.Fatalf("reload: %v", err)
	}
	waitFor("the job after the reload", job+` !== null`)
	after := eval(job + `.dataset.state + " " + ` + job + `.querySelector('progress').value`)
	t.Logf("before the reload: %s; after: %s", before, after)
	waitFor("the job to finish", job+`.dataset.state === 'done'`)
	if txt := eval(job + `.innerText`); !strings.Contains(txt, "trained 150 epochs") {
		t.Errorf("finished job row %q", txt)
	}
	// The table is redrawn with the new variant.
	waitFor("the variant in the table", `[...document.querySelectorAll('#variants tr')].some(r => r.innerText.includes('`+name+`') && r.innerText.includes('TRAINED'))`)
	shot("jobs-done.png")

	// The variant page analyzes it.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/#/v/modulo_addition_1layer/"+name+"/all"), chromedp.WaitVisible(chromedp.CSS(`#analyze-start`))); err != nil {
		t.Fatalf("variant page: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#analyze-analyzers`), "neuron_freq_norm"), chromedp.Click(chromedp.CSS(`#analyze-start`), chromedp.NodeVisible)); err != nil {
		t.Fatal(err)
	}
	waitFor("the analysis job", `document.querySelectorAll('#jobs .job').length === 2`)
	an := `document.querySelector('#jobs .job')`
	waitFor("the analysis to finish", an+`.dataset.state === 'done'`)
	waitFor("the page to show the analyzer", `[...document.querySelectorAll('details.analyzer summary')].some(s => s.textContent.startsWith('neuron_freq_norm'))`)
	if msg := eval(`document.getElementById('job-msg') ? document.getElementById('job-msg').textContent : ""`); strings.Contains(msg, "error") {
		t.Errorf("job message %q", msg)
	}
	shot("jobs-analyzed.png")
	b.checkErrors()
}
