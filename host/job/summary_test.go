package job

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/outcome"
	"github.com/tdw-workbench/tdw/host/variant"
)

// TestAnalyzeWritesSummary: an analysis ends with the variant-summary
// stage, under the settings given as variant_summary; what the run did not
// compute is named as unavailable; a bad setting is refused before
// anything runs.
func TestAnalyzeWritesSummary(t *testing.T) {
	env := testEnv(t)
	out, err := Train(context.Background(), env, tiny(1, 20), nil)
	if err != nil {
		t.Fatal(err)
	}
	req := AnalyzeRequest{Family: "modulo_addition_1layer", Variant: out.Variant.Name, Analyzers: []string{"neuron_freq_norm"},
		Settings: map[string]map[string]string{SummarySettings: {"bogus": "1"}}}
	if _, err := Analyze(context.Background(), env, req, nil); !isRequestError(err, "settings") || !strings.Contains(err.Error(), `"bogus" is unknown`) {
		t.Errorf("a bad summary setting: %v", err)
	}
	req.Settings[SummarySettings] = map[string]string{"test_loss_threshold": "0.5"}
	var phases []string
	if _, err := Analyze(context.Background(), env, req, func(p analysis.Progress) { phases = append(phases, p.Phase) }); err != nil {
		t.Fatal(err)
	}
	if len(phases) == 0 || phases[len(phases)-1] != "variant-summary" {
		t.Errorf("phases %v, want variant-summary last", phases)
	}
	v, err := variant.Open(env.Results, "modulo_addition_1layer", out.Variant.Name)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := outcome.Read(v)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Settings.TestLossThreshold != 0.5 || sum.Neurons != nil || !strings.Contains(sum.Unavailable[outcome.SectionNeurons], "neuron_dynamics has not run") {
		t.Errorf("summary settings %+v, neurons %v, unavailable %v", sum.Settings, sum.Neurons, sum.Unavailable)
	}
	if st, err := outcome.Check(v); err != nil || st.State != outcome.Fresh {
		t.Errorf("after the analysis the summary is %s (%v)", st.State, err)
	}
}

func isRequestError(err error, field string) bool {
	var re *RequestError
	return errors.As(err, &re) && re.Field == field
}

// TestAnalyzeOtherProbeLeavesSummary: an analysis over another probe than
// the default writes its artifacts apart and leaves the variant summary,
// which reads the default probe's, alone; an analyzer that does not apply to
// the probe is reported skipped, not failed.
func TestAnalyzeOtherProbeLeavesSummary(t *testing.T) {
	env := testEnv(t)
	out, err := Train(context.Background(), env, tiny(1, 20), nil)
	if err != nil {
		t.Fatal(err)
	}
	req := AnalyzeRequest{Family: "modulo_addition_1layer", Variant: out.Variant.Name, Analyzers: []string{"neuron_freq_norm"}, Probe: "test"}
	var phases []string
	rep, err := Analyze(context.Background(), env, req, func(p analysis.Progress) { phases = append(phases, p.Phase) })
	if err != nil {
		t.Fatal(err)
	}
	if a := rep.Analyzers["neuron_freq_norm"]; a.Computed != 0 || !strings.Contains(a.Skipped, `"probe_shape"`) {
		t.Errorf("neuron_freq_norm over the test split: %+v", a)
	}
	if strings.Contains(strings.Join(phases, " "), "variant-summary") {
		t.Errorf("phases %v: the summary ran after another probe's analysis", phases)
	}
	if _, err := outcome.Read(out.Variant); err == nil {
		t.Error("an analysis over the test split wrote the variant summary")
	}
	if !strings.Contains(ReportLine(rep), "1 skipped") {
		t.Errorf("report line %q", ReportLine(rep))
	}
}
