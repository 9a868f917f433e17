package serve

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowser drives the dashboard in headless Chromium over the fixture
// variant: the table lists it, its view loads, the slider, the buttons and
// the arrow keys move the epoch, a per-epoch panel changes, and the page logs
// no errors. Screenshots go to the test's temp folder and $TDW_SCREENSHOTS.
// With TDW_DASHBOARD_URL set (a variant page of a running 'tdw-host serve'),
// it drives that page instead, e.g. to time a p=113 variant.
func TestBrowser(t *testing.T) {
	b := newBrowser(t, 90*time.Second)
	url := os.Getenv("TDW_DASHBOARD_URL")
	if url == "" {
		ts := newServer(t)
		url = ts.URL + "/"
	}
	ctx, shot, eval := b.ctx, b.shot, b.eval
	poll := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(30*time.Second))
	}
	// epochAfter runs an action and waits until the page shows a new epoch,
	// returning it and the update time the page measured.
	epochAfter := func(prev string, a chromedp.Action[chromedp.Void]) (string, string) {
		t.Helper()
		if err := chromedp.Do(ctx, a, poll(`document.body.dataset.epoch !== undefined && document.body.dataset.epoch !== `+jsString(prev))); err != nil {
			t.Fatalf("waiting for the epoch to change from %s: %v", prev, err)
		}
		return eval(`document.body.dataset.epoch`), eval(`document.body.dataset.updateMs`)
	}
	panel := `(() => { const c = document.querySelector('[data-array="neuron_activations/activations"] canvas') || document.querySelector('.panel canvas'); return c ? c.toDataURL() : ""; })()`

	if os.Getenv("TDW_DASHBOARD_URL") == "" {
		if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`#variants a`))); err != nil {
			t.Fatalf("variants table: %v", err)
		}
		if rows := eval(`String(document.querySelectorAll('#variants tr').length - 1)`); rows != "3" {
			t.Errorf("variants table has %s rows, want 3", rows)
		}
		// A header click sorts; a second one reverses.
		firstRow := `document.querySelector('#variants tr:nth-child(2) a').textContent`
		eval(`(() => { [...document.querySelectorAll('#variants th')].find(h => h.textContent === 'epochs').click(); return ""; })()`)
		if got := eval(firstRow); got != fixture.untrained.Name {
			t.Errorf("sorted by epochs, the first row is %s", got)
		}
		eval(`(() => { [...document.querySelectorAll('#variants th')].find(h => h.textContent === 'epochs').click(); return ""; })()`)
		if got := eval(firstRow); got != fixture.variant.Name {
			t.Errorf("sorted by epochs descending, the first row is %s", got)
		}
		// The filter keeps the rows holding its text.
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#filter`), "UNTRAINED")); err != nil {
			t.Fatal(err)
		}
		if rows := eval(`String(document.querySelectorAll('#variants tr').length - 1)`); rows != "1" {
			t.Errorf("filtered on UNTRAINED, the table has %s rows, want 1", rows)
		}
		eval(`(() => { const f = document.getElementById('filter'); f.value = 'PARTIAL'; f.dispatchEvent(new Event('input')); return ""; })()`)
		if txt := eval(`document.getElementById('main').innerText`); strings.Contains(txt, "null") || strings.Contains(txt, "undefined") {
			t.Errorf("the variants page shows null or undefined: %q", txt)
		}
		shot("variants.png")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#variants a`), chromedp.NodeVisible)); err != nil {
			t.Fatal(err)
		}
	} else if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#epoch-slider`)), poll(`document.body.dataset.epoch !== undefined`)); err != nil {
		t.Fatalf("variant view: %v", err)
	}
	first := eval(`document.body.dataset.epoch`)
	before := eval(panel)
	shot("variant-first.png")

	e1, ms1 := epochAfter(first, chromedp.KeyEvent(kb.ArrowRight))
	if slider := eval(`document.getElementById('epoch-slider').value`); slider != "1" {
		t.Errorf("after the right arrow key the slider is at %s, want 1", slider)
	}
	if after := eval(panel); before == "" || before == after {
		t.Errorf("the per-epoch panel did not change from epoch %s to %s", first, e1)
	}
	e2, ms2 := epochAfter(e1, chromedp.Click(chromedp.CSS(`#next`), chromedp.NodeVisible))
	e3, ms3 := epochAfter(e2, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('epoch-slider'); s.value = 0; s.dispatchEvent(new Event('input')); })()`))
	e4, ms4 := epochAfter(e3, chromedp.KeyEvent(kb.ArrowRight))
	if slider := eval(`document.getElementById('epoch-slider').value`); slider != "1" {
		t.Errorf("after moving the slider to 0 and the right arrow key the slider is at %s, want 1", slider)
	}
	// A click at the right end of the loss curve moves to the last epoch.
	last := eval(`(() => { const s = document.getElementById('epoch-slider'); return s.max; })()`)
	e6, _ := epochAfter(e4, chromedp.Evaluate[chromedp.Void](`(() => { const c = document.querySelector('.panel canvas'); const r = c.getBoundingClientRect();
		c.dispatchEvent(new MouseEvent('click', { clientX: r.right - 11, clientY: r.top + r.height / 2, bubbles: true })); })()`))
	if slider := eval(`document.getElementById('epoch-slider').value`); slider != last {
		t.Errorf("after a click at the end of the loss curve the slider is at %s (epoch %s), want %s", slider, e6, last)
	}
	t.Logf("epochs %s → %s → %s → %s → %s (right arrow, next, slider to the start, right arrow); page update times %s and %s ms fetching the epoch, %s and %s ms with its arrays cached (drawing only)", first, e1, e2, e3, e4, ms1, ms2, ms3, ms4)
	shot("variant-moved.png")
	t.Logf("requests of epoch %s: %s", e2, eval(`performance.getEntriesByType('resource').filter(e => e.name.includes('/epochs/`+e2+`')).map(e => Math.round(e.duration) + ' ms, ' + e.transferSize + ' bytes').join('; ')`))
	if txt := eval(`document.getElementById('main').innerText`); strings.Contains(txt, "undefined") || strings.Contains(txt, "NaN") {
		t.Errorf("the variant page shows undefined or NaN")
	}
	if n := eval(`String(document.querySelectorAll('.panel.err').length)`); n != "0" {
		t.Errorf("%s panels show an error", n)
	}
	if status := eval(`document.getElementById('status').textContent`); strings.Contains(status, "failed") {
		t.Errorf("status line: %s", status)
	}
	// A panel's PNG export link (set on click, for the current epoch and
	// index) fetches a PNG; the click's own download is cancelled.
	if os.Getenv("TDW_DASHBOARD_URL") == "" {
		if got := b.fetchLink(`[data-array] .export a[data-format="png"]`); !strings.HasPrefix(got, "200 image/png PNG ") || !strings.Contains(got, "/export?view=") {
			t.Errorf("PNG export link answered %q, want a PNG", got)
		} else {
			t.Logf("PNG export: %s", got)
		}
	}
	b.checkErrors()
}
