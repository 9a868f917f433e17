package serve

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// findChromium returns a Chromium executable ($TDW_CHROMIUM, or one on
// PATH), or "" if there is none.
func findChromium() string {
	if p := os.Getenv("TDW_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// browser is a headless Chromium page for a test, collecting the page's
// console errors and exceptions.
type browser struct {
	t      testing.TB
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

// newBrowser starts Chromium (skipping the test when there is none) with a
// deadline of timeout for everything the test does in it.
func newBrowser(t testing.TB, timeout time.Duration) *browser {
	t.Helper()
	exe := findChromium()
	if exe == "" {
		t.Skip("no chromium found (install Debian chromium or set TDW_CHROMIUM)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	b := &browser{t: t}
	// Listen starts the browser; the first call must not carry a timeout.
	if err := chromedp.Listen(bctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.errors = append(b.errors, "console.error: "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			b.errors = append(b.errors, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber, msg))
		}
	}); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	ctx, cancel := context.WithTimeout(bctx, timeout)
	t.Cleanup(cancel)
	b.ctx = ctx
	return b
}

// do runs actions, failing the test with what on error.
func (b *browser) do(what string, as ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, as...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression giving a string.
func (b *browser) eval(expr string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// until waits for a JavaScript condition.
func (b *browser) until(what, expr string) {
	b.t.Helper()
	b.do("waiting for "+what, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(30*time.Second)))
}

// shot writes a screenshot to the test's temp folder and $TDW_SCREENSHOTS.
func (b *browser) shot(name string) {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(b.t.TempDir(), name)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	if d := os.Getenv("TDW_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err == nil {
			os.WriteFile(filepath.Join(d, name), buf, 0o644)
		}
	}
	b.t.Logf("screenshot %s", p)
}

// fetchLink clicks the link that selector finds (cancelling the download),
// fetches the address the click set and returns "STATUS TYPE MAGIC HREF",
// MAGIC being bytes 1 to 3 of the answer ("PNG" for a PNG).
func (b *browser) fetchLink(selector string) string {
	b.t.Helper()
	b.eval(`(() => { window.__fetched = ""; const a = document.querySelector(` + jsString(selector) + `);
		if (!a) { window.__fetched = "no link " + ` + jsString(selector) + `; return ""; }
		a.addEventListener('click', e => e.preventDefault()); a.click();
		fetch(a.href).then(r => r.arrayBuffer().then(buf => { window.__fetched = r.status + " " + r.headers.get("content-type") + " " +
			String.fromCharCode(...new Uint8Array(buf).slice(1, 4)) + " " + a.href; }), e => { window.__fetched = String(e); }); return ""; })()`)
	b.until("the answer of "+selector, `window.__fetched !== ""`)
	return b.eval(`window.__fetched`)
}

// checkErrors fails the test for every error the page logged.
func (b *browser) checkErrors() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		b.t.Errorf("page: %s", e)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}
