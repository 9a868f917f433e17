package outcome

import "fmt"

// Failure modes (Summary.FailureMode), judged on the grokking epoch and the
// final test loss.
const (
	NoGrokking  = "no_grokking"
	Degraded    = "degraded"
	LateGrokker = "late_grokker"
	Healthy     = "healthy"
)

// Performance classes (Summary.PerformanceClass) beyond Degraded,
// LateGrokker and Healthy, judged on the second descent.
const (
	NoSecondDescent = "no_second_descent"
	DegradedRebound = "degraded_rebound"
)

// failureMode classifies a variant by the first rule that fires:
// no_grokking, degraded, late_grokker, else healthy.
func failureMode(sum *Summary, s Settings) (string, []string) {
	l := sum.Loss
	if l.GrokkingEpoch == nil {
		why := fmt.Sprintf("never grokked: %s at no epoch of %d", l.GrokkingCriterion, sum.LastEpoch)
		if l.TestAccuracyMax != nil {
			why += fmt.Sprintf(" (test accuracy at most %.4g; final test loss %s)", *l.TestAccuracyMax, num(l.TestLossFinal))
		}
		return NoGrokking, []string{why}
	}
	if l.TestLossFinal == nil || *l.TestLossFinal > s.DegradedTestLoss {
		reasons := []string{fmt.Sprintf("final test loss %s > degraded_test_loss %g", num(l.TestLossFinal), s.DegradedTestLoss)}
		if n := sum.Neurons; n != nil && len(n.CommittedFrequencies) < s.MinCommittedFrequencies {
			reasons = append(reasons, fmt.Sprintf("%d committed frequencies at the end < min_committed_frequencies %d", len(n.CommittedFrequencies), s.MinCommittedFrequencies))
		}
		return Degraded, reasons
	}
	if *l.GrokkingEpoch > s.LateGrokkingEpoch {
		return LateGrokker, []string{fmt.Sprintf("grokking epoch %d > late_grokking_epoch %d", *l.GrokkingEpoch, s.LateGrokkingEpoch)}
	}
	return Healthy, []string{fmt.Sprintf("grokked at epoch %d (%s) <= late_grokking_epoch %d; final test loss %s <= degraded_test_loss %g",
		*l.GrokkingEpoch, l.GrokkingCriterion, s.LateGrokkingEpoch, num(l.TestLossFinal), s.DegradedTestLoss)}
}

// performanceClass classifies a variant's second descent by the first
// rule that fires: no_second_descent, degraded_rebound, degraded,
// late_grokker, else healthy.
func performanceClass(sum *Summary, s Settings) (string, []string) {
	l := sum.Loss
	if l.SecondDescentOnsetEpoch == nil {
		return NoSecondDescent, []string{fmt.Sprintf("test loss never fell second_descent_fraction %g below its peak %.4g (epoch %d)", s.SecondDescentFraction, l.TestLossPeak, l.TestLossPeakEpoch)}
	}
	onset := *l.SecondDescentOnsetEpoch
	final := l.TestLossFinal
	if final == nil || *final > s.SuccessfulTestLoss {
		high := fmt.Sprintf("final test loss %s > successful_test_loss %g", num(final), s.SuccessfulTestLoss)
		if final != nil && *final-l.TestLossMin >= s.ReboundTestLoss {
			return DegradedRebound, []string{fmt.Sprintf("second descent from epoch %d, then the test loss rose %.4g above its minimum %.4g (>= rebound_test_loss %g)", onset, *final-l.TestLossMin, l.TestLossMin, s.ReboundTestLoss), high}
		}
		return Degraded, []string{high}
	}
	if onset > s.LateSecondDescentEpoch {
		return LateGrokker, []string{fmt.Sprintf("second descent onset %d > late_second_descent_epoch %d", onset, s.LateSecondDescentEpoch)}
	}
	return Healthy, []string{fmt.Sprintf("second descent from epoch %d <= late_second_descent_epoch %d; final test loss %s <= successful_test_loss %g", onset, s.LateSecondDescentEpoch, num(final), s.SuccessfulTestLoss)}
}

// num formats an optional number for a reason.
func num(x *float64) string {
	if x == nil {
		return "not finite"
	}
	return fmt.Sprintf("%.4g", *x)
}
