package job

import (
	"errors"
	"fmt"
	"time"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/outcome"
)

// SummarySettings is the key of AnalyzeRequest.Settings that holds the
// variant summary's settings (outcome.Parameters), as --set
// variant_summary.NAME=VALUE gives them.
const SummarySettings = "variant_summary"

// summarize runs the variant-summary stage after an analysis that went
// through (some analyzers may have failed: the summary says what it could
// not read). It is reported as the phase "variant-summary".
func summarize(p *analyzePlan, r AnalyzeRequest, runErr error, progress func(analysis.Progress)) error {
	if runErr != nil && !errors.Is(runErr, analysis.ErrFailures) {
		return nil
	}
	t0 := time.Now()
	_, _, err := outcome.Update(p.v, r.Settings[SummarySettings], r.Force)
	if err != nil {
		return fmt.Errorf("variant summary of %s: %w", p.v.Name, err)
	}
	if progress != nil {
		progress(analysis.Progress{Phase: "variant-summary", Done: 1, Total: 1, Elapsed: time.Since(t0)})
	}
	return nil
}
