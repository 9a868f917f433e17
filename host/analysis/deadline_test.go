package analysis

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestBeginHasTheAnalyzerJSONTimeout: a plugin that hangs in Begin fails
// after its analyzer.json timeout, and the others go on. Begin used to run
// without it (under pluginhost's 30 minutes), so a plugin hanging there held
// the run up for as long.
func TestBeginHasTheAnalyzerJSONTimeout(t *testing.T) {
	v := trainedVariant(t)
	ms := append(manifests(t, "input_trace"), faultManifest(t, "hang_begin", `"timeout": 2,`))
	t0 := time.Now()
	rep, err := newRun(v, Config{}, ms...).Execute(context.Background())
	elapsed := time.Since(t0)
	if !errors.Is(err, ErrFailures) || !strings.Contains(err.Error(), "hang_begin") {
		t.Fatalf("Execute: %v, want ErrFailures naming hang_begin", err)
	}
	want := `plugin "hang_begin" did not answer Begin within 2s (deadline); killed it`
	if got := rep.Analyzers["hang_begin"].Failures[-1]; !strings.Contains(got, want) {
		t.Errorf("hang_begin failure %q, want it to contain %q", got, want)
	}
	if got := rep.Analyzers["input_trace"].Computed; got != 4 {
		t.Errorf("input_trace computed %d, want 4", got)
	}
	// 2s for Begin plus input_trace over four checkpoints; minutes would
	// mean Begin ran without the deadline.
	if elapsed > 60*time.Second {
		t.Errorf("Execute took %s with a plugin hanging in Begin under a 2s timeout", elapsed)
	}
}
