package plugin_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestWritingAnAnalyzerShowsTheExample: the main.go that
// docs/writing-an-analyzer.md shows is docs/examples/hello_analyzer/main.go,
// which host/pluginhost's TestResearcherExample builds as a module of its
// own and runs, so an author who copies the doc gets a plugin that builds
// against this package.
func TestWritingAnAnalyzerShowsTheExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/writing-an-analyzer.md")
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile("../../docs/examples/hello_analyzer/main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```go\n")
	if !ok {
		t.Fatal("docs/writing-an-analyzer.md has no Go block")
	}
	shown, _, ok := strings.Cut(rest, "```\n")
	if !ok {
		t.Fatal("docs/writing-an-analyzer.md: the first Go block does not end")
	}
	if shown != string(file) {
		t.Errorf("the first Go block of docs/writing-an-analyzer.md differs from docs/examples/hello_analyzer/main.go:\n%s", firstDiff(shown, string(file)))
	}
	if !strings.Contains(shown, `"github.com/tdw-workbench/tdw/sdk/plugin"`) || !strings.Contains(shown, "plugin.ServeAnalyzer(") {
		t.Error("the example's main does not serve through sdk/plugin")
	}
}

// firstDiff names the first line where a and b differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d: doc %q, file %q", i+1, x, y)
		}
	}
	return "(same lines, different line endings)"
}
