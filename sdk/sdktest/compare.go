package sdktest

import (
	"sort"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

// SameResult fails t for every array or summary statistic of got that is
// missing, extra, or not identical to want's (dtype, shape and bytes): the
// check that an analyzer answers through the plugin path exactly what it
// answers in-process.
func SameResult(t testing.TB, want, got *sdk.Result) {
	t.Helper()
	SameTensors(t, "array", want.Arrays, got.Arrays)
	SameTensors(t, "summary", want.Summary, got.Summary)
}

// SameTensors fails t for every tensor of got that is missing, extra or not
// identical to want's (dtype, shape and bytes); what names the kind of
// tensor in the messages.
func SameTensors(t testing.TB, what string, want, got map[string]*sdk.Tensor) {
	t.Helper()
	for _, name := range sortedNames(want) {
		w, g := want[name], got[name]
		switch {
		case g == nil:
			t.Errorf("%s %s is missing (want %v)", what, name, w)
		case g.DType() != w.DType() || g.ShapeString() != w.ShapeString():
			t.Errorf("%s %s is %v, want %v", what, name, g, w)
		case string(g.Bytes()) != string(w.Bytes()):
			t.Errorf("%s %s %v differs from the wanted values", what, name, g)
		}
	}
	for _, name := range sortedNames(got) {
		if want[name] == nil {
			t.Errorf("%s %s is not wanted (got %v)", what, name, got[name])
		}
	}
}

func sortedNames(m map[string]*sdk.Tensor) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
