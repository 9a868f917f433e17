package progress

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"maps"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGoldenSummary pins every summary value of the fixture checkpoint, so
// that a change to any measure shows up as a diff of testdata/summary.golden
// (regenerate with go test -run Golden -update after checking the change is
// intended). Values are printed to 9 significant digits: enough to catch a
// real change, loose enough for BLAS rounding differences.
func TestGoldenSummary(t *testing.T) {
	res := newFixture(t, "").analyze(t)
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(res.Summary)) {
		fmt.Fprintf(&b, "%s %s:", name, res.Summary[name])
		for _, v := range res.Summary[name].AsFloat64() {
			fmt.Fprintf(&b, " %.9g", v)
		}
		b.WriteString("\n")
	}
	path := filepath.Join("testdata", "summary.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("summary differs from %s:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
