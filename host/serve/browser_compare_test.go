package serve

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tdw-workbench/tdw/host/view"
)

// TestBrowserCompare picks two variants in the table, compares them, picks
// summary series (one that only the second variant has, then one of both),
// exports a comparison panel, reloads, shows a per-epoch array of both side
// by side (browserSideBySide), and then checks that every panel of
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
	// The curves are the comparison's view specs drawn with Plotly: data,
	// and the spec's axis titles.
	blank := `(id => { const d = document.querySelector(id + ' .plot'); return String(!(d && d.data && d.data.some(t => (t.x || []).length > 0))); })`
	for _, c := range []struct{ id, y string }{{"#compare-loss", "loss"}, {"#compare-accuracy", "accuracy"}} {
		if b.eval(blank+`('`+c.id+`')`) != "false" {
			t.Errorf("%s is blank", c.id)
		}
		axes := b.eval(`(d => d.layout.xaxis.title.text + " | " + d.layout.yaxis.title.text)(document.querySelector('` + c.id + ` .plot'))`)
		if !strings.HasPrefix(axes, "epoch | ") || !strings.Contains(axes, c.y) {
			t.Errorf("%s axis titles %q", c.id, axes)
		}
	}

	// A series only the second variant has: one line, the first listed as
	// not analyzed.
	pick := func(series string) {
		b.eval(`(() => { const s = document.getElementById('compare-series'); s.value = ` + jsString(series) + `; s.dispatchEvent(new Event('change')); return ""; })()`)
	}
	pick("progress_measures/test_loss")
	b.until("one line of test_loss", `document.querySelector('#compare-summary .plot').dataset.lines === "1"`)
	if note := b.eval(`document.getElementById('compare-series-note').textContent`); !strings.Contains(note, "1 of 2 not analyzed") {
		t.Errorf("note %q", note)
	}
	if got := b.eval(`document.querySelector('#compare-summary .missing').dataset.v`); got != v1 {
		t.Errorf("variant listed as not analyzed: %q, want %s", got, v1)
	}
	// A series both have: two lines.
	pick("neuron_freq_norm/specialized_count")
	b.until("two lines of specialized_count", `document.querySelector('#compare-summary .plot').dataset.lines === "2"`)
	if b.eval(blank+`('#compare-summary')`) != "false" {
		t.Error("the summary series panel is blank")
	}
	// A vector statistic: a component selector, two lines.
	pick("neuron_freq_norm/specialized_per_freq")
	b.until("a component box", `!!document.querySelector('#compare-summary input[type=number]')`)
	b.eval(`(() => { const i = document.querySelector('#compare-summary input[type=number]'); i.value = 2; i.dispatchEvent(new Event('change')); return ""; })()`)
	b.until("component 2 drawn", `location.hash.includes("index=2") && document.querySelector('#compare-summary .plot').dataset.lines === "2"`)
	b.shot("compare.png")
	got := b.fetchLink(`#compare-summary .export a[data-format="png"]`)
	if !strings.HasPrefix(got, "200 image/png PNG ") || !strings.Contains(got, "view=neuron_freq_norm%2Fsummary%2Fspecialized_per_freq") || !strings.Contains(got, "index=2") {
		t.Errorf("comparison PNG export answered %q", got)
	}
	// A reload keeps the series and its component.
	b.do("reload", chromedp.Reload())
	b.until("the series after a reload", `document.body.dataset.compare === "2" && document.querySelector('#compare-summary .plot').dataset.lines === "2"`)
	if got := b.eval(`document.getElementById('compare-series').value + " " + document.querySelector('#compare-summary input[type=number]').value`); got != "neuron_freq_norm/specialized_per_freq 2" {
		t.Errorf("after a reload the selection is %q", got)
	}

	browserSideBySide(t, b, ts, v1, v2)

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

// browserSideBySide, on the comparison of v1 and v2: picks a per-epoch view
// in "per-epoch arrays side by side", moves the epoch, and checks that both
// panels are drawn on one colour range (the least minimum and greatest
// maximum of the variants' own specs, which the test fetches itself), that
// the range is stated, that a panel exports a PNG on it, and that a reload
// shows the same view and epoch.
func browserSideBySide(t *testing.T, b *browser, ts *httptest.Server, v1, v2 string) {
	// A view whose colour range differs between the variants, with a
	// leading axis (the neuron).
	const name = "neuron_activations/activations"
	side := `document.getElementById('side')`
	b.until("the per-epoch views", `!!document.querySelector('#side-view option[value^="`+name+`|"]')`)
	b.eval(`(() => { const s = document.getElementById('side-view'); s.value = [...s.options].find(o => o.value.startsWith("` + name + `|")).value; s.dispatchEvent(new Event('change')); return ""; })()`)
	// The shared analyzed epochs are 0, 10, 20 (v2 stops at 20): the last first.
	b.until("two panels at epoch 20", side+`.dataset.drawn === "2" && `+side+`.dataset.epoch === "20"`)
	if got := b.eval(`document.getElementById('side-epoch').max + " " + document.getElementById('side-epoch-label').textContent`); got != "2 epoch 20 (3/3)" {
		t.Errorf("epoch control %q, want 3 shared epochs at 20", got)
	}
	b.eval(`(() => { const s = document.getElementById('side-epoch'); s.value = 1; s.dispatchEvent(new Event('input')); return ""; })()`)
	b.until("two panels at epoch 10", side+`.dataset.drawn === "2" && `+side+`.dataset.epoch === "10"`)
	// The neuron, for both panels: neuron 4, whose least value is the first
	// variant's and greatest the second's.
	b.eval(`(() => { const i = document.querySelector('#side-index input[data-axis="neuron"]'); i.value = 4; i.dispatchEvent(new Event('change')); return ""; })()`)
	b.until("neuron 4", `location.hash.includes("view_index=4") && `+side+`.dataset.drawn === "2"`)
	if h := b.eval(`location.hash`); !strings.Contains(h, "view="+name) || !strings.Contains(h, "epoch=10") {
		t.Errorf("address %s lacks the view or the epoch", h)
	}

	// The range both panels should share, from the variants' own specs.
	lo, hi := math.Inf(1), math.Inf(-1)
	diverging := false
	own := make([]string, 0, 2)
	for _, v := range []string{v1, v2} {
		var s view.Spec
		getJSON(t, ts, "/api/variants/"+v+"/view?name="+name+"&epoch=10&index=4", &s)
		if s.Color == nil {
			t.Fatalf("%s: %s has no colour scale", v, name)
		}
		lo, hi = math.Min(lo, s.Color.Min), math.Max(hi, s.Color.Max)
		diverging = diverging || s.Color.Map == view.RdBu
		own = append(own, fmt.Sprintf("%g..%g", s.Color.Min, s.Color.Max))
	}
	if diverging {
		m := math.Max(math.Abs(lo), math.Abs(hi))
		lo, hi = -m, m
	}
	t.Logf("own colour ranges at epoch 10, neuron 4: %v; shared %g..%g", own, lo, hi)
	if own[0] == own[1] {
		t.Fatalf("the variants' own ranges are the same (%v): the test shows nothing", own)
	}
	// What Plotly drew: each panel's heatmap zmin and zmax.
	drawn := b.eval(`JSON.stringify([...document.querySelectorAll('#side-panels .panel')].map(p => { const d = p.querySelector('.plot').data; return d ? [d[0].zmin, d[0].zmax] : null; }))`)
	var ranges [][2]float64
	if err := json.Unmarshal([]byte(drawn), &ranges); err != nil || len(ranges) != 2 {
		t.Fatalf("drawn ranges %s: %v", drawn, err)
	}
	// Exactly: the page sends the numbers it read (JavaScript writes a
	// float64 so that it reads back the same) and the server puts the scale
	// on them.
	for i, r := range ranges {
		if r[0] != lo || r[1] != hi {
			t.Errorf("panel %d drawn on %g..%g, want the shared %g..%g", i, r[0], r[1], lo, hi)
		}
	}
	if note := b.eval(`document.getElementById('side-range').textContent`); !strings.Contains(note, "share one colour range") {
		t.Errorf("range note %q", note)
	}
	if titles := b.eval(`[...document.querySelectorAll('#side-panels .panel h4')].map(h => h.textContent).join(",")`); titles != fixture.variant.Name+","+fixture.second.Name {
		t.Errorf("panel titles %q", titles)
	}
	got := b.fetchLink(`#side-panels .panel .export a[data-format="png"]`)
	if !strings.HasPrefix(got, "200 image/png PNG ") || !strings.Contains(got, fmt.Sprintf("color_range=%g%%2C%g", lo, hi)) || !strings.Contains(got, "epoch=10") {
		t.Errorf("side-by-side PNG export answered %q", got)
	}
	b.shot("compare-side.png")
	// With more than four variants chosen, the section says that only the
	// first four are shown (built, not loaded: the fixture has three).
	if got := b.eval(`(() => { const a = compareArrays([1, 2, 3, 4, 5].map(i => ({ family: "f", name: "v" + i })), new URLSearchParams()); const m = a.box.querySelector('#side-more'); return m ? m.textContent : "no note"; })()`); got != "Only the first 4 of the 5 chosen variants are shown side by side." {
		t.Errorf("with five variants the note reads %q", got)
	}
	if got := b.eval(`compareArrays([1, 2].map(i => ({ family: "f", name: "v" + i })), new URLSearchParams()).box.querySelector('#side-more') === null ? "none" : "note"`); got != "none" {
		t.Errorf("with two variants there is a note on the first four")
	}
	// A diverging map keeps the shared range symmetric about 0.
	if got := b.eval(`JSON.stringify(sharedColorRange([{ color: { map: "viridis", min: 0.5, max: 2 } }, { color: { map: "RdBu", min: -1, max: 1 } }, null]))`); got != `{"lo":-2,"hi":2,"diverging":true}` {
		t.Errorf("shared range of a sequential and a diverging picture: %s", got)
	}

	b.do("reload", chromedp.Reload())
	b.until("the side-by-side panels after a reload", side+` && `+side+`.dataset.drawn === "2" && `+side+`.dataset.epoch === "10"`)
	if got := b.eval(`document.getElementById('side-view').value.split("|")[0] + " " + document.querySelector('#side-index input').value`); got != name+" 4" {
		t.Errorf("after a reload the view and neuron are %q", got)
	}

	// A variant without the view (not trained) gets a panel saying so; the
	// epochs are those of the variants that have it.
	un := vname(fixture.untrained)
	b.do("comparison with an untrained variant", chromedp.Navigate("about:blank"),
		chromedp.Navigate(ts.URL+"/#/compare?v="+v1+","+un+"&view="+name+"&as=heatmap&epoch=20&view_index=4"))
	b.until("one panel drawn", side+` && `+side+`.dataset.drawn === "1" && `+side+`.dataset.epoch === "20"`)
	if got := b.eval(`[...document.querySelectorAll('#side-panels .panel.missing')].map(p => p.dataset.v + ": " + p.querySelector('.why').textContent).join(";")`); got != un+": "+fixture.untrained.Name+" has no view "+name {
		t.Errorf("the untrained variant's panel reads %q", got)
	}
	b.shot("compare-side-missing.png")
}
