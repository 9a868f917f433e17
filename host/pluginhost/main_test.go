package pluginhost

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	"go.uber.org/goleak"
)

// faultPlugin is the test plugin binary, built once for the whole test binary.
var faultPlugin string

// example is the researcher's example analyzer (docs/examples/hello_analyzer),
// built beside faultPlugin; exampleErr says why it is missing.
var (
	example    string
	exampleErr error
)

// helperEnv makes the test binary act as a host that launches one plugin,
// prints its pid and waits to be killed (TestPluginDiesWithKilledHost).
const helperEnv = "TDW_PLUGINHOST_HELPER_PLUGIN"

func TestMain(m *testing.M) {
	if path := os.Getenv(helperEnv); path != "" {
		helperHost(path)
		return
	}
	dir, err := os.MkdirTemp("", "pluginhost-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	faultPlugin = filepath.Join(dir, "faultplugin")
	// The example is a separate module, so it needs its own go build; the two
	// run side by side.
	exampleDone := make(chan struct{})
	go func() {
		defer close(exampleDone)
		example, exampleErr = buildExample(dir)
	}()
	build := exec.Command("go", "build", "-o", faultPlugin, "./testdata/faultplugin")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	err = build.Run()
	<-exampleDone
	if err != nil {
		fmt.Fprintln(os.Stderr, "build test plugin:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	before := goleak.IgnoreCurrent() // goroutines of the test binary itself
	code := m.Run()
	CloseAll()
	if code == 0 {
		if err := goleak.Find(before); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildExample builds the example module, as its author would, into
// DIR/analyzers/hello_analyzer/ beside a copy of its analyzer.json.
func buildExample(dir string) (string, error) {
	src, err := filepath.Abs("../../docs/examples/hello_analyzer")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "analyzers", "hello_analyzer")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	build := exec.Command("go", "build", "-mod=readonly", "-o", filepath.Join(out, "hello_analyzer"), ".")
	build.Dir = src
	if msg, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build in %s: %v\n%s", src, err, msg)
	}
	manifest, err := os.ReadFile(filepath.Join(src, "analyzer.json"))
	if err != nil {
		return "", err
	}
	return out, os.WriteFile(filepath.Join(out, "analyzer.json"), manifest, 0o644)
}

func helperHost(path string) {
	a, err := LaunchAnalyzer(context.Background(), Spec{Name: "rowsum", Command: path, Args: []string{"rowsum"}}, Options{Logger: hclog.NewNullLogger()})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(a.Pid())
	time.Sleep(time.Minute)
}

// quietOptions keep test output readable: plugin logs only at warning level.
func quietOptions() Options {
	return Options{Logger: hclog.New(&hclog.LoggerOptions{Name: "test", Level: hclog.Warn, Output: os.Stderr})}
}
