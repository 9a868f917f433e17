package corpus

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tdw-workbench/tdw/host/outcome"
)

// Column is one column of the corpus table. A cell is nil (no value: the
// summary or the landmark is missing), a string, an int, a float64 or a
// bool.
type Column struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	value       func(e *Entry) any
}

// Entry is one variant as the corpus sees it.
type Entry struct {
	Name   string
	Params map[string]any
	State  string // the variant's state (UNTRAINED, TRAINED, ANALYZED)
	// Summary is the variant summary on disk (nil when it has none) and
	// Freshness whether it is up to date (outcome.Fresh, Stale, Missing),
	// or "error" with Error saying why the variant could not be read.
	Summary   *outcome.Summary
	Freshness string
	Error     string
}

// summaryColumns are the columns after the parameters, in table order.
var summaryColumns = []Column{
	{"state", "the variant's state: UNTRAINED, TRAINED, ANALYZED", func(e *Entry) any { return e.State }},
	{"summary", "the variant summary: fresh, stale (its inputs changed), missing, or error", func(e *Entry) any { return e.Freshness }},
	{"epochs", "last trained epoch", sum(func(s *outcome.Summary) any { return s.LastEpoch })},
	{"grokking_epoch", "first epoch past the grokking criterion (test accuracy > 0.99)", sum(func(s *outcome.Summary) any { return intp(s.Loss.GrokkingEpoch) })},
	{"failure_mode", "no_grokking, degraded, late_grokker or healthy", sum(func(s *outcome.Summary) any { return s.FailureMode })},
	{"performance_class", "no_second_descent, degraded_rebound, degraded, late_grokker or healthy", sum(func(s *outcome.Summary) any { return s.PerformanceClass })},
	{"test_loss_final", "test loss at the last epoch", sum(func(s *outcome.Summary) any { return floatp(s.Loss.TestLossFinal) })},
	{"test_loss_peak_epoch", "epoch of the test-loss peak", sum(func(s *outcome.Summary) any { return s.Loss.TestLossPeakEpoch })},
	{"second_descent_onset", "epoch the second descent starts", sum(func(s *outcome.Summary) any { return intp(s.Loss.SecondDescentOnsetEpoch) })},
	{"second_descent_survived", "whether the test loss stayed down after the second descent", sum(func(s *outcome.Summary) any {
		if s.Loss.SecondDescentSurvived == nil {
			return nil
		}
		return *s.Loss.SecondDescentSurvived
	})},
	span("first_descent"), span("plateau"), span("cascade"), span("second_descent"), span("final"),
	{"first_mover_frequency", "the frequency with the most specialized neurons when the first appear", neu(func(n *outcome.NeuronLandmarks) any { return intp(n.FirstMoverFrequency) })},
	{"first_mover_epoch", "epoch the first specialized neuron appears", neu(func(n *outcome.NeuronLandmarks) any { return intp(n.FirstMoverEpoch) })},
	{"committed_frequencies", "frequencies committed at the end, comma-separated", neu(func(n *outcome.NeuronLandmarks) any { return list(n.CommittedFrequencies) })},
	{"committed_count", "how many", neu(func(n *outcome.NeuronLandmarks) any { return len(n.CommittedFrequencies) })},
	{"learned_frequencies", "frequencies with a specialized neuron at the end, comma-separated", neu(func(n *outcome.NeuronLandmarks) any { return list(n.LearnedFrequencies) })},
	{"crossover_epoch", "effective-dimensionality crossover: PR(W_out) back to PR(W_in)", sum(func(s *outcome.Summary) any {
		if s.EffectiveDimensionality == nil {
			return nil
		}
		return intp(s.EffectiveDimensionality.CrossoverEpoch)
	})},
	{"max_circularity", "largest resid_post circularity", sum(func(s *outcome.Summary) any {
		if s.Geometry == nil {
			return nil
		}
		return floatp(s.Geometry.MaxCircularity)
	})},
	{"transient_count", "transient frequencies (transient_frequency)", sum(func(s *outcome.Summary) any {
		if s.Transient == nil {
			return nil
		}
		return s.Transient.Count
	})},
	{"failure_reasons", "the rules that gave the failure mode", sum(func(s *outcome.Summary) any { return strings.Join(s.FailureModeReasons, "; ") })},
	{"performance_reasons", "the rules that gave the performance class", sum(func(s *outcome.Summary) any { return strings.Join(s.PerformanceClassReasons, "; ") })},
}

// windowColumns are each window's bounds as numbers, after summaryColumns.
func windowColumns() []Column {
	var out []Column
	for _, w := range outcome.WindowNames {
		out = append(out, bound(w, "start"), bound(w, "end"))
	}
	return out
}

func sum(f func(*outcome.Summary) any) func(*Entry) any {
	return func(e *Entry) any {
		if e.Summary == nil {
			return nil
		}
		return f(e.Summary)
	}
}

func neu(f func(*outcome.NeuronLandmarks) any) func(*Entry) any {
	return sum(func(s *outcome.Summary) any {
		if s.Neurons == nil {
			return nil
		}
		return f(s.Neurons)
	})
}

// window returns the named window of a summary.
func window(s *outcome.Summary, name string) *outcome.Window {
	for i, w := range s.Windows.All() {
		if outcome.WindowNames[i] == name {
			return w
		}
	}
	return nil
}

// span is a window as "START-END", nil when skipped.
func span(name string) Column {
	return Column{name, "the " + strings.ReplaceAll(name, "_", " ") + " window, START-END epochs (empty: skipped)", sum(func(s *outcome.Summary) any {
		w := window(s, name)
		if w == nil || w.Skipped {
			return nil
		}
		return fmt.Sprintf("%d-%d", *w.StartEpoch, *w.EndEpoch)
	})}
}

func bound(name, which string) Column {
	return Column{name + "_" + which, which + " epoch of the " + strings.ReplaceAll(name, "_", " ") + " window", sum(func(s *outcome.Summary) any {
		w := window(s, name)
		if w == nil || w.Skipped {
			return nil
		}
		if which == "start" {
			return *w.StartEpoch
		}
		return *w.EndEpoch
	})}
}

func intp(x *int) any {
	if x == nil {
		return nil
	}
	return *x
}

func floatp(x *float64) any {
	if x == nil {
		return nil
	}
	return *x
}

func list(ks []int) any {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = strconv.Itoa(k)
	}
	return strings.Join(parts, ",")
}

// Text formats a cell for a table or CSV: "" for nil, floats in %.4g.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'g', 4, 64)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}
