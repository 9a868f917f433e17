package analysis

import (
	"context"
	"testing"

	"github.com/tdw-workbench/tdw/host/variant"
)

// TestVariantStateIsAnalyzedOnlyWhenComplete: a variant whose analysis
// lacks an analyzer of the set, or an epoch of one, is PARTIAL, not
// ANALYZED.
func TestVariantStateIsAnalyzedOnlyWhenComplete(t *testing.T) {
	v := trainedVariant(t)
	set := manifests(t, "input_trace", "neuron_freq_norm")
	if st, err := VariantState(v, set); err != nil || st != variant.Trained {
		t.Fatalf("before analysis: %s, %v", st, err)
	}
	if _, err := newRun(v, Config{Checkpoints: []int{0, 10}}, set...).Execute(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, _ := VariantState(v, set); st != Partial {
		t.Errorf("two of four epochs: %s, want %s", st, Partial)
	}
	if _, err := newRun(v, Config{}, set[:1]...).Execute(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, _ := VariantState(v, set); st != Partial {
		t.Errorf("one analyzer complete: %s, want %s", st, Partial)
	}
	if _, err := newRun(v, Config{}, set...).Execute(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, _ := VariantState(v, set); st != variant.Analyzed {
		t.Errorf("complete: %s, want %s", st, variant.Analyzed)
	}
}
