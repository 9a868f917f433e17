package serve

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserProbe: the variant page's probe selector lists the variant's
// probes and, on a choice, shows the analyses over that probe (the hash
// keeps it, and the epoch bar keeps working).
func TestBrowserProbe(t *testing.T) {
	b := newBrowser(t, 90*time.Second)
	ts := newServer(t)
	v := fixture.variant
	b.do("open the variant", chromedp.Navigate(ts.URL+"/#/v/"+v.Family+"/"+v.Name+"/all"), chromedp.WaitVisible(chromedp.CSS(`#probe`)))
	b.until("the page", `document.body.dataset.page === "all"`)
	sections := `[...document.querySelectorAll('details.analyzer > summary')].map(s => s.firstChild.textContent).join(",")`
	if got := b.eval(sections); !strings.Contains(got, "neuron_activations") {
		t.Errorf("default probe sections: %s", got)
	}
	if got := b.eval(`[...document.querySelectorAll('#probe option')].map(o => o.textContent).join("|")`); got != "full_grid (default)|residue_classes – not analyzed|test – not analyzed|train" {
		t.Errorf("probe options: %s", got)
	}
	b.eval(`(() => { const s = document.querySelector('#probe'); s.value = 'train'; s.dispatchEvent(new Event('change')); return ""; })()`)
	b.until("the train split's analyses", sections+` === "training,parameter_snapshot"`)
	b.until("the epoch over train", `document.body.dataset.epoch !== undefined && location.hash.includes("probe=train")`)
	if got := b.eval(`document.querySelector('#probe').value`); got != "train" {
		t.Errorf("selector shows %q after the choice", got)
	}
	b.shot("probe_train.png")
	b.checkErrors()
}
