package serve

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserCompare picks two variants in the table, compares them, picks
// summary series (one that only the second variant has, then one of both),
// exports a comparison panel, reloads, and then checks that every panel of
// the variant pages, grouped ones included, has export links that answer
// pictures.
func TestBrowserCompare(t *testing.T) {
	if os.Getenv("TDW_DASHBOARD_URL") != "" {
		t.Skip("TDW_DASHBOARD_URL drives TestBrowser only")
	}
	b := newBrowser(t, 120*time.Second)
	ts := newServer(t)
	v1, v2 := vname(fixture.variant), vname(fixture.second)

	b.do("variants table", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#variants a`)))
	if got := b.eval(`String(document.getElementById('compare-selected').disabled)`); got != "true" {
		t.Errorf("Compare selected is enabled with nothing picked")
	}
	for _, v := range []string{v1, v2} {
		b.do("picking "+v, chromedp.Click(chromedp.CSS(`input.pick[data-v="`+v+`"]`), chromedp.NodeVisible))
	}
	if got := b.eval(`document.getElementById('compare-selected').textContent`); got != "Compare selected (2)" {
		t.Errorf("button reads %q", got)
	}
	b.do("compare", chromedp.Click(chromedp.CSS(`#compare-selected`), chromedp.NodeVisible))
	b.until("the comparison", `document.body.dataset.compare === "2"`)
	if h := b.eval(`location.hash`); h != "#/compare?v="+v1+","+v2 && h != "#/compare?v="+strings.ReplaceAll(v1+","+v2, "/", "%2F") {
		t.Errorf("address %s", h)
	}
	legend := b.eval(`document.querySelector('#main .compare-legend').innerText`)
	for _, want := range []string{"seed=1 train_fraction=0.5", "seed=2 train_fraction=0.6", fixture.variant.Name} {
		if !strings.Contains(legend, want) {
			t.Errorf("legend %q lacks %q", legend, want)
		}
	}
	blank := `(id => { const c = document.querySelector(id + ' canvas'); const e = document.createElement('canvas'); e.width = c.width; e.height = c.height; return String(c.toDataURL() === e.toDataURL()); })`
	for _, id := range []string{"#compare-loss", "#compare-accuracy"} {
		if b.eval(blank+`('`+id+`')`) != "false" {
			t.Errorf("%s is blank", id)
		}
	}

	// A series only the second variant has: one line, the first listed as
	// not analyzed.
	pick := func(series string) {
		b.eval(`(() => { const s = document.getElementById('compare-series'); s.value = ` + jsString(series) + `; s.dispatchEvent(new Event('change')); return ""; })()`)
	}
	pick("progress_measures/test_loss")
	b.until("one line of test_loss", `document.querySelector('#compare-summary canvas').dataset.lines === "1"`)
	if note := b.eval(`document.getElementById('compare-series-note').textContent`); !strings.Contains(note, "1 of 2 not analyzed") {
		t.Errorf("note %q", note)
	}
	if got := b.eval(`document.querySelector('#compare-summary .missing').dataset.v`); got != v1 {
		t.Errorf("variant listed as not analyzed: %q, want %s", got, v1)
	}
	// A series both have: two lines.
	pick("neuron_freq_norm/specialized_count")
	b.until("two lines of specialized_count", `document.querySelector('#compare-summary canvas').dataset.lines === "2"`)
	if b.eval(blank+`('#compare-summary')`) != "false" {
		t.Error("the summary series panel is blank")
	}
	// A vector statistic: a component selector, two lines.
	pick("neuron_freq_norm/specialized_per_freq")
	b.until("a component box", `!!document.querySelector('#compare-summary input[type=number]')`)
	b.eval(`(() => { const i = document.querySelector('#compare-summary input[type=number]'); i.value = 2; i.dispatchEvent(new Event('change')); return ""; })()`)
	b.until("component 2 drawn", `location.hash.includes("index=2") && document.querySelector('#compare-summary canvas').dataset.lines === "2"`)
	b.shot("compare.png")
	got := b.fetchLink(`#compare-summary .export a[data-format="png"]`)
	if !strings.HasPrefix(got, "200 image/png PNG ") || !strings.Contains(got, "view=neuron_freq_norm%2Fsummary%2Fspecialized_per_freq") || !strings.Contains(got, "index=2") {
		t.Errorf("comparison PNG export answered %q", got)
	}
	// A reload keeps the series and its component.
	b.do("reload", chromedp.Reload())
	b.until("the series after a reload", `document.body.dataset.compare === "2" && document.querySelector('#compare-summary canvas').dataset.lines === "2"`)
	if got := b.eval(`document.getElementById('compare-series').value + " " + document.querySelector('#compare-summary input[type=number]').value`); got != "neuron_freq_norm/specialized_per_freq 2" {
		t.Errorf("after a reload the selection is %q", got)
	}

	// Every panel of both variant pages has export links; the panels'
	// links answer pictures.
	for _, tc := range []struct {
		v, page string
		panels  []string // views of panels whose PNG link is fetched
	}{
		{v1, "all", []string{"accuracy", "parameter_trajectory/cross/all__projections"}},
		{v2, "overview", []string{"progress_measures/summary/train_loss,test_loss,restricted_loss,excluded_loss", "accuracy", "progress_measures/summary/gini_W_E,gini_W_L"}},
	} {
		// Through a blank page, so that nothing of the previous page is seen.
		b.do("variant page "+tc.v, chromedp.Navigate("about:blank"), chromedp.Navigate(ts.URL+"/#/v/"+tc.v+"/"+tc.page), chromedp.WaitVisible(chromedp.CSS(`#epoch-slider`)))
		b.until("the panels", `document.body.dataset.page === `+jsString(tc.page))
		if bare := b.eval(`[...document.querySelectorAll('.panel')].filter(p => !p.classList.contains('warn') && !p.classList.contains('missing') && !p.classList.contains('err') && !p.querySelector('.export a')).map(p => p.dataset.view || p.textContent).join("; ")`); bare != "" {
			t.Errorf("%s: panels without export links: %s", tc.v, bare)
		}
		for _, name := range tc.panels {
			b.eval(`(() => { document.querySelectorAll('[data-export-probe]').forEach(p => p.removeAttribute('data-export-probe'));
				const p = [...document.querySelectorAll('.panel')].find(p => p.dataset.view === ` + jsString(name) + `);
				if (p) p.setAttribute('data-export-probe', ''); return ""; })()`)
			got := b.fetchLink(`[data-export-probe] .export a[data-format="png"]`)
			if !strings.HasPrefix(got, "200 image/png PNG ") {
				t.Errorf("%s: PNG export of panel %q answered %q", tc.v, name, got)
			}
		}
		b.shot("variant-" + strings.ReplaceAll(tc.v, "/", "_") + ".png")
	}
	b.checkErrors()
}
