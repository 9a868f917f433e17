package serve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserActivations runs on the Activations page of the fixture variant:
// a click on a cell of the neuron × frequency heatmap selects that neuron
// (the selector and the activation panel follow it), the neuron's prev and
// next buttons step it, the panels draw what their view specs say (axis
// titles, colour range), and a panel exports as PNG, SVG, PDF and HTML.
func browserActivations(t *testing.T, b *browser) {
	t.Helper()
	norm := `document.querySelector('[data-view="neuron_freq_norm/norm_matrix"][data-as="sorted_heatmap"] .plot')`
	act := `document.querySelector('[data-view="neuron_activations/activations"] .plot')`
	if got := b.eval(`document.getElementById('sel-neuron').value`); got != "0" {
		t.Errorf("neuron selector starts at %s, want 0", got)
	}
	// The panel draws its spec: titles and colour range as the spec says.
	for _, sel := range []string{norm, act} {
		got := b.eval(`(() => { const d = ` + sel + `, s = d.tdwSpec, L = d._fullLayout, tr = d.data[0];
			const bad = [];
			if (L.xaxis.title.text !== s.x.title) bad.push("x title " + L.xaxis.title.text + " vs " + s.x.title);
			if (L.yaxis.title.text !== s.y.title) bad.push("y title " + L.yaxis.title.text + " vs " + s.y.title);
			if (tr.zmin !== s.color.min || tr.zmax !== s.color.max) bad.push("colour range " + tr.zmin + ".." + tr.zmax + " vs " + s.color.min + ".." + s.color.max);
			if (tr.colorbar.title.text !== s.color.title) bad.push("colour bar " + tr.colorbar.title.text);
			if (JSON.stringify(tr.z.flat()) !== JSON.stringify(s.grid.z)) bad.push("data");
			if (s.square && L.yaxis.scaleanchor !== "x") bad.push("square grid not anchored");
			return bad.join("; "); })()`)
		if got != "" {
			t.Errorf("panel %s differs from its spec: %s", sel, got)
		}
	}
	// A real click in the middle of the sorted heatmap selects the neuron
	// of that column.
	b.do("scroll the heatmap into view", chromedp.ScrollIntoView(chromedp.CSS(`[data-view="neuron_freq_norm/norm_matrix"][data-as="sorted_heatmap"] .plot`)))
	pos, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]float64](`(() => { const r = `+norm+`.querySelector('.nsewdrag').getBoundingClientRect(); return [r.left + r.width * 0.37, r.top + r.height * 0.5]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	x, y := pos[0], pos[1]
	b.do("click the heatmap", chromedp.MouseClickXY(x, y))
	b.until("the neuron selector to follow the click", `document.getElementById('sel-neuron').value !== "0"`)
	picked := b.eval(`document.getElementById('sel-neuron').value`)
	b.until("the activation panel to show the picked neuron", act+`.tdwSpec.selectors[0].value === +document.getElementById('sel-neuron').value`)
	if want := b.eval(`(() => { const s = ` + norm + `.tdwSpec; return String(s.grid.col_index.includes(+document.getElementById('sel-neuron').value)); })()`); want != "true" {
		t.Errorf("picked neuron %s is not a column of the heatmap", picked)
	}
	b.do("next neuron", chromedp.Click(chromedp.CSS(`#sel-neuron-next`), chromedp.NodeVisible))
	b.until("the next neuron", `document.getElementById('sel-neuron').value === String(`+picked+` + 1)`)
	b.until("the activation panel to follow", act+`.tdwSpec.selectors[0].value === `+picked+` + 1`)
	b.shot("activations-picked.png")
	picked = b.eval(`document.getElementById('sel-neuron').value`)
	// Exports of the activation panel: what it shows, in four formats.
	for format, magic := range map[string]string{"png": "PNG", "svg": "?xm|svg", "pdf": "PDF", "html": "!DO"} {
		got := b.fetchLink(`[data-view="neuron_activations/activations"] .export a[data-format="` + format + `"]`)
		f := strings.Fields(got)
		if len(f) < 4 || f[0] != "200" || !strings.Contains("|"+magic+"|", "|"+f[len(f)-2]+"|") || !strings.Contains(got, "index="+picked) {
			t.Errorf("%s export answered %q, want status 200, %q and the picked neuron", format, got, magic)
		}
	}
	// The HTML export carries the spec the panel draws: same data, axis
	// titles and colour range.
	b.eval(`(() => { window.__same = ""; const a = document.querySelector('[data-view="neuron_activations/activations"] .export a[data-format="html"]');
		a.click(); fetch(a.href).then(r => r.text()).then(t => {
			const m = t.match(/<script type="application\/json" id="tdw-spec">([\s\S]*?)<\/script>/);
			const s = ` + act + `.tdwSpec, f = m ? JSON.parse(m[1]) : null;
			window.__same = !f ? "no spec in the file" : JSON.stringify(f.grid) !== JSON.stringify(s.grid) ? "data differ" :
				f.x.title !== s.x.title || f.y.title !== s.y.title ? "axis titles differ" :
				f.color.min !== s.color.min || f.color.max !== s.color.max ? "colour ranges differ" : "same"; }); return ""; })()`)
	b.until("the HTML export", `window.__same !== ""`)
	if got := b.eval(`window.__same`); got != "same" {
		t.Errorf("HTML export vs panel: %s", got)
	}
}

// TestBrowserHTMLExport opens a standalone HTML export from disk, as a
// user would: with no server and no network, the inlined Plotly.js and
// view script draw the spec (the heatmap with its axis titles and colour
// bar), with no error in the page.
func TestBrowserHTMLExport(t *testing.T) {
	b := newBrowser(t, 90*time.Second)
	ts := newServer(t)
	code, page := get(t, ts, vpath()+"/export?view=neuron_freq_norm/norm_matrix&as=sorted_heatmap&epoch=20&format=html")
	if code != 200 {
		t.Fatalf("HTML export: %d %.200s", code, page)
	}
	ts.Close() // nothing may come from the server any more
	file := filepath.Join(t.TempDir(), "export.html")
	if err := os.WriteFile(file, page, 0o644); err != nil {
		t.Fatal(err)
	}
	b.do("open the file", chromedp.Navigate("file://"+file))
	b.until("the plot", `!!document.querySelector('#plot .main-svg')`)
	got := b.eval(`(() => { const d = document.getElementById('plot'), s = JSON.parse(document.getElementById('tdw-spec').textContent);
		const L = d._fullLayout, tr = d.data[0];
		return [L.xaxis.title.text === s.x.title, L.yaxis.title.text === s.y.title, tr.zmin === s.color.min && tr.zmax === s.color.max,
			tr.colorbar.title.text === s.color.title, !!document.querySelector('#plot .colorbar'), L.title.text.startsWith(s.title)].join(","); })()`)
	if got != "true,true,true,true,true,true" {
		t.Errorf("the HTML file draws its spec: %s (x title, y title, colour range, colour bar title, colour bar, title)", got)
	}
	b.shot("export-html.png")
	b.checkErrors()
}
