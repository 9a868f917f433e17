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
	// The neuron activations panel of the Activations page: its drawn data.
	panel := `(() => { const d = document.querySelector('[data-view="neuron_activations/activations"] .plot'); return d && d.data ? JSON.stringify(d.data[0].z) : ""; })()`
	pageDone := func(id string) string { return `document.body.dataset.page === ` + jsString(id) }

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
		// At 1400 px the losses, the grokking epoch and the state are on
		// screen, not behind a horizontal scroll.
		for _, col := range []string{"state", "final train loss", "final test loss", "grokking epoch"} {
			if r := eval(`(() => { const h = [...document.querySelectorAll('#variants th')].find(h => h.textContent === ` + jsString(col) + `); return h ? String(h.getBoundingClientRect().right <= window.innerWidth) : "missing"; })()`); r != "true" {
				t.Errorf("column %q of the variants table is off screen at 1400 px (%s)", col, r)
			}
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
	// The variant opens on its first page (Overview); the Activations page
	// holds a per-epoch panel.
	b.until("the overview", pageDone("overview"))
	shot("variant-first.png")
	b.do("open Activations", chromedp.Click(chromedp.CSS(`#pagenav a[data-page="activations"]`), chromedp.NodeVisible))
	b.until("the activations page", pageDone("activations"))
	first := eval(`document.body.dataset.epoch`)
	before := eval(panel)

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
	t.Logf("epochs %s → %s → %s → %s → %s (right arrow, next, slider to the start, right arrow); page update times %s and %s ms fetching the epoch, %s and %s ms with its specs cached (drawing only)", first, e1, e2, e3, e4, ms1, ms2, ms3, ms4)

	if os.Getenv("TDW_DASHBOARD_URL") == "" {
		browserActivations(t, b)
	}
	// Every page draws without errors; each gets a screenshot.
	pages := strings.Split(eval(`[...document.querySelectorAll('#pagenav a')].map(a => a.dataset.page).join(",")`), ",")
	if len(pages) < 10 {
		t.Errorf("navigation lists %d pages: %v", len(pages), pages)
	}
	for _, id := range pages {
		b.do("open page "+id, chromedp.Click(chromedp.CSS(`#pagenav a[data-page="`+id+`"]`), chromedp.NodeVisible))
		b.until("page "+id, pageDone(id))
		if txt := eval(`document.getElementById('page').innerText`); strings.Contains(txt, "undefined") || strings.Contains(txt, "NaN") || strings.Contains(txt, "null") {
			t.Errorf("page %s shows undefined, NaN or null", id)
		}
		if n := eval(`String(document.querySelectorAll('.panel.err').length)`); n != "0" {
			t.Errorf("page %s: %s panels show an error: %s", id, n, eval(`[...document.querySelectorAll('.panel.err')].map(p => p.dataset.view + ": " + p.innerText).join(" | ")`))
		}
		if status := eval(`document.getElementById('status').textContent`); strings.Contains(status, "failed") {
			t.Errorf("page %s: status line: %s", id, status)
		}
		shot("page-" + id + ".png")
	}
	// A click on the loss curve moves the epoch to the nearest checkpoint.
	b.do("open the overview", chromedp.Click(chromedp.CSS(`#pagenav a[data-page="overview"]`), chromedp.NodeVisible))
	b.until("the overview", pageDone("overview"))
	last := eval(`document.getElementById('epoch-slider').max`)
	cur := eval(`document.body.dataset.epoch`)
	epochAfter(cur, chromedp.Evaluate[chromedp.Void](`(() => { const d = document.querySelector('[data-view="loss"] .plot'); d.emit('plotly_click', { points: [{ x: 1e9 }] }); })()`))
	if slider := eval(`document.getElementById('epoch-slider').value`); slider != last {
		t.Errorf("after a click at the end of the loss curve the slider is at %s, want %s", slider, last)
	}
	// The second variant has progress measures: its Overview draws them.
	if os.Getenv("TDW_DASHBOARD_URL") == "" {
		v2 := fixture.second
		b.do("second variant", chromedp.Navigate(url+"#/v/"+v2.Family+"/"+v2.Name+"/overview"))
		b.until("its overview", `document.body.dataset.page === "overview" && location.hash.includes(`+jsString(v2.Name)+`)`)
		if n := eval(`String(document.querySelectorAll('.panel.vpanel.missing').length)`); n != "0" {
			t.Errorf("the second variant's overview has %s panels without artifacts", n)
		}
		if kf := eval(`document.getElementById('headline').innerText`); !strings.Contains(kf, "key frequencies") || strings.Contains(kf, "run progress_measures") {
			t.Errorf("second variant's headline: %q", kf)
		}
		shot("page-overview-progress.png")
	}
	if txt := eval(`document.getElementById('headline').innerText`); !strings.Contains(txt, "test accuracy") || strings.Contains(txt, "–") && !strings.Contains(txt, "train accuracy") {
		t.Errorf("headline: %q", txt)
	}
	b.checkErrors()
}
