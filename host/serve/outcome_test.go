package serve

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tdw-workbench/tdw/host/outcome"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

// TestAPIOutcomeAndPeers: the variants list and a variant's record carry
// its summary; the fixture variant's only seed peer is untrained, listed
// with a note and no series.
func TestAPIOutcomeAndPeers(t *testing.T) {
	ts := newServer(t)
	// The fields of VariantInfo this test reads.
	var info struct {
		Outcome map[string]any   `json:"outcome"`
		Summary *outcome.Summary `json:"summary"`
		Seeds   []string         `json:"seeds"`
	}
	getJSON(t, ts, vpath(), &info)
	if info.Summary != nil || info.Outcome["summary"] != outcome.Missing || strings.Join(info.Seeds, ",") != "data_seed,seed" {
		t.Errorf("before a summary: summary %v, outcome %v, seeds %v", info.Summary, info.Outcome["summary"], info.Seeds)
	}
	if _, _, err := outcome.Update(fixture.variant, nil, false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(filepath.Join(fixture.variant.Dir(), outcome.FileName)) })
	getJSON(t, ts, vpath(), &info)
	if info.Summary == nil || info.Summary.Variant != fixture.variant.Name || info.Outcome["summary"] != outcome.Fresh || info.Outcome["failure_mode"] != info.Summary.FailureMode {
		t.Errorf("after a summary: %+v, outcome %v", info.Summary, info.Outcome)
	}
	var ans struct {
		By    string `json:"by"`
		Peers []struct {
			Name   string `json:"name"`
			Epochs []int  `json:"epochs"`
			Note   string `json:"note"`
		} `json:"peers"`
	}
	getJSON(t, ts, vpath()+"/peers?by=seed", &ans)
	if ans.By != "seed" || len(ans.Peers) != 1 || ans.Peers[0].Name != fixture.untrained.Name || ans.Peers[0].Note == "" || len(ans.Peers[0].Epochs) != 0 {
		t.Errorf("peers by seed: %+v", ans)
	}
	getJSON(t, ts, vpath()+"/peers?by=data_seed", &ans)
	if len(ans.Peers) != 0 {
		t.Errorf("peers by data_seed: %+v", ans.Peers)
	}
	if code, body := get(t, ts, vpath()+"/peers?by=prime"); code != 400 || !strings.Contains(string(body), "not a seed parameter") {
		t.Errorf("by=prime: %d %s", code, body)
	}
}

func getJSON(t *testing.T, ts *httptest.Server, path string, into any) {
	t.Helper()
	code, body := get(t, ts, path)
	if code != 200 {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserOutcome: the variants table shows the summary's columns and
// filters on a condition; a variant page draws the windows on its time
// series and links to its peers; the peer page draws the divergence.
func TestBrowserOutcome(t *testing.T) {
	if os.Getenv("TDW_DASHBOARD_URL") != "" {
		t.Skip("TDW_DASHBOARD_URL drives TestBrowser only")
	}
	b := newBrowser(t, 180*time.Second)
	ts, anchor := peerServer(t)
	b.do("variants table", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#variants a`)))
	heads := b.eval(`[...document.querySelectorAll('#variants th')].map(h => h.textContent).join("|")`)
	for _, h := range []string{"failure mode", "performance", "1st descent", "cascade", "committed freqs"} {
		if !strings.Contains(heads, h) {
			t.Errorf("variants table columns %s lack %q", heads, h)
		}
	}
	b.do("condition", chromedp.SendKeys(chromedp.CSS(`#filter`), "summary=fresh"))
	if rows := b.eval(`[...document.querySelectorAll('#variants tr a')].map(a => a.textContent).join(" ")`); rows != anchor.Name {
		t.Errorf("summary=fresh keeps %q, want %s", rows, anchor.Name)
	}

	b.do("variant page", chromedp.Navigate(ts.URL+"/#/v/"+anchor.Family+"/"+anchor.Name), chromedp.WaitVisible(chromedp.CSS(`#epoch-slider`)))
	b.until("the panels", `document.body.dataset.page !== undefined`)
	if line := b.eval(`document.getElementById('outcome').textContent`); !strings.Contains(line, "1st descent 0–10") || !strings.Contains(line, "failure mode") {
		t.Errorf("outcome line %q", line)
	}
	if n := b.eval(`[...document.querySelectorAll('.plot')].filter(d => d.layout && (d.layout.shapes || []).some(s => s.type === "rect")).length + ""`); n == "0" {
		t.Error("no time series draws the windows")
	}
	b.shot("variant-windows.png")
	b.do("peers link", chromedp.Click(chromedp.CSS(`#outcome a[href*="by=data_seed"]`), chromedp.NodeVisible))
	b.until("the peer page", `document.body.dataset.peers === "1"`)
	blank := `(id => { const c = document.querySelector(id + ' canvas'); const e = document.createElement('canvas'); e.width = c.width; e.height = c.height; return String(c.toDataURL() === e.toDataURL()); })`
	for _, id := range []string{"#peers-total", "#peers-matrices"} {
		if b.eval(blank+`('`+id+`')`) != "false" {
			t.Errorf("%s is blank", id)
		}
	}
	if href := b.eval(`document.getElementById('peers-loss').getAttribute('href')`); !strings.HasPrefix(href, "#/compare?v=") || strings.Count(href, "%2C")+strings.Count(href, ",") != 1 {
		t.Errorf("loss overlay link %q", href)
	}
	b.shot("peers.png")
	b.checkErrors()
}

// peerServer serves a results folder holding a copy of the fixture variant
// with a summary (thresholds set so that it has a first descent) and a
// trained data-seed peer of it.
func peerServer(t *testing.T) (*httptest.Server, *variant.Variant) {
	t.Helper()
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	dir := t.TempDir()
	src := fixture.variant.Dir()
	dst := filepath.Join(dir, fixture.variant.Family, fixture.variant.Name)
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	anchor, err := variant.Open(dir, fixture.variant.Family, fixture.variant.Name)
	if err != nil {
		t.Fatal(err)
	}
	md, err := anchor.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	// The first descent ends at checkpoint 10: the train loss of epoch 9.
	given := map[string]string{"train_loss_threshold": strconv.FormatFloat(md.TrainLosses[9], 'g', -1, 64)}
	if _, _, err := outcome.Update(anchor, given, false); err != nil {
		t.Fatal(err)
	}
	fam, err := fixture.families.Get(anchor.Family)
	if err != nil {
		t.Fatal(err)
	}
	peer, err := variant.Create(context.Background(), dir, fam, modadd.New(), sdk.Params{"prime": 17, "train_fraction": 0.5, "seed": 1, "data_seed": 9}, "test")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := variant.ResolveTraining(fam, "", 30, "0:30:10")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := peer.Train(context.Background(), variant.TrainOptions{Family: modadd.New(), Training: tr, TDWVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	s, err := New(dir, fixture.families, fixture.analyzers, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, anchor
}
