package archtest

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/tdw-workbench/tdw/"

// transport are the import path prefixes of the plugin transport: gRPC,
// go-plugin and the code generated from tdw's .proto files.
var transport = []string{"google.golang.org/grpc", "github.com/hashicorp/go-plugin", module + "proto"}

// TestPlainPackagesImportNoTransport: the plugin author's types (sdk), the
// engine (host/model) and the file formats (host/artifact, host/checkpoint)
// build without gRPC, go-plugin and the generated protocol code, so they stay usable, and cheap to
// build, apart from plugins. A failure names the import chain that pulls
// the transport in.
func TestPlainPackagesImportNoTransport(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to list dependencies with")
	}
	for _, tags := range []string{"", "openblas"} {
		for _, root := range []string{"sdk", "host/model", "host/artifact", "host/checkpoint"} {
			imports := listDeps(t, goCmd, tags, module+root)
			if chain := pathTo(imports, module+root, isTransport); chain != nil {
				t.Errorf("%s (tags %q) depends on the plugin transport: %s", root, tags, strings.Join(chain, " -> "))
			}
		}
	}
}

// listDeps returns the imports of root and of every package it depends on.
func listDeps(t *testing.T, goCmd, tags, root string) map[string][]string {
	t.Helper()
	cmd := exec.Command(goCmd, "list", "-deps", "-tags", tags, "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", root)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", root, err, stderr.String())
	}
	imports := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 0 {
			imports[f[0]] = f[1:]
		}
	}
	if _, ok := imports[root]; !ok {
		t.Fatalf("go list -deps %s did not list %s itself", root, root)
	}
	return imports
}

// pathTo returns the shortest import chain from root to a package bad
// accepts, or nil if there is none.
func pathTo(imports map[string][]string, root string, bad func(string) bool) []string {
	from := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if bad(p) {
			var chain []string
			for ; p != ""; p = from[p] {
				chain = append([]string{p}, chain...)
			}
			return chain
		}
		for _, q := range imports[p] {
			if _, seen := from[q]; !seen {
				from[q] = p
				queue = append(queue, q)
			}
		}
	}
	return nil
}

func isTransport(pkg string) bool {
	for _, prefix := range transport {
		if pkg == prefix || strings.HasPrefix(pkg, prefix+"/") {
			return true
		}
	}
	return false
}

// TestPathToNamesTheChain keeps TestPlainPackagesImportNoTransport honest:
// the search finds a transport package behind a chain and none where there
// is none.
func TestPathToNamesTheChain(t *testing.T) {
	imports := map[string][]string{
		"a": {"b", "fmt"},
		"b": {"google.golang.org/grpc/codes"},
		"c": {"fmt"},
	}
	if got := strings.Join(pathTo(imports, "a", isTransport), " -> "); got != "a -> b -> google.golang.org/grpc/codes" {
		t.Errorf("chain from a = %q", got)
	}
	if got := pathTo(imports, "c", isTransport); got != nil {
		t.Errorf("chain from c = %q, want none", got)
	}
	if isTransport("google.golang.org/grpcx") || !isTransport("github.com/hashicorp/go-plugin") || !isTransport(module+"proto/tdw/v1") {
		t.Error("isTransport matches by prefix of a path element only")
	}
}

// TestViewsReadThroughResults: the dashboard and the renderer read a results
// tree only through host/results (one set of paths, checks and error
// messages), never by opening npz files themselves; and serve takes nothing
// from render but pictures. Direct imports are what is checked: results
// itself reads with host/artifact.
func TestViewsReadThroughResults(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to list imports with")
	}
	for _, root := range []string{"host/serve", "host/render", "host/view"} {
		imports := listDeps(t, goCmd, "", module+root)
		for _, imp := range imports[module+root] {
			if imp == module+"host/artifact" || imp == module+"host/checkpoint" {
				t.Errorf("%s imports %s: read results through host/results", root, imp)
			}
		}
	}
}
