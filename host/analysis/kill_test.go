package analysis

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
)

const (
	childPluginsEnv = "TDW_ANALYSIS_CHILD_PLUGINS"
	childVariantEnv = "TDW_ANALYSIS_CHILD_VARIANT" // results|family|name
)

var killAnalyzers = []string{"input_trace", "neuron_freq_norm", "neuron_dynamics"}

// TestHelperAnalyzeChild is the process TestKill9ThenResume kills: it runs
// an analysis and reports each finished checkpoint on stdout.
func TestHelperAnalyzeChild(t *testing.T) {
	spec := os.Getenv(childVariantEnv)
	if spec == "" {
		t.Skip("child process only")
	}
	parts := strings.Split(spec, "|")
	v, err := variant.Open(parts[0], parts[1], parts[2])
	if err != nil {
		t.Fatal(err)
	}
	r := New(v, modadd.New(), Config{}, Options{Progress: func(p Progress) {
		fmt.Printf("done %d\n", p.Done)
		time.Sleep(200 * time.Millisecond) // leave the parent time to kill mid-run
	}})
	for _, m := range manifests(t, killAnalyzers...) {
		r.Register(m)
	}
	if _, err := r.Execute(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestKill9ThenResume kills an analysis with SIGKILL part way and checks that
// a rerun produces the same files as an uninterrupted run.
func TestKill9ThenResume(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	v := trainedVariant(t)
	// The baseline: the same variant copied, analyzed without interruption.
	baseRoot := t.TempDir()
	copyTree(t, filepath.Dir(filepath.Dir(v.Dir())), baseRoot)
	base, err := variant.Open(baseRoot, v.Family, v.Name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newRun(base, Config{}, manifests(t, killAnalyzers...)...).Execute(context.Background()); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAnalyzeChild$")
	cmd.Env = append(os.Environ(), childPluginsEnv+"="+pluginDir,
		childVariantEnv+"="+filepath.Dir(filepath.Dir(v.Dir()))+"|"+v.Family+"|"+v.Name)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() {
		if sc.Text() == "done 2" {
			cmd.Process.Signal(syscall.SIGKILL)
			killed = true
			break
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatal("child finished or failed before it could be killed")
	}
	man, err := results.For(v).Manifest()
	if err != nil {
		t.Fatalf("manifest after kill -9: %v", err)
	}
	if man.State != results.InProgress {
		t.Errorf("manifest state after kill -9 is %s, want IN_PROGRESS", man.State)
	}

	rep, err := newRun(v, Config{}, manifests(t, killAnalyzers...)...).Execute(context.Background())
	if err != nil {
		t.Fatalf("rerun after kill -9: %v", err)
	}
	if rep.Analyzers["input_trace"].UpToDate == 0 {
		t.Error("rerun recomputed everything: the killed run's finished checkpoints were lost")
	}
	// Every artifact matches the uninterrupted run's, byte for byte.
	n := 0
	filepath.WalkDir(base.ArtifactsDir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".npz") {
			return err
		}
		rel, _ := filepath.Rel(base.ArtifactsDir(), p)
		want, _ := os.ReadFile(p)
		got, err := os.ReadFile(filepath.Join(v.ArtifactsDir(), rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the uninterrupted run's", rel)
		}
		n++
		return nil
	})
	if n < 10 {
		t.Errorf("compared only %d files", n)
	}
	// No temporary file is left behind.
	filepath.WalkDir(v.ArtifactsDir(), func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
