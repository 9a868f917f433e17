package view

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tdw-workbench/tdw/host/registry"
)

// RefKind says what a view name refers to.
type RefKind int

// The kinds of view name.
const (
	// Loss is the training curves: train and test loss over epochs.
	Loss RefKind = iota
	// EpochArray is one array of an analyzer's per-epoch artifact.
	EpochArray
	// Summary is one statistic (or several scalar ones) of an analyzer's
	// summary.npz over epochs.
	Summary
	// CrossArray is one array of an analyzer's cross-epoch artifact.
	CrossArray
	// Accuracy is the training curves' accuracies.
	Accuracy
	// Path is a cross-epoch (epochs, components) array drawn as a path.
	Path
)

// Ref is a parsed view name: "loss", "accuracy", "ANALYZER/ARRAY" (a
// per-epoch array, or the cross-epoch array of an analyzer that has no
// per-epoch artifacts), "ANALYZER/summary/NAME" (or NAME,NAME,... for
// several scalar statistics in one picture), "ANALYZER/cross/ARRAY" or
// "ANALYZER/path/ARRAY".
type Ref struct {
	Kind     RefKind
	Analyzer string
	Array    string
}

// ErrBadView is wrapped by the errors Parse returns, and by the builder's
// for a view that cannot be drawn as asked (a style it does not take).
//
// The builder's other errors wrap those of host/results:
// results.ErrNotFound when an analyzer, array or epoch a view names is not
// among the variant's artifacts, results.ErrSelection when a request's
// epoch or index does not fit the view.
var ErrBadView = errors.New("bad view name")

// Parse parses a view name. Every component must be a safe path component
// (registry.SafePathComponent).
func Parse(s string) (Ref, error) {
	switch s {
	case "loss":
		return Ref{Kind: Loss}, nil
	case "accuracy":
		return Ref{Kind: Accuracy}, nil
	}
	parts := strings.Split(s, "/")
	check := parts
	if len(parts) == 3 && parts[1] == "summary" {
		// A summary group: each of its statistic names is a component.
		check = append(parts[:2:2], strings.Split(parts[2], ",")...)
	}
	for _, p := range check {
		if err := registry.SafePathComponent(p); err != nil {
			return Ref{}, fmt.Errorf("%w %q: %v", ErrBadView, s, err)
		}
	}
	switch {
	case len(parts) == 2:
		return Ref{Kind: EpochArray, Analyzer: parts[0], Array: parts[1]}, nil
	case len(parts) == 3 && parts[1] == "summary":
		return Ref{Kind: Summary, Analyzer: parts[0], Array: parts[2]}, nil
	case len(parts) == 3 && parts[1] == "cross":
		return Ref{Kind: CrossArray, Analyzer: parts[0], Array: parts[2]}, nil
	case len(parts) == 3 && parts[1] == "path":
		return Ref{Kind: Path, Analyzer: parts[0], Array: parts[2]}, nil
	}
	return Ref{}, fmt.Errorf("%w %q: want loss, accuracy, ANALYZER/ARRAY, ANALYZER/summary/NAME[,NAME...], ANALYZER/cross/ARRAY or ANALYZER/path/ARRAY", ErrBadView, s)
}

// Names returns the statistic names of a summary view (several for a
// group); for other views, the array name alone.
func (r Ref) Names() []string { return strings.Split(r.Array, ",") }

// String returns the view's name as Parse reads it.
func (r Ref) String() string {
	switch r.Kind {
	case Loss:
		return "loss"
	case Accuracy:
		return "accuracy"
	case Path:
		return r.Analyzer + "/path/" + r.Array
	case Summary:
		return r.Analyzer + "/summary/" + r.Array
	case CrossArray:
		return r.Analyzer + "/cross/" + r.Array
	}
	return r.Analyzer + "/" + r.Array
}

// Training reports whether the view is of the training curves (loss,
// accuracy), read from metadata.json rather than an analyzer's artifacts.
func (r Ref) Training() bool { return r.Kind == Loss || r.Kind == Accuracy }
