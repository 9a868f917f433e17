package serve

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserSweeps: the variants page lists the fixture's sweep with its
// progress, and choosing the sweep (in the selector, or by its name) shows
// only its variants in the table.
func TestBrowserSweeps(t *testing.T) {
	b := newBrowser(t, 90*time.Second)
	ts := newServer(t)
	writeTestSweep(t)
	rows := `String(document.querySelectorAll('#variants tr').length - 1)`
	b.do("variants page", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#sweeps tr[data-sweep="grid"]`)))
	if got := b.eval(`document.querySelector('#sweeps tr[data-sweep="grid"]').innerText.replace(/\s+/g, " ").trim()`); got != "grid modulo_addition_1layer slurm 2/3 2 done, 1 queued" {
		t.Errorf("sweep row %q", got)
	}
	if got := b.eval(rows); got != "3" {
		t.Fatalf("the table shows %s variants before a sweep is chosen, want 3", got)
	}
	b.do("choosing the sweep", chromedp.SetValue(chromedp.CSS(`#sweep-filter`), "grid"))
	b.eval(`(() => { document.getElementById('sweep-filter').dispatchEvent(new Event('change')); return ""; })()`)
	b.until("the table to show the sweep's variants", rows+` === "2"`)
	if got := b.eval(`[...document.querySelectorAll('#variants tr a')].map(a => a.textContent).sort().join(",")`); got != fixture.variant.Name+","+fixture.second.Name {
		t.Errorf("rows of the sweep: %s", got)
	}
	b.shot("sweeps.png")
	b.do("all variants", chromedp.SetValue(chromedp.CSS(`#sweep-filter`), ""))
	b.eval(`(() => { document.getElementById('sweep-filter').dispatchEvent(new Event('change')); return ""; })()`)
	b.until("the table to show every variant", rows+` === "3"`)
	b.do("clicking the sweep's name", chromedp.Click(chromedp.CSS(`#sweeps tr[data-sweep="grid"] a`), chromedp.NodeVisible))
	b.until("the table to show the sweep's variants again", rows+` === "2" && document.getElementById('sweep-filter').value === "grid"`)
	b.checkErrors()
}
