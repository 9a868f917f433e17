package serve

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// BenchmarkEpochChange times an epoch change in the browser, from the
// slider's move to every panel of the page redrawn (the page's own
// measure, document.body.dataset.updateMs), with the page's answers
// forgotten first so that each change fetches its specs from the server.
// It runs over the fixture variant's Activations, Frequency and Overview
// pages, or over the page $TDW_DASHBOARD_URL names (a variant page of a
// running 'tdw-host serve', e.g. the p=113 quick variant), and reports the
// mean in ms/change.
func BenchmarkEpochChange(b *testing.B) {
	br := newBrowser(b, 10*time.Minute)
	var urls []string
	if u := os.Getenv("TDW_DASHBOARD_URL"); u != "" {
		urls = []string{u}
	} else {
		ts := newServer(b)
		v := fixture.variant
		for _, p := range []string{"activations", "frequency", "overview"} {
			urls = append(urls, ts.URL+"/#/v/"+v.Family+"/"+v.Name+"/"+p)
		}
	}
	var total float64
	var n int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u := urls[i%len(urls)]
		br.do("open "+u, chromedp.Navigate("about:blank"), chromedp.Navigate(u))
		br.until("the page", `document.body.dataset.page !== undefined && document.body.dataset.epoch !== undefined`)
		// Step through every epoch once, forward.
		steps, _ := strconv.Atoi(br.eval(`document.getElementById('epoch-slider').max`))
		for k := 0; k < steps; k++ {
			prev := br.eval(`document.body.dataset.epoch`)
			br.eval(`(() => { cache.clear(); const s = document.getElementById('epoch-slider'); s.value = ` + strconv.Itoa(k+1) + `; s.dispatchEvent(new Event('input')); return ""; })()`)
			br.until("the next epoch", `document.body.dataset.epoch !== `+jsString(prev)+` && document.getElementById('status').textContent.startsWith('epoch ')`)
			ms, err := strconv.ParseFloat(br.eval(`document.body.dataset.updateMs`), 64)
			if err != nil {
				b.Fatal(err)
			}
			total += ms
			n++
		}
	}
	b.StopTimer()
	if n > 0 {
		b.ReportMetric(total/float64(n), "ms/change")
	}
	br.checkErrors()
}
